"""Shows long over are closed: their holds and seat claims are deleted.

Revision ID: reservation_0005
Revises: reservation_0004

Holds and seat claims are what stops a seat being sold twice while it can still be
sold; once a show has started nothing can hold, sell or refund its seats, and they
were about half a kilobyte of every booking on disk for ever. The journal keeper now
deletes them for a show that started more than the retention window ago and records
the show in ``closed_shows`` (``backend/services/reservation/closing.py``), which the
auditor reads. A new table only: an older data directory gains it empty, and its old
shows are closed by the keeper's next pass.
"""

import sqlalchemy as sa
from alembic import op

revision = "reservation_0005"
down_revision = "reservation_0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "closed_shows",
        sa.Column("show_id", sa.String(), nullable=False),
        sa.Column("closed_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("show_id"),
    )


def downgrade() -> None:
    raise NotImplementedError("the box office never goes back to an older schema")
