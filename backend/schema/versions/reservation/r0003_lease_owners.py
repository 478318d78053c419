"""The reservation database keeps the heartbeats of lease owners (box offices on any machine).

Revision ID: reservation_0003
Revises: reservation_0002
"""

from backend.schema.heartbeats_v3 import add_lease_owner_heartbeats

revision = "reservation_0003"
down_revision = "reservation_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    add_lease_owner_heartbeats()


def downgrade() -> None:
    raise NotImplementedError("the box office never goes back to an older schema")
