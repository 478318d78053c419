"""The reservation database records which cinema it belongs to; indexes for the start-up check.

Revision ID: reservation_0002
Revises: reservation_0001
"""

from alembic import op

from backend.schema.identity_v2 import add_identity_and_start_check_indexes

revision = "reservation_0002"
down_revision = "reservation_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    add_identity_and_start_check_indexes()
    op.create_index("ix_bookings_created_at", "bookings", ["created_at"])


def downgrade() -> None:
    raise NotImplementedError("the box office never goes back to an older schema")
