"""Bookings are no longer indexed by their hold.

Revision ID: reservation_0006
Revises: reservation_0005

Nothing looks a booking up by its hold: the hold row and the seat claims carry the link
the other way (``holds.booking_id``, ``seat_claims.booking_id``). The index on
``bookings.hold_id`` only cost an entry for every booking on disk, for ever: it goes.
"""

from alembic import op

revision = "reservation_0006"
down_revision = "reservation_0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_bookings_hold_id", table_name="bookings")


def downgrade() -> None:
    raise NotImplementedError("the box office never goes back to an older schema")
