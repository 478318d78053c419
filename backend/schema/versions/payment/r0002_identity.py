"""The payment database records which cinema it belongs to; indexes for the start-up check.

Revision ID: payment_0002
Revises: payment_0001
"""

from alembic import op

from backend.schema.identity_v2 import add_identity_and_start_check_indexes

revision = "payment_0002"
down_revision = "payment_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    add_identity_and_start_check_indexes()
    op.create_index("ix_payments_created_at", "payments", ["created_at"])


def downgrade() -> None:
    raise NotImplementedError("the box office never goes back to an older schema")
