"""Reservation's SQL, written once (see ``backend.sql`` for why plain SQL).

Every function takes the transaction's ``Tx`` (or a read connection) and does one thing
to reservation's own tables; the service composes them.
"""

from __future__ import annotations

import json
from typing import Any

from backend.messaging.journal import Tx, from_epoch
from backend.messaging.requests import BookingRecord
from backend.services.reservation import saga
from backend.sql import SQL, in_list, run

HOLD_BY_ID = SQL("SELECT * FROM holds WHERE id = :id")
INSERT_HOLD = SQL(
    "INSERT INTO holds (id, show_id, seats, state, booking_id, created_at, expires_at)"
    " VALUES (:id, :show_id, :seats, 'active', NULL, :now, :expires_at)"
)
CLAIM_SEAT = SQL(
    "INSERT INTO seat_claims (show_id, seat, hold_id, booking_id, state)"
    " VALUES (:show_id, :seat, :hold_id, NULL, 'held') ON CONFLICT DO NOTHING"
)
SET_HOLD_STATE = SQL("UPDATE holds SET state = :state WHERE id = :id")
EXTEND_HOLD = SQL(
    "UPDATE holds SET expires_at = :expires_at WHERE id = :id AND state = 'active'"
)
FREE_HOLD_CLAIMS = SQL("DELETE FROM seat_claims WHERE hold_id = :id AND booking_id IS NULL")
LAPSED_HOLDS = SQL(
    "SELECT * FROM holds WHERE state = 'active' AND booking_id IS NULL AND expires_at <= :now"
    " LIMIT 500"
)
ATTACH_BOOKING = SQL(
    "UPDATE holds SET booking_id = :booking_id WHERE id = :id AND booking_id IS NULL"
)
DETACH_BOOKING = SQL(
    "UPDATE holds SET booking_id = NULL WHERE id = :id AND booking_id = :booking_id"
)
CLAIMS_TO_BOOKING = SQL("UPDATE seat_claims SET booking_id = :booking_id WHERE hold_id = :id")
CLAIMS_FROM_BOOKING = SQL("UPDATE seat_claims SET booking_id = NULL WHERE booking_id = :id")
CLAIMS_SOLD = SQL("UPDATE seat_claims SET state = 'sold' WHERE booking_id = :id")
FREE_BOOKING_CLAIMS = SQL("DELETE FROM seat_claims WHERE booking_id = :id")
CODE_TAKEN = SQL("SELECT 1 FROM bookings WHERE code = :code")
INSERT_BOOKING = SQL(
    "INSERT INTO bookings (id, code, hold_id, show_id, seats, tickets, amount, phone, method,"
    " status, version, refunded, created_at, updated_at) VALUES (:id, :code, :hold_id,"
    " :show_id, :seats, :tickets, :amount, :phone, :method, :status, 1, :refunded, :now, :now)"
)
BOOKING_BY_ID = SQL("SELECT * FROM bookings WHERE id = :id")
BOOKING_BY_CODE = SQL("SELECT * FROM bookings WHERE code = :code")
SET_PAYMENT = SQL(
    "UPDATE bookings SET payment_id = :payment_id, brand = :brand, last4 = :last4,"
    " change = :change WHERE id = :id"
)
SET_TICKETS = SQL("UPDATE bookings SET ticket_numbers = :tickets WHERE id = :id")
STALE_PAYMENTS = SQL(
    "SELECT id FROM bookings WHERE status = 'PAYMENT_UNKNOWN'"
    " OR (status = 'PAYMENT_PENDING' AND updated_at <= :cutoff) LIMIT 100"
)
BLOCK_SEAT = SQL(
    "INSERT INTO reservation_blocked_seats (show_id, seat) VALUES (:show_id, :seat)"
    " ON CONFLICT DO NOTHING"
)
UNBLOCK_SEAT = SQL("DELETE FROM reservation_blocked_seats WHERE show_id = :show_id AND seat = :seat")
#: Every status a saga passes on its way to a resting one: each the transitions name,
#: but the terminal ones.
MIDWAY = tuple(sorted(
    {status for (source, _event), target in saga.TRANSITIONS.items()
     for status in (source, target)} - saga.TERMINAL
))
#: How many sagas are in flight (``settle`` asks every 50 ms). Named as an ``IN`` list of
#: the midway statuses, the status index answers it with one short seek per status: it
#: reads the bookings in flight, not every booking ever made (``NOT IN`` the resting
#: statuses scanned the whole index). The values are the code's constants, not input.
MIDWAY_IN = "(" + ", ".join(f"'{status}'" for status in MIDWAY) + ")"
MIDWAY_SAGAS = SQL(f"SELECT count(*) FROM bookings WHERE status IN {MIDWAY_IN}")


