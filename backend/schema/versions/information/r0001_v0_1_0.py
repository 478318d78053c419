"""The information database as v0.1.0 made it: its own tables and the journal's.

Revision ID: information_0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

from backend.schema.journal_v1 import create_journal_tables

revision = "information_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('info_blocked_seats',
    sa.Column('show_id', sa.String(), nullable=False),
    sa.Column('seat', sa.String(), nullable=False),
    sa.PrimaryKeyConstraint('show_id', 'seat')
    )
    op.create_table('info_bookings',
    sa.Column('booking_id', sa.String(), nullable=False),
    sa.Column('code', sa.String(), nullable=True),
    sa.Column('hold_id', sa.String(), nullable=True),
    sa.Column('show_id', sa.String(), nullable=True),
    sa.Column('seats', sa.String(), nullable=False),
    sa.Column('tickets', sa.String(), nullable=False),
    sa.Column('amount', sa.Integer(), nullable=False),
    sa.Column('phone', sa.String(), nullable=True),
    sa.Column('method', sa.String(), nullable=True),
    sa.Column('brand', sa.String(), nullable=True),
    sa.Column('last4', sa.String(), nullable=True),
    sa.Column('change', sa.Integer(), nullable=True),
    sa.Column('reason', sa.String(), nullable=True),
    sa.Column('ticket_numbers', sa.String(), nullable=False),
    sa.Column('refunded_amount', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(), nullable=False),
    sa.Column('status_rank', sa.Integer(), nullable=False),
    sa.Column('completed_at', sa.Float(), nullable=True),
    sa.Column('created_at', sa.Float(), nullable=False),
    sa.Column('updated_at', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('booking_id')
    )
    op.create_index(op.f('ix_info_bookings_code'), 'info_bookings', ['code'], unique=False)
    op.create_index(op.f('ix_info_bookings_created_at'), 'info_bookings', ['created_at'], unique=False)
    op.create_index(op.f('ix_info_bookings_phone'), 'info_bookings', ['phone'], unique=False)
    op.create_index(op.f('ix_info_bookings_show_id'), 'info_bookings', ['show_id'], unique=False)
    op.create_table('info_seats',
    sa.Column('show_id', sa.String(), nullable=False),
    sa.Column('seat', sa.String(), nullable=False),
    sa.Column('state', sa.String(), nullable=False),
    sa.Column('ref', sa.String(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('show_id', 'seat')
    )
    op.create_index(op.f('ix_info_seats_ref'), 'info_seats', ['ref'], unique=False)
    op.create_table('info_timeline',
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.String(), nullable=False),
    sa.Column('correlation_id', sa.String(), nullable=False),
    sa.Column('causation_id', sa.String(), nullable=True),
    sa.Column('step', sa.String(), nullable=False),
    sa.Column('service', sa.String(), nullable=False),
    sa.Column('at', sa.Float(), nullable=False),
    sa.Column('data', sa.String(), nullable=False),
    sa.PrimaryKeyConstraint('seq'),
    sa.UniqueConstraint('message_id')
    )
    op.create_index(op.f('ix_info_timeline_correlation_id'), 'info_timeline', ['correlation_id'], unique=False)
    create_journal_tables()


def downgrade() -> None:
    raise NotImplementedError("the box office never goes back to an older schema")
