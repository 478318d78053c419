"""The information actor: builds the views from every service's messages.

Messages from different services can arrive in any order (payment's capture before
reservation's request), so each handler upserts the booking row and the status only
ever moves forward by rank. The seat view follows reservation's messages alone, which
arrive in the order they were written.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from sqlalchemy import and_, delete, func, select, update

from backend.messaging.envelope import Envelope
from backend.messaging.journal import Tx
from backend.messaging.messages import INFORMATION
from backend.runtime.clock import Clock
from backend.services.base import EmitHook, Service
from backend.services.information.model import BLOCKED_VIEW, BOOKING_VIEW, SEAT_VIEW, TIMELINE

#: Status order: the view never moves a booking backwards.
STATUS_RANK = {
    "PAYMENT_PENDING": 0,
    "PAYMENT_UNKNOWN": 1,
    "PAID": 2,
    "FAILED": 2,
    "COMPLETED": 3,
    "REJECTING": 4,
    "CANCELLING": 4,
    "RELEASING": 5,
    "REJECTED": 6,
    "CANCELLED": 6,
}


class InformationService(Service):
    """The read side."""

    tables = [BOOKING_VIEW, TIMELINE, SEAT_VIEW, BLOCKED_VIEW]

    def __init__(
        self,
        url: str,
        *,
        clock: Clock,
        on_emit: EmitHook | None = None,
        mailbox_size: int = 4000,
    ) -> None:
        super().__init__(INFORMATION, url, clock=clock, on_emit=on_emit, mailbox_size=mailbox_size)

    # --- shared steps -------------------------------------------------------------------

    def _timeline(self, tx: Tx, env: Envelope) -> None:
        stmt = self.store.dialect_insert(TIMELINE).values(
            message_id=env.message_id,
            correlation_id=env.correlation_id,
            causation_id=env.causation_id,
            step=env.type,
            service=env.source,
            at=env.occurred_at.timestamp(),
            data=json.dumps(asdict(env.payload), ensure_ascii=False),
        )
        tx.conn.execute(stmt.on_conflict_do_nothing(index_elements=["message_id"]))
        tx.touched.add(env.correlation_id)

    def _booking(self, tx: Tx, env: Envelope, booking_id: str, status: str | None = None,
                 **fields: Any) -> None:
        """Create the booking row if this is the first news of it, then update it."""
        at = env.occurred_at.timestamp()
        stmt = self.store.dialect_insert(BOOKING_VIEW).values(
            booking_id=booking_id, created_at=at, updated_at=at
        )
        tx.conn.execute(stmt.on_conflict_do_nothing())
        values = {k: v for k, v in fields.items() if v is not None}
        if values:
            tx.conn.execute(
                update(BOOKING_VIEW).where(BOOKING_VIEW.c.booking_id == booking_id).values(**values)
            )
        if status is not None:
            rank = STATUS_RANK[status]
            tx.conn.execute(
                update(BOOKING_VIEW)
                .where(BOOKING_VIEW.c.booking_id == booking_id, BOOKING_VIEW.c.status_rank < rank)
                .values(status=status, status_rank=rank, updated_at=at)
            )
        tx.touched.add(booking_id)
        self._timeline(tx, env)

    def _seats(self, tx: Tx, show_id: str, seats: list[str], state: str, ref: str) -> None:
        if not seats:
            return
        stmt = self.store.dialect_insert(SEAT_VIEW).values(
            [{"show_id": show_id, "seat": s, "state": state, "ref": ref} for s in seats]
        )
        tx.conn.execute(
            stmt.on_conflict_do_update(
                index_elements=["show_id", "seat"],
                set_={"state": stmt.excluded.state, "ref": stmt.excluded.ref},
            )
        )
        tx.touched.add(show_id)

    def _free(self, tx: Tx, show_id: str, seats: list[str], ref: str) -> None:
        tx.conn.execute(
            delete(SEAT_VIEW).where(
                SEAT_VIEW.c.show_id == show_id,
                SEAT_VIEW.c.seat.in_(seats),
                SEAT_VIEW.c.ref == ref,
            )
        )
        tx.touched.add(show_id)

    # --- from reservation ---------------------------------------------------------------

    def on_SeatsHeld(self, tx: Tx, env: Envelope) -> None:
        m = env.payload
        self._seats(tx, m.show_id, m.seats, "held", m.hold_id)
        self._timeline(tx, env)

    def on_HoldReleased(self, tx: Tx, env: Envelope) -> None:
        m = env.payload
        self._free(tx, m.show_id, m.seats, m.hold_id)
        self._timeline(tx, env)

    def on_BookingRequested(self, tx: Tx, env: Envelope) -> None:
        m = env.payload
        self._booking(
            tx, env, m.booking_id, "PAYMENT_PENDING",
            code=m.code, hold_id=m.hold_id, show_id=m.show_id, seats=json.dumps(m.seats),
            tickets=json.dumps(m.tickets), amount=m.amount, phone=m.phone, method=m.method,
            created_at=env.occurred_at.timestamp(),
        )
        tx.touched.add(m.code)

    def on_PaymentOutcomeUnknown(self, tx: Tx, env: Envelope) -> None:
        self._booking(tx, env, env.payload.booking_id, "PAYMENT_UNKNOWN")

    def on_BookingPaid(self, tx: Tx, env: Envelope) -> None:
        m = env.payload
        self._booking(tx, env, m.booking_id, "PAID")
        self._seats(tx, m.show_id, m.seats, "sold", m.booking_id)

    def on_BookingFailed(self, tx: Tx, env: Envelope) -> None:
        m = env.payload
        self._booking(tx, env, m.booking_id, "FAILED", reason=m.reason)

    def on_BookingCompleted(self, tx: Tx, env: Envelope) -> None:
        m = env.payload
        self._booking(
            tx, env, m.booking_id, "COMPLETED", ticket_numbers=json.dumps(m.tickets),
            completed_at=env.occurred_at.timestamp(),
        )

    def on_CancellationRequested(self, tx: Tx, env: Envelope) -> None:
        self._booking(tx, env, env.payload.booking_id, "CANCELLING")

    def on_BookingCancelled(self, tx: Tx, env: Envelope) -> None:
        m = env.payload
        self._booking(tx, env, m.booking_id, "CANCELLED")
        self._free(tx, m.show_id, m.seats, m.booking_id)

    def on_BookingRejected(self, tx: Tx, env: Envelope) -> None:
        m = env.payload
        self._booking(tx, env, m.booking_id, "REJECTED", reason=m.reason)
        self._free(tx, m.show_id, m.seats, m.booking_id)

    # --- from payment -------------------------------------------------------------------

    def on_PaymentCaptured(self, tx: Tx, env: Envelope) -> None:
        m = env.payload
        self._booking(tx, env, m.booking_id, None, brand=m.brand, last4=m.last4, change=m.change)

    def on_PaymentRefused(self, tx: Tx, env: Envelope) -> None:
        self._booking(tx, env, env.payload.booking_id, None)

    def on_PaymentRefunded(self, tx: Tx, env: Envelope) -> None:
        m = env.payload
        self._booking(tx, env, m.booking_id, None, refunded_amount=m.amount)
        # a refunded cancellation now waits for the cinema to release the seats
        tx.conn.execute(
            update(BOOKING_VIEW)
            .where(BOOKING_VIEW.c.booking_id == m.booking_id, BOOKING_VIEW.c.status == "CANCELLING")
            .values(status="RELEASING", status_rank=STATUS_RANK["RELEASING"])
        )

    def on_SeatsBlocked(self, tx: Tx, env: Envelope) -> None:
        m = env.payload
        if m.blocked:
            stmt = self.store.dialect_insert(BLOCKED_VIEW).values(
                [{"show_id": m.show_id, "seat": s} for s in m.seats]
            )
            tx.conn.execute(stmt.on_conflict_do_nothing())
        else:
            tx.conn.execute(
                delete(BLOCKED_VIEW).where(
                    BLOCKED_VIEW.c.show_id == m.show_id, BLOCKED_VIEW.c.seat.in_(m.seats)
                )
            )
        tx.touched.add(m.show_id)

    # --- from the cinema ----------------------------------------------------------------

    def on_SeatsConfirmed(self, tx: Tx, env: Envelope) -> None:
        m = env.payload
        self._booking(tx, env, m.booking_id, None, ticket_numbers=json.dumps(m.tickets))

    def on_SeatsRejected(self, tx: Tx, env: Envelope) -> None:
        m = env.payload
        tx.conn.execute(  # the saga only takes a rejection of a booking that is merely paid
            update(BOOKING_VIEW)
            .where(BOOKING_VIEW.c.booking_id == m.booking_id, BOOKING_VIEW.c.status == "PAID")
            .values(status="REJECTING", status_rank=STATUS_RANK["REJECTING"], reason=m.reason)
        )
        self._booking(tx, env, m.booking_id, None)

    def on_SeatsReleased(self, tx: Tx, env: Envelope) -> None:
        self._booking(tx, env, env.payload.booking_id, None)

    # --- queries (the app's read side) --------------------------------------------------

    async def booking(self, *, code: str | None = None, booking_id: str | None = None) -> Any:
        """A booking row and its timeline (including its hold's steps), or None."""

        def read(conn: Any) -> Any:
            cond = BOOKING_VIEW.c.code == code if code else BOOKING_VIEW.c.booking_id == booking_id
            row = conn.execute(select(BOOKING_VIEW).where(cond)).first()
            if row is None:
                return None
            ids = [row.booking_id] + ([row.hold_id] if row.hold_id else [])
            steps = conn.execute(
                select(TIMELINE)
                .where(TIMELINE.c.correlation_id.in_(ids))
                .order_by(TIMELINE.c.at, TIMELINE.c.seq)
            ).all()
            return row, steps

        return await self.query(read)

    async def bookings(
        self,
        *,
        phone: str | None = None,
        status: str | None = None,
        since: float | None = None,
        until: float | None = None,
        limit: int = 500,
    ) -> list[Any]:
        """Booking rows, newest first, filtered."""

        def read(conn: Any) -> list[Any]:
            query = select(BOOKING_VIEW).where(BOOKING_VIEW.c.code.is_not(None))
            if phone:
                query = query.where(BOOKING_VIEW.c.phone == phone)
            if status:
                query = query.where(BOOKING_VIEW.c.status == status)
            if since is not None:
                query = query.where(BOOKING_VIEW.c.created_at >= since)
            if until is not None:
                query = query.where(BOOKING_VIEW.c.created_at < until)
            return conn.execute(
                query.order_by(BOOKING_VIEW.c.created_at.desc()).limit(limit)
            ).all()

        return await self.query(read)

    async def seats(self, show_id: str) -> list[Any]:
        """Seats of a show that are held or sold."""
        return await self.query(
            lambda c: c.execute(select(SEAT_VIEW).where(SEAT_VIEW.c.show_id == show_id)).all()
        )

    async def blocked(self, show_id: str) -> set[str]:
        """Seats of a show the cinema took out of service."""
        return await self.query(
            lambda c: set(
                c.execute(
                    select(BLOCKED_VIEW.c.seat).where(BLOCKED_VIEW.c.show_id == show_id)
                ).scalars()
            )
        )

    async def seat_counts(self, show_ids: list[str]) -> dict[str, dict[str, int]]:
        """Held and sold counts per show."""

        def read(conn: Any) -> dict[str, dict[str, int]]:
            rows = conn.execute(
                select(SEAT_VIEW.c.show_id, SEAT_VIEW.c.state, func.count())
                .where(SEAT_VIEW.c.show_id.in_(show_ids))
                .group_by(SEAT_VIEW.c.show_id, SEAT_VIEW.c.state)
            ).all()
            counts: dict[str, dict[str, int]] = {}
            for show_id, state, n in rows:
                counts.setdefault(show_id, {})[state] = n
            taken = select(SEAT_VIEW.c.seat).where(
                SEAT_VIEW.c.show_id == BLOCKED_VIEW.c.show_id, SEAT_VIEW.c.seat == BLOCKED_VIEW.c.seat
            )
            blocked = conn.execute(
                select(BLOCKED_VIEW.c.show_id, func.count())
                .where(BLOCKED_VIEW.c.show_id.in_(show_ids), ~taken.exists())
                .group_by(BLOCKED_VIEW.c.show_id)
            ).all()
            for show_id, n in blocked:
                counts.setdefault(show_id, {})["blocked"] = n
            return counts

        return await self.query(read)

    async def sales(self, since: float, until: float) -> list[Any]:
        """Bookings sold (completed, even if refunded later) in a time range of sale."""
        return await self.query(
            lambda c: c.execute(
                select(BOOKING_VIEW).where(
                    and_(
                        BOOKING_VIEW.c.created_at >= since,
                        BOOKING_VIEW.c.created_at < until,
                        BOOKING_VIEW.c.completed_at.is_not(None),
                    )
                )
            ).all()
        )
