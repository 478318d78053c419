"""The reservation database as v0.1.0 made it: its own tables and the journal's.

Revision ID: reservation_0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

from backend.schema.journal_v1 import create_journal_tables

revision = "reservation_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('bookings',
    sa.Column('id', sa.String(), nullable=False),
    sa.Column('code', sa.String(), nullable=False),
    sa.Column('hold_id', sa.String(), nullable=False),
    sa.Column('show_id', sa.String(), nullable=False),
    sa.Column('seats', sa.String(), nullable=False),
    sa.Column('tickets', sa.String(), nullable=False),
    sa.Column('amount', sa.Integer(), nullable=False),
    sa.Column('phone', sa.String(), nullable=True),
    sa.Column('method', sa.String(), nullable=False),
    sa.Column('status', sa.String(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(), nullable=True),
    sa.Column('payment_id', sa.String(), nullable=True),
    sa.Column('brand', sa.String(), nullable=True),
    sa.Column('last4', sa.String(), nullable=True),
    sa.Column('change', sa.Integer(), nullable=True),
    sa.Column('refunded', sa.Boolean(), nullable=False),
    sa.Column('ticket_numbers', sa.String(), nullable=True),
    sa.Column('created_at', sa.Float(), nullable=False),
    sa.Column('updated_at', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code')
    )
    op.create_index(op.f('ix_bookings_hold_id'), 'bookings', ['hold_id'], unique=False)
    op.create_index(op.f('ix_bookings_phone'), 'bookings', ['phone'], unique=False)
    op.create_index(op.f('ix_bookings_status'), 'bookings', ['status'], unique=False)
    op.create_table('holds',
    sa.Column('id', sa.String(), nullable=False),
    sa.Column('show_id', sa.String(), nullable=False),
    sa.Column('seats', sa.String(), nullable=False),
    sa.Column('state', sa.String(), nullable=False),
    sa.Column('booking_id', sa.String(), nullable=True),
    sa.Column('created_at', sa.Float(), nullable=False),
    sa.Column('expires_at', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_holds_expires_at'), 'holds', ['expires_at'], unique=False)
    op.create_index(op.f('ix_holds_show_id'), 'holds', ['show_id'], unique=False)
    op.create_table('reservation_blocked_seats',
    sa.Column('show_id', sa.String(), nullable=False),
    sa.Column('seat', sa.String(), nullable=False),
    sa.PrimaryKeyConstraint('show_id', 'seat')
    )
    op.create_table('seat_claims',
    sa.Column('show_id', sa.String(), nullable=False),
    sa.Column('seat', sa.String(), nullable=False),
    sa.Column('hold_id', sa.String(), nullable=False),
    sa.Column('booking_id', sa.String(), nullable=True),
    sa.Column('state', sa.String(), nullable=False),
    sa.PrimaryKeyConstraint('show_id', 'seat')
    )
    op.create_index(op.f('ix_seat_claims_booking_id'), 'seat_claims', ['booking_id'], unique=False)
    op.create_index(op.f('ix_seat_claims_hold_id'), 'seat_claims', ['hold_id'], unique=False)
    create_journal_tables()


def downgrade() -> None:
    raise NotImplementedError("the box office never goes back to an older schema")
