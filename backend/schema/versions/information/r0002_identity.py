"""The information database records which cinema it belongs to; indexes for the start-up check.

Revision ID: information_0002
Revises: information_0001
"""

from backend.schema.identity_v2 import add_identity_and_start_check_indexes

revision = "information_0002"
down_revision = "information_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    add_identity_and_start_check_indexes()


def downgrade() -> None:
    raise NotImplementedError("the box office never goes back to an older schema")
