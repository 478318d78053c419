"""The cinema database as v0.1.0 made it: its own tables and the journal's.

Revision ID: cinema_0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

from backend.schema.journal_v1 import create_journal_tables

revision = "cinema_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('cinema_blocked_seats',
    sa.Column('show_id', sa.String(), nullable=False),
    sa.Column('seat', sa.String(), nullable=False),
    sa.Column('blocked_at', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('show_id', 'seat')
    )
    op.create_table('cinema_bookings',
    sa.Column('booking_id', sa.String(), nullable=False),
    sa.Column('show_id', sa.String(), nullable=False),
    sa.Column('state', sa.String(), nullable=False),
    sa.Column('reason', sa.String(), nullable=True),
    sa.Column('updated_at', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('booking_id')
    )
    op.create_table('cinema_cancelled_shows',
    sa.Column('show_id', sa.String(), nullable=False),
    sa.Column('cancelled_at', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('show_id')
    )
    op.create_table('cinema_tickets',
    sa.Column('ticket_no', sa.String(), nullable=False),
    sa.Column('show_id', sa.String(), nullable=False),
    sa.Column('seat', sa.String(), nullable=False),
    sa.Column('booking_id', sa.String(), nullable=False),
    sa.Column('issued_at', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('ticket_no'),
    sa.UniqueConstraint('show_id', 'seat')
    )
    op.create_index(op.f('ix_cinema_tickets_booking_id'), 'cinema_tickets', ['booking_id'], unique=False)
    create_journal_tables()


def downgrade() -> None:
    raise NotImplementedError("the box office never goes back to an older schema")
