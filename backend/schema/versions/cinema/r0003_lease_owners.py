"""The cinema database keeps the heartbeats of lease owners (box offices on any machine).

Revision ID: cinema_0003
Revises: cinema_0002
"""

from backend.schema.heartbeats_v3 import add_lease_owner_heartbeats

revision = "cinema_0003"
down_revision = "cinema_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    add_lease_owner_heartbeats()


def downgrade() -> None:
    raise NotImplementedError("the box office never goes back to an older schema")
