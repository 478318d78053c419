"""Revision 3 of every service database: the heartbeats of lease owners.

A lease owner is one start of one box office process, on any machine
(``backend.messaging.owners``); its heartbeat row says when it last showed it was alive,
so another box office can take over its leases once it falls silent. Shared by the four
histories (each calls it from its own third revision). Frozen like every revision.
"""

import sqlalchemy as sa
from alembic import op


def add_lease_owner_heartbeats() -> None:
    """The ``lease_owners`` table (inside a running migration)."""
    op.create_table(
        "lease_owners",
        sa.Column("owner", sa.String(), nullable=False),
        sa.Column("host", sa.String(), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.Float(), nullable=False),
        sa.Column("heartbeat_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("owner"),
    )
