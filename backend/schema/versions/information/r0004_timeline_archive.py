"""A resting booking's old timeline is kept as one compressed row.

Revision ID: information_0004
Revises: information_0003

Once journal retention compacts the outboxes, the timeline (``info_timeline``: about
seven rows a booking, each with a unique message id and an indexed correlation id) is
most of what an old booking costs on disk. ``info_timeline_archive`` holds, per booking
whose saga rests and whose newest step is older than the retention window, all its
steps (its hold's too) as one zlib-compressed JSON list; reads merge it with the live
rows (``backend/services/information/archive.py``). A new table only: nothing existing
changes, so an older data directory gains it empty.
"""

import sqlalchemy as sa
from alembic import op

revision = "information_0004"
down_revision = "information_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "info_timeline_archive",
        sa.Column("correlation_id", sa.String(), nullable=False),
        sa.Column("steps", sa.LargeBinary(), nullable=False),
        sa.Column("archived_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("correlation_id"),
    )


def downgrade() -> None:
    raise NotImplementedError("the box office never goes back to an older schema")
