"""The hold sweep reads only the holds that are still active.

Revision ID: reservation_0004
Revises: reservation_0003

``holds`` keeps every hold ever made (booked, released, expired), and the sweep runs
every second looking for the active ones whose time ran out. Through the plain index on
``expires_at`` it walked every hold whose time had passed, whatever its state, so it
grew with all holds ever made. This partial index holds only the active holds (a few
dozen at any moment), so the sweep costs what they cost. SQLite (3.8+) and PostgreSQL
both have partial indexes and both use this one for ``LAPSED_HOLDS``, whose
``state = 'active'`` is written as the same literal the index names (a bound parameter
would not let the planner prove the index applies). The plain index on ``expires_at``
served only the sweep, so it goes: one index entry fewer for every hold written.
"""

import sqlalchemy as sa
from alembic import op

revision = "reservation_0004"
down_revision = "reservation_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    active = sa.text("state = 'active'")
    op.create_index(
        "ix_holds_active_expires_at", "holds", ["expires_at"],
        sqlite_where=active, postgresql_where=active,
    )
    op.drop_index("ix_holds_expires_at", table_name="holds")


def downgrade() -> None:
    raise NotImplementedError("the box office never goes back to an older schema")
