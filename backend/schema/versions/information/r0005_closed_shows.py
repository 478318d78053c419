"""The seat view lets go of closed shows.

Revision ID: information_0005
Revises: information_0004

When reservation closes a show long over (``ShowClosed``), the view deletes the show's
``info_seats`` rows and records it in ``info_closed_shows``; its seat map is then read
from its sold bookings (``backend/services/information/closed_shows.py``). A new table
only: an older data directory gains it empty.
"""

import sqlalchemy as sa
from alembic import op

revision = "information_0005"
down_revision = "information_0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "info_closed_shows",
        sa.Column("show_id", sa.String(), nullable=False),
        sa.Column("closed_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("show_id"),
    )


def downgrade() -> None:
    raise NotImplementedError("the box office never goes back to an older schema")
