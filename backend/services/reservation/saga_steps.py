"""The booking saga's steps in reservation: what each reply from cinema and payment does.

A sale is a saga that reservation drives: after payment is captured the cinema
confirms or rejects the seats, a cancellation releases the seats and then refunds. Each
reply arrives as a durable message; the handlers here move the booking by the saga's
rules (``saga.next_status``, a pure table), guarded by the booking's version, and emit
what comes next. They live apart from ``service.py``, which answers the clerk's asks
(hold, book, cancel), because the two are different jobs: one is driven by clerks, the
other by the other services' mail.
"""

from __future__ import annotations

import json
from typing import Any

from backend.messaging.envelope import Envelope
from backend.messaging.journal import Tx
from backend.messaging.messages import (
    BookingCancelled,
    BookingCompleted,
    BookingRejected,
    PaymentRefunded,
    ReleaseSeats,
    RequestRefund,
    SeatsBlocked,
    SeatsConfirmed,
    SeatsRejected,
    SeatsReleased,
)
from backend.services.base import handles
from backend.services.reservation import queries as q
from backend.services.reservation import saga


class VersionConflict(RuntimeError):
    """Another transaction moved the booking between our read and our version-guarded
    write (on PostgreSQL, another box office or a saga step committed in between).
    Nothing of ours was kept; running the whole transaction again reads the new state."""


class SagaSteps:
    """Reservation's handlers of the saga's replies (mixed into ``ReservationService``)."""

    emit: Any  # from Service

    @handles(SeatsConfirmed)
    def on_SeatsConfirmed(self, tx: Tx, env: Envelope) -> None:
        msg: SeatsConfirmed = env.payload  # type: ignore[assignment]
        row = self._transition(tx, msg.booking_id, "confirmed")
        if row is None:
            return
        tx.run(q.SET_TICKETS, {"id": msg.booking_id, "tickets": json.dumps(msg.tickets)})
        tx.emit(
            BookingCompleted(
                booking_id=row.id,
                code=row.code,
                show_id=row.show_id,
                seats=json.loads(row.seats),
                tickets=msg.tickets,
            ),
            correlation_id=env.correlation_id,
            causation_id=env.message_id,
        )

    @handles(SeatsRejected)
    def on_SeatsRejected(self, tx: Tx, env: Envelope) -> None:
        msg: SeatsRejected = env.payload  # type: ignore[assignment]
        row = self._transition(tx, msg.booking_id, "rejected", reason=msg.reason)
        if row is None:
            return
        tx.emit(
            RequestRefund(booking_id=row.id, code=row.code, reason=f"rejected: {msg.reason}"),
            correlation_id=env.correlation_id,
            causation_id=env.message_id,
        )

    @handles(PaymentRefunded)
    def on_PaymentRefunded(self, tx: Tx, env: Envelope) -> None:
        msg: PaymentRefunded = env.payload  # type: ignore[assignment]
        row = self._transition(tx, msg.booking_id, "refunded", refunded=True)
        if row is None:
            return
        seats = json.loads(row.seats)
        if row.status == saga.REJECTED:
            self._free_seats(tx, row, "rejected")
            tx.emit(
                BookingRejected(
                    booking_id=row.id,
                    code=row.code,
                    show_id=row.show_id,
                    seats=seats,
                    reason=row.reason or "rejected by the cinema",
                ),
                correlation_id=env.correlation_id,
                causation_id=env.message_id,
            )
        else:  # RELEASING: money is back, now the cinema gives up the seats
            tx.emit(
                ReleaseSeats(booking_id=row.id, code=row.code, show_id=row.show_id, seats=seats),
                correlation_id=env.correlation_id,
                causation_id=env.message_id,
            )

    @handles(SeatsReleased)
    def on_SeatsReleased(self, tx: Tx, env: Envelope) -> None:
        msg: SeatsReleased = env.payload  # type: ignore[assignment]
        row = self._transition(tx, msg.booking_id, "released")
        if row is None:
            return
        self._free_seats(tx, row, "cancelled")
        tx.emit(
            BookingCancelled(
                booking_id=row.id, code=row.code, show_id=row.show_id, seats=json.loads(row.seats)
            ),
            correlation_id=env.correlation_id,
            causation_id=env.message_id,
        )

    @handles(SeatsBlocked)
    def on_SeatsBlocked(self, tx: Tx, env: Envelope) -> None:
        msg: SeatsBlocked = env.payload  # type: ignore[assignment]
        sql = q.BLOCK_SEAT if msg.blocked else q.UNBLOCK_SEAT
        tx.run(sql, [{"show_id": msg.show_id, "seat": s} for s in msg.seats])

    def _free_seats(self, tx: Tx, row: Any, hold_state: str) -> None:
        tx.run(q.FREE_BOOKING_CLAIMS, {"id": row.id})
        tx.run(q.SET_HOLD_STATE, {"id": row.hold_id, "state": hold_state})
        tx.touched.add(row.show_id)

    # --- state ---------------------------------------------------------------------------

    def _transition(self, tx: Tx, booking_id: str, event: str, **changes: Any) -> Any:
        """Move a booking by the saga's rules, guarded by its version. None if not applicable."""
        row = q.booking_row(tx.conn, booking_id)
        if row is None:
            raise LookupError(f"no booking {booking_id}")
        status = saga.next_status(row.status, event)
        if status is None:
            return None
        if not q.transition(tx, booking_id, status, row.version, **changes):
            raise VersionConflict(f"booking {booking_id} changed under us; will retry")
        tx.touched.add(booking_id)
        return q.changed(
            tx, row, status=status, version=row.version + 1, updated_at=tx.now_epoch, **changes
        )

    def _row(self, tx: Tx, booking_id: str) -> Any:
        return q.booking_row(tx.conn, booking_id)

    @staticmethod
    def _row_conn(conn: Any, booking_id: str) -> Any:
        return q.booking_row(conn, booking_id)

