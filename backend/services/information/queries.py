"""Information's SQL, written once: the statements that keep and read its views.

Plain SQL text through ``backend.sql`` (see there for why). The service composes them;
nothing outside the information service uses them.
"""

from __future__ import annotations

from backend.sql import SQL

BOOKING_FIELDS = (
    "code", "hold_id", "show_id", "seats", "tickets", "amount", "phone", "method", "brand",
    "last4", "change", "reason", "ticket_numbers", "refunded_amount", "completed_at",
    "created_at",
)

#: The columns an index reads. SQLite rewrites an index's entry for every column a SET
#: names, changed or not, so naming these at every step of a booking dirtied a random
#: page of the code and the phone index at each of its five or so steps (each in a
#: different commit of the view's): the cost that grew most with the data. They are
#: set only by a message that carries them (``UPSERT_BOOKING``), not by the others
#: (``UPSERT_BOOKING_STEP``).
INDEXED_FIELDS = ("code", "show_id", "phone", "created_at")

_INSERT_BOOKING = """
    INSERT INTO info_bookings (booking_id, code, hold_id, show_id, seats, tickets, amount,
        phone, method, brand, last4, change, reason, ticket_numbers, refunded_amount, status,
        status_rank, completed_at, created_at, updated_at)
    VALUES (:booking_id, :code, :hold_id, :show_id, COALESCE(:seats, '[]'),
        COALESCE(:tickets, '{}'), COALESCE(:amount, 0), :phone, :method, :brand, :last4,
        :change, :reason, COALESCE(:ticket_numbers, '[]'), COALESCE(:refunded_amount, 0),
        COALESCE(:status, 'PAYMENT_PENDING'), COALESCE(:status_rank, 0), :completed_at,
        COALESCE(:created_at, :at), :at)
    ON CONFLICT (booking_id) DO UPDATE SET
"""
#: The status only moves forward, whatever order the messages arrive in.
_FORWARD = """
        status = CASE WHEN COALESCE(:status_rank, -1) > info_bookings.status_rank
                      THEN :status ELSE info_bookings.status END,
        updated_at = CASE WHEN COALESCE(:status_rank, -1) > info_bookings.status_rank
                          THEN :at ELSE info_bookings.updated_at END,
        status_rank = CASE WHEN COALESCE(:status_rank, -1) > info_bookings.status_rank
                           THEN :status_rank ELSE info_bookings.status_rank END
"""


def _upsert_booking(fields: tuple[str, ...]) -> SQL:
    """Create the row, or keep each of ``fields`` unless the message gives it."""
    kept = "".join(f"        {f} = COALESCE(:{f}, info_bookings.{f}),\n" for f in fields)
    return SQL(_INSERT_BOOKING + kept + _FORWARD)


UPSERT_BOOKING = _upsert_booking(BOOKING_FIELDS)
UPSERT_BOOKING_STEP = _upsert_booking(
    tuple(f for f in BOOKING_FIELDS if f not in INDEXED_FIELDS)
)
INSERT_STEP = SQL(
    """
    INSERT INTO info_timeline (message_id, correlation_id, causation_id, step, service, at, data)
    VALUES (:message_id, :correlation_id, :causation_id, :step, :service, :at, :data)
    ON CONFLICT (message_id) DO NOTHING
    """
)
UPSERT_SEAT = SQL(
    """
    INSERT INTO info_seats (show_id, seat, state, ref, seq)
    VALUES (:show_id, :seat, :state, :ref, :seq)
    ON CONFLICT (show_id, seat) DO UPDATE SET
        state = excluded.state, ref = excluded.ref, seq = excluded.seq
    WHERE excluded.seq >= info_seats.seq
    """
)
BOOKING_BY_CODE = SQL("SELECT * FROM info_bookings WHERE code = :code")
BOOKING_BY_ID = SQL("SELECT * FROM info_bookings WHERE booking_id = :id")
STATUS_BY_ID = SQL("SELECT status, status_rank FROM info_bookings WHERE booking_id = :id")
STATUS_BY_CODE = SQL("SELECT booking_id, status FROM info_bookings WHERE code = :code")
HOLD_SHOWN = SQL("SELECT 1 FROM info_seats WHERE ref = :ref AND state = 'held' LIMIT 1")
RELEASING = SQL(
    "UPDATE info_bookings SET status = 'RELEASING', status_rank = :rank"
    " WHERE booking_id = :id AND status = 'CANCELLING'"
)
REJECTING = SQL(
    "UPDATE info_bookings SET status = 'REJECTING', status_rank = :rank, reason = :reason"
    " WHERE booking_id = :id AND status = 'PAID'"
)
BLOCK_SEAT = SQL(
    "INSERT INTO info_blocked_seats (show_id, seat) VALUES (:show_id, :seat)"
    " ON CONFLICT DO NOTHING"
)
BLOCKED_SEATS = SQL("SELECT seat FROM info_blocked_seats WHERE show_id = :show_id")
TAKEN_SEATS = SQL("SELECT * FROM info_seats WHERE show_id = :show_id AND state != 'free'")
SOLD = SQL(
    "SELECT * FROM info_bookings WHERE created_at >= :since AND created_at < :until"
    " AND completed_at IS NOT NULL"
)
