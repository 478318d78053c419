"""Bookings are indexed only by what reservation looks them up by.

Revision ID: reservation_0006
Revises: reservation_0005

Reservation finds a booking by its id, its code and its status; nothing looks one up by
its hold (the hold row and the seat claims carry that link the other way) or by its
phone (a customer's history is information's, ``info_bookings``, with its own index).
Those two indexes only cost an entry for every booking on disk, for ever, and the phone
one a page written at a place no other write of the sale touches (the phones of a
cinema's customers land anywhere in it): they go.
"""

from alembic import op

revision = "reservation_0006"
down_revision = "reservation_0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_bookings_hold_id", table_name="bookings")
    op.drop_index("ix_bookings_phone", table_name="bookings")


def downgrade() -> None:
    raise NotImplementedError("the box office never goes back to an older schema")
