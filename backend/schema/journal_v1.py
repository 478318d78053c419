"""The journal's tables (outbox, deliveries, processed, dead letters) as v0.1.0 made them.

Every service database has them, so each service's first revision calls this rather than
repeating them four times. Frozen: a later change to the journal is a new revision in
every service's history, never an edit here.
"""

import sqlalchemy as sa
from alembic import op


def create_journal_tables() -> None:
    """Create the journal's tables (inside a running migration)."""
    op.create_table('dead_letters',
    sa.Column('message_id', sa.String(), nullable=False),
    sa.Column('type', sa.String(), nullable=False),
    sa.Column('source', sa.String(), nullable=False),
    sa.Column('correlation_id', sa.String(), nullable=False),
    sa.Column('causation_id', sa.String(), nullable=True),
    sa.Column('occurred_at', sa.Float(), nullable=False),
    sa.Column('payload', sa.String(), nullable=False),
    sa.Column('error', sa.String(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('failed_at', sa.Float(), nullable=False),
    sa.Column('retried', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('message_id')
    )
    op.create_table('deliveries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.String(), nullable=False),
    sa.Column('destination', sa.String(), nullable=False),
    sa.Column('lease_until', sa.Float(), nullable=False),
    sa.Column('lease_owner', sa.String(), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_deliveries_destination'), 'deliveries', ['destination'], unique=False)
    op.create_index(op.f('ix_deliveries_message_id'), 'deliveries', ['message_id'], unique=False)
    op.create_table('outbox',
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.String(), nullable=False),
    sa.Column('type', sa.String(), nullable=False),
    sa.Column('source', sa.String(), nullable=False),
    sa.Column('correlation_id', sa.String(), nullable=False),
    sa.Column('causation_id', sa.String(), nullable=True),
    sa.Column('occurred_at', sa.Float(), nullable=False),
    sa.Column('payload', sa.String(), nullable=False),
    sa.PrimaryKeyConstraint('seq'),
    sa.UniqueConstraint('message_id')
    )
    op.create_index(op.f('ix_outbox_correlation_id'), 'outbox', ['correlation_id'], unique=False)
    op.create_table('processed',
    sa.Column('message_id', sa.String(), nullable=False),
    sa.Column('source', sa.String(), nullable=False),
    sa.Column('processed_at', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('message_id')
    )