def hold_row(tx: Tx, hold_id: str) -> Any:
    return tx.run(HOLD_BY_ID, {"id": hold_id}).first()


def booking_row(conn: Any, booking_id: str) -> Any:
    return run(conn, BOOKING_BY_ID, {"id": booking_id}).first()


def booking_by_code(conn: Any, code: str) -> Any:
    return run(conn, BOOKING_BY_CODE, {"code": code}).first()


def claim_seats(tx: Tx, show_id: str, seats: list[str], hold_id: str) -> int:
    """Write the seats' claims; returns how many were free to take (the unique key decides)."""
    result = tx.run(
        CLAIM_SEAT, [{"show_id": show_id, "seat": s, "hold_id": hold_id} for s in seats]
    )
    return result.rowcount


def claimants(tx: Tx, show_id: str, seats: list[str], other_than: str | None = None) -> list[Any]:
    """The claims (with their holds) on some seats of a show."""
    marks, params = in_list("s", seats)
    sql = (
        "SELECT c.seat, c.hold_id, h.state, h.booking_id, h.expires_at, h.show_id, h.seats"
        " FROM seat_claims c JOIN holds h ON h.id = c.hold_id"
        f" WHERE c.show_id = :show_id AND c.seat IN {marks}"
    )
    params["show_id"] = show_id
    if other_than is not None:
        sql += " AND c.hold_id != :other"
        params["other"] = other_than
    return tx.run(SQL.of(sql), params).all()


def out_of_service(tx: Tx, show_id: str, seats: list[str]) -> list[str]:
    marks, params = in_list("s", seats)
    params["show_id"] = show_id
    rows = tx.run(
        SQL.of(
            "SELECT seat FROM reservation_blocked_seats"
            f" WHERE show_id = :show_id AND seat IN {marks}"
        ),
        params,
    )
    return sorted(r[0] for r in rows)


def transition(
    tx: Tx, booking_id: str, status: str, version: int, **changes: Any
) -> bool:
    """Move a booking to ``status`` if nobody moved it since ``version`` was read."""
    sets = "".join(f", {k} = :{k}" for k in changes)
    result = tx.run(
        SQL.of(
            "UPDATE bookings SET status = :status, version = version + 1,"
            f" updated_at = :now{sets} WHERE id = :id AND version = :version"
        ),
        {"status": status, "now": tx.now_epoch, "id": booking_id, "version": version, **changes},
    )
    return result.rowcount == 1


def changed(tx: Tx, row: Any, **changes: Any) -> Any:
    """``row`` as it reads after ``changes`` were written, without reading it again.

    Rows are named tuples on every engine (``backend.sql.Rows``); a row of another kind
    (read through SQLAlchemy) is read again.
    """
    replace = getattr(row, "_replace", None)
    if replace is not None:
        return replace(**changes)
    return booking_row(tx.conn, row.id)


def seats_of(row: Any) -> list[str]:
    return json.loads(row.seats)


def sagas_in_flight(conn: Any) -> int:
    """How many bookings have not reached a resting status."""
    return run(conn, MIDWAY_SAGAS).scalar_one()


def record(row: Any) -> BookingRecord | None:
    """A bookings row as the typed record the asks reply with (None for no row)."""
    if row is None:
        return None
    data = dict(row._mapping)
    data["refunded"] = bool(data["refunded"])
    data["seats"] = tuple(json.loads(data["seats"]))
    data["tickets"] = tuple(json.loads(data["tickets"]).items())
    data["ticket_numbers"] = tuple(json.loads(data["ticket_numbers"] or "[]"))
    data["created_at"] = from_epoch(data["created_at"])
    data["updated_at"] = from_epoch(data["updated_at"])
    return BookingRecord(**data)
