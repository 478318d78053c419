"""Revision 2 of every service database: who it belongs to, and the indexes the start-up
check reads.

Shared by the four histories (each calls it from its own second revision) so the same
table is not written out four times. Frozen like every revision.
"""

import sqlalchemy as sa
from alembic import op


def add_identity_and_start_check_indexes() -> None:
    """The identity table (see ``backend.integrity``) and an index to find the newest
    message applied from each producer."""
    op.create_table(
        "box_office_identity",
        sa.Column("key", sa.String(), primary_key=True),
        sa.Column("value", sa.String(), nullable=False),
    )
    op.create_index("ix_processed_source_processed_at", "processed", ["source", "processed_at"])
