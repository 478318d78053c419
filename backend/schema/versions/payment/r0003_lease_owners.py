"""The payment database keeps the heartbeats of lease owners (box offices on any machine).

Revision ID: payment_0003
Revises: payment_0002
"""

from backend.schema.heartbeats_v3 import add_lease_owner_heartbeats

revision = "payment_0003"
down_revision = "payment_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    add_lease_owner_heartbeats()


def downgrade() -> None:
    raise NotImplementedError("the box office never goes back to an older schema")
