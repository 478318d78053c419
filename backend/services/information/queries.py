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

UPSERT_BOOKING = SQL(
    """
    INSERT INTO info_bookings (booking_id, code, hold_id, show_id, seats, tickets, amount,
        phone, method, brand, last4, change, reason, ticket_numbers, refunded_amount, status,
        status_rank, completed_at, created_at, updated_at)
    VALUES (:booking_id, :code, :hold_id, :show_id, COALESCE(:seats, '[]'),
        COALESCE(:tickets, '{}'), COALESCE(:amount, 0), :phone, :method, :brand, :last4,
        :change, :reason, COALESCE(:ticket_numbers, '[]'), COALESCE(:refunded_amount, 0),
        COALESCE(:status, 'PAYMENT_PENDING'), COALESCE(:status_rank, 0), :completed_at,
        COALESCE(:created_at, :at), :at)
    ON CONFLICT (booking_id) DO UPDATE SET
        code = COALESCE(:code, info_bookings.code),
        hold_id = COALESCE(:hold_id, info_bookings.hold_id),
        show_id = COALESCE(:show_id, info_bookings.show_id),
        seats = COALESCE(:seats, info_bookings.seats),
        tickets = COALESCE(:tickets, info_bookings.tickets),
        amount = COALESCE(:amount, info_bookings.amount),
        phone = COALESCE(:phone, info_bookings.phone),
        method = COALESCE(:method, info_bookings.method),
        brand = COALESCE(:brand, info_bookings.brand),
        last4 = COALESCE(:last4, info_bookings.last4),
        change = COALESCE(:change, info_bookings.change),
        reason = COALESCE(:reason, info_bookings.reason),
        ticket_numbers = COALESCE(:ticket_numbers, info_bookings.ticket_numbers),
        refunded_amount = COALESCE(:refunded_amount, info_bookings.refunded_amount),
        completed_at = COALESCE(:completed_at, info_bookings.completed_at),
        created_at = COALESCE(:created_at, info_bookings.created_at),
        status = CASE WHEN COALESCE(:status_rank, -1) > info_bookings.status_rank
                      THEN :status ELSE info_bookings.status END,
        updated_at = CASE WHEN COALESCE(:status_rank, -1) > info_bookings.status_rank
                          THEN :at ELSE info_bookings.updated_at END,
        status_rank = CASE WHEN COALESCE(:status_rank, -1) > info_bookings.status_rank
                           THEN :status_rank ELSE info_bookings.status_rank END
    """
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
