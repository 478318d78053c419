"""A ticket is keyed by its show and seat, not by its number.

Revision ID: cinema_0004
Revises: cinema_0003

``cinema_tickets`` had two unique keys: the ticket number (its primary key) and the
(show, seat) pair, which is what stops a seat being ticketed twice. Nothing looks a
ticket up by its number, which is unique anyway (the booking's code, never used twice,
and the seat); but as a key it made every ticket issued write an index page chosen by
the booking code, anywhere in an index as big as every ticket ever sold. Now (show,
seat) is the primary key and the number a plain column. SQLite cannot change a table's
primary key in place, so the table is copied into its new shape, the same way on both
engines.
"""

import sqlalchemy as sa
from alembic import op

revision = "cinema_0004"
down_revision = "cinema_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cinema_tickets_new",
        sa.Column("ticket_no", sa.String(), nullable=False),
        sa.Column("show_id", sa.String(), nullable=False),
        sa.Column("seat", sa.String(), nullable=False),
        sa.Column("booking_id", sa.String(), nullable=False),
        sa.Column("issued_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("show_id", "seat"),
    )
    op.execute(
        "INSERT INTO cinema_tickets_new (ticket_no, show_id, seat, booking_id, issued_at)"
        " SELECT ticket_no, show_id, seat, booking_id, issued_at FROM cinema_tickets"
    )
    op.drop_table("cinema_tickets")  # its index on booking_id goes with it
    op.rename_table("cinema_tickets_new", "cinema_tickets")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER INDEX cinema_tickets_new_pkey RENAME TO cinema_tickets_pkey")
    op.create_index("ix_cinema_tickets_booking_id", "cinema_tickets", ["booking_id"])


def downgrade() -> None:
    raise NotImplementedError("the box office never goes back to an older schema")
