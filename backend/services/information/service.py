"""The information actor: builds the views from every service's messages.

Messages from different services can arrive in any order (payment's capture before
reservation's request), so each handler upserts the booking row and the status only
ever moves forward by rank. The seat view follows reservation's messages alone, which
arrive in the order they were written.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import Iterable
from typing import Any

from backend.messaging.envelope import Envelope
from backend.messaging.journal import Tx
from backend.messaging.messages import (
    INFORMATION,
    BookingCancelled,
    BookingCompleted,
    BookingFailed,
    BookingPaid,
    BookingRejected,
    BookingRequested,
    CancellationRequested,
    HoldReleased,
    PaymentCaptured,
    PaymentOutcomeUnknown,
    PaymentRefunded,
    PaymentRefused,
    SeatsBlocked,
    SeatsConfirmed,
    SeatsHeld,
    SeatsRejected,
    SeatsReleased,
    ShowClosed,
)
from backend.runtime.clock import Clock
from backend.services.base import Postman, Service, handles
from backend.services.information import archive, closed_shows
from backend.services.information import queries as q
from backend.services.information.model import (
    BLOCKED_VIEW,
    BOOKING_VIEW,
    CLOSED_SHOWS,
    SEAT_VIEW,
    TIMELINE,
)
from backend.services.information.model import TIMELINE_ARCHIVE as ARCHIVE
from backend.services.information.status import STATUS_RANK
from backend.sql import SQL, in_list, run

#: How long a show's seat states may be served from memory (other processes' changes).
SEAT_CACHE_S = 0.3



class InformationService(Service):
    """The read side."""

    tables = [BOOKING_VIEW, TIMELINE, ARCHIVE, SEAT_VIEW, BLOCKED_VIEW, CLOSED_SHOWS]

    def __init__(
        self,
        url: str,
        *,
        clock: Clock,
        postman: Postman | None = None,
        mailbox_size: int = 4000,
    ) -> None:
        super().__init__(INFORMATION, url, clock=clock, postman=postman, mailbox_size=mailbox_size)
        self._seat_cache: dict[str, tuple[float, dict[str, str], set[str]]] = {}
        self._seat_loading: dict[str, asyncio.Future[tuple[dict[str, str], set[str]]]] = {}
        self._seat_changes: dict[str, int] = {}

    # --- shared steps -------------------------------------------------------------------

    def _timeline(self, tx: Tx, env: Envelope) -> None:
        tx.run(
            q.INSERT_STEP,
            {
                "message_id": env.message_id,
                "correlation_id": env.correlation_id,
                "causation_id": env.causation_id,
                "step": env.type,
                "service": env.source,
                "at": env.occurred_at.timestamp(),
                "data": env.payload_json(),
            },
        )
        tx.touched.add(env.correlation_id)

    def _booking(self, tx: Tx, env: Envelope, booking_id: str, status: str | None = None,
                 **fields: Any) -> None:
        """Create or update the booking row in one statement; the status only moves forward."""
        at = env.occurred_at.timestamp()
        params = dict.fromkeys(q.BOOKING_FIELDS)
        params.update(fields)
        params.update(
            booking_id=booking_id,
            status=status,
            status_rank=STATUS_RANK[status] if status else None,
            at=at,
        )
        indexed = any(params[f] is not None for f in q.INDEXED_FIELDS)
        tx.run(q.UPSERT_BOOKING if indexed else q.UPSERT_BOOKING_STEP, params)
        if status is not None:
            tx.facts[("rank", booking_id)] = STATUS_RANK[status]
        tx.touched.add(booking_id)
        self._timeline(tx, env)

    def _seats(self, tx: Tx, env: Envelope, show_id: str, seats: list[str], state: str,
               ref: str) -> None:
        """Set seats' state, unless newer news of them was applied already.

        Mail can arrive out of order after a crash (given back, then sent again after
        newer mail); reservation's outbox position decides, so the view converges.
        """
        if not seats:
            return
        seq = env.seq or 0
        tx.run(q.UPSERT_SEAT, [{"show_id": show_id, "seat": s, "state": state, "ref": ref,
                               "seq": seq} for s in seats])
        tx.touched.add(show_id)

    def _free(self, tx: Tx, env: Envelope, show_id: str, seats: list[str], ref: str) -> None:
        self._seats(tx, env, show_id, seats, "free", ref)

    # --- from reservation ---------------------------------------------------------------

    @handles(SeatsHeld)
    def on_SeatsHeld(self, tx: Tx, env: Envelope) -> None:
        m = env.payload
        self._seats(tx, env, m.show_id, m.seats, "held", m.hold_id)
        tx.facts[("hold", m.hold_id)] = True
        self._timeline(tx, env)

    @handles(HoldReleased)
    def on_HoldReleased(self, tx: Tx, env: Envelope) -> None:
        m = env.payload
        self._free(tx, env, m.show_id, m.seats, m.hold_id)
        tx.facts[("hold", m.hold_id)] = False
        self._timeline(tx, env)

    @handles(ShowClosed)
    def on_ShowClosed(self, tx: Tx, env: Envelope) -> None:
        """Not a booking's step: no timeline row (``closed_shows``)."""
        closed_shows.close(tx, env.payload.show_id)

    @handles(BookingRequested)
    def on_BookingRequested(self, tx: Tx, env: Envelope) -> None:
        m = env.payload
        self._booking(
            tx, env, m.booking_id, "PAYMENT_PENDING",
            code=m.code, hold_id=m.hold_id, show_id=m.show_id, seats=json.dumps(m.seats),
            tickets=json.dumps(m.tickets), amount=m.amount, phone=m.phone, method=m.method,
            created_at=env.occurred_at.timestamp(),
        )
        tx.touched.add(m.code)
        tx.facts[("code", m.code)] = m.booking_id

    @handles(PaymentOutcomeUnknown)
    def on_PaymentOutcomeUnknown(self, tx: Tx, env: Envelope) -> None:
        self._booking(tx, env, env.payload.booking_id, "PAYMENT_UNKNOWN")

    @handles(BookingPaid)
    def on_BookingPaid(self, tx: Tx, env: Envelope) -> None:
        m = env.payload
        self._booking(tx, env, m.booking_id, "PAID")
        self._seats(tx, env, m.show_id, m.seats, "sold", m.booking_id)

    @handles(BookingFailed)
    def on_BookingFailed(self, tx: Tx, env: Envelope) -> None:
        m = env.payload
        self._booking(tx, env, m.booking_id, "FAILED", reason=m.reason)

    @handles(BookingCompleted)
    def on_BookingCompleted(self, tx: Tx, env: Envelope) -> None:
        m = env.payload
        self._booking(
            tx, env, m.booking_id, "COMPLETED", ticket_numbers=json.dumps(m.tickets),
            completed_at=env.occurred_at.timestamp(),
        )

    @handles(CancellationRequested)
    def on_CancellationRequested(self, tx: Tx, env: Envelope) -> None:
        self._booking(tx, env, env.payload.booking_id, "CANCELLING")

    @handles(BookingCancelled)
    def on_BookingCancelled(self, tx: Tx, env: Envelope) -> None:
        m = env.payload
        self._booking(tx, env, m.booking_id, "CANCELLED")
        self._free(tx, env, m.show_id, m.seats, m.booking_id)

    @handles(BookingRejected)
    def on_BookingRejected(self, tx: Tx, env: Envelope) -> None:
        m = env.payload
        self._booking(tx, env, m.booking_id, "REJECTED", reason=m.reason)
        self._free(tx, env, m.show_id, m.seats, m.booking_id)

    # --- from payment -------------------------------------------------------------------

    @handles(PaymentCaptured)
    def on_PaymentCaptured(self, tx: Tx, env: Envelope) -> None:
        m = env.payload
        self._booking(tx, env, m.booking_id, None, brand=m.brand, last4=m.last4, change=m.change)

    @handles(PaymentRefused)
    def on_PaymentRefused(self, tx: Tx, env: Envelope) -> None:
        self._booking(tx, env, env.payload.booking_id, None)

    @handles(PaymentRefunded)
    def on_PaymentRefunded(self, tx: Tx, env: Envelope) -> None:
        m = env.payload
        self._booking(tx, env, m.booking_id, None, refunded_amount=m.amount)
        # a refunded cancellation now waits for the cinema to release the seats
        tx.run(q.RELEASING, {"id": m.booking_id, "rank": STATUS_RANK["RELEASING"]})

    @handles(SeatsBlocked)
    def on_SeatsBlocked(self, tx: Tx, env: Envelope) -> None:
        m = env.payload
        if m.blocked:
            tx.run(q.BLOCK_SEAT, [{"show_id": m.show_id, "seat": s} for s in m.seats])
        elif m.seats:
            marks, params = in_list("s", m.seats)
            params["show_id"] = m.show_id
            tx.run(
                SQL.of(
                    f"DELETE FROM info_blocked_seats WHERE show_id = :show_id AND seat IN {marks}"
                ),
                params,
            )
        tx.touched.add(m.show_id)

    # --- from the cinema ----------------------------------------------------------------

    @handles(SeatsConfirmed)
    def on_SeatsConfirmed(self, tx: Tx, env: Envelope) -> None:
        m = env.payload
        self._booking(tx, env, m.booking_id, None, ticket_numbers=json.dumps(m.tickets))

    @handles(SeatsRejected)
    def on_SeatsRejected(self, tx: Tx, env: Envelope) -> None:
        m = env.payload
        tx.run(  # the saga only takes a rejection of a booking that is merely paid
            q.REJECTING,
            {"id": m.booking_id, "rank": STATUS_RANK["REJECTING"], "reason": m.reason},
        )
        self._booking(tx, env, m.booking_id, None)

    @handles(SeatsReleased)
    def on_SeatsReleased(self, tx: Tx, env: Envelope) -> None:
        self._booking(tx, env, env.payload.booking_id, None)

    # --- queries (the app's read side) --------------------------------------------------

    async def booking(self, *, code: str | None = None, booking_id: str | None = None) -> Any:
        """A booking row and its timeline (including its hold's steps), or None."""

        def read(conn: Any) -> Any:
            if code:
                row = run(conn, q.BOOKING_BY_CODE, {"code": code}).first()
            else:
                row = run(conn, q.BOOKING_BY_ID, {"id": booking_id}).first()
            if row is None:
                return None
            return row, archive.timeline(conn, row.booking_id, row.hold_id)

        return await self.query(read)

    async def archive_timelines(self, before: float, batch: int = archive.BATCH,
                                pause: float = 0.0) -> int:
        """Fold the steps of resting bookings whose newest step is older than ``before``
        into the archive, ``batch`` bookings a transaction; how many it archived.

        Disk, not speed: see ``backend/services/information/archive.py``.
        """
        return await archive.archive_timelines(
            self.store, before, batch, pause, lambda: self.clock.now().timestamp()
        )

    async def bookings(
        self,
        *,
        phone: str | None = None,
        phone_digits: str | None = None,
        status: str | None = None,
        since: float | None = None,
        until: float | None = None,
        limit: int = 500,
    ) -> list[Any]:
        """Booking rows, newest first, filtered.

        ``phone`` is a whole normalised number (exact match); ``phone_digits`` is a run of
        the digits 0–9 that the number must contain, dashes aside (e.g. its last four).
        Both are matched in the query, over every booking, never over a window of rows.
        """
        if phone_digits is not None and not re.fullmatch(r"[0-9]{1,20}", phone_digits):
            raise ValueError("phone_digits must be the digits 0-9")  # the gateway checks first

        # The WHERE clause is put together from fixed fragments, the values bound.
        where = ["code IS NOT NULL"]
        params: dict[str, Any] = {"limit": limit}
        if phone:
            where.append("phone = :phone")
            params["phone"] = phone
        if phone_digits:
            # Portable (SQLite, PostgreSQL); only rows with a phone, so the phone index
            # narrows the rows before the pattern is tried. The digits hold no wildcard.
            where.append("phone IS NOT NULL AND REPLACE(phone, '-', '') LIKE :pattern")
            params["pattern"] = f"%{phone_digits}%"
        if status:
            where.append("status = :status")
            params["status"] = status
        if since is not None:
            where.append("created_at >= :since")
            params["since"] = since
        if until is not None:
            where.append("created_at < :until")
            params["until"] = until
        sql = SQL.of(
            f"SELECT * FROM info_bookings WHERE {' AND '.join(where)}"
            " ORDER BY created_at DESC LIMIT :limit"
        )

        def read(conn: Any) -> list[Any]:
            return run(conn, sql, params).all()

        return await self.query(read)

    async def rank_of(self, booking_id: str) -> int:
        """How far the view has got with a booking (-1: not at all); memory first."""
        known = self.recent.get(("rank", booking_id))
        if type(known) is int:
            return known
        row = await self.query(lambda c: run(c, q.STATUS_BY_ID, {"id": booking_id}).first())
        return -1 if row is None else row.status_rank

    def known_rank(self, booking_id: str) -> int | None:
        """How far the view has got with a booking, if this process saw it (no read)."""
        known = self.recent.get(("rank", booking_id))
        return known if type(known) is int else None

    def known_booking_id(self, code: str) -> str | None:
        """The booking with this code, if this process put it in the view (no read)."""
        known = self.recent.get(("code", code))
        return known if type(known) is str else None

    async def status_by_code(self, code: str) -> tuple[str, str] | None:
        """(booking id, status) of a booking in the view, or None."""
        row = await self.query(lambda c: run(c, q.STATUS_BY_CODE, {"code": code}).first())
        return None if row is None else (row.booking_id, row.status)

    def hold_seen(self, hold_id: str) -> bool:
        """Whether this process has seen the view change for this hold (no read)."""
        return self.recent.get(("hold", hold_id)) is not None

    async def hold_shown(self, hold_id: str) -> bool:
        """Whether the seat view shows seats of this hold; memory first."""
        known = self.recent.get(("hold", hold_id))
        if known is not None:
            return bool(known)
        row = await self.query(lambda c: run(c, q.HOLD_SHOWN, {"ref": hold_id}).first())
        return row is not None

    def after_commit(self, tx: Tx) -> None:
        self._seats_changed(tx.touched)

    def touched_elsewhere(self, keys: tuple[str, ...]) -> None:
        """Another box office changed these shows' seats: the cache must not hide it."""
        if "*" in keys:
            keys = (*self._seat_cache, *self._seat_loading)
        self._seats_changed(keys)

    def _seats_changed(self, keys: Iterable[str]) -> None:
        for key in keys:
            if self._seat_cache.pop(key, None) is not None or key in self._seat_loading:
                self._seat_changes[key] = self._seat_changes.get(key, 0) + 1

    async def seat_snapshot(self, show_id: str) -> tuple[dict[str, str], set[str]]:
        """(seat -> held/sold, seats out of service) of a show, from a short-lived cache.

        Seat maps are read far more often than seats change (every open map, every
        terminal), so a show's answer is kept until a change made here touches that show,
        or for ``SEAT_CACHE_S`` at most (changes made by other processes).
        """
        hit = self._seat_cache.get(show_id)
        now = time.monotonic()
        if hit is not None and now - hit[0] < SEAT_CACHE_S:
            return hit[1], hit[2]
        loading = self._seat_loading.get(show_id)
        if loading is not None:  # many terminals asking at once: one read serves them all
            return await asyncio.shield(loading)
        future: asyncio.Future[tuple[dict[str, str], set[str]]] = (
            asyncio.get_running_loop().create_future()
        )
        self._seat_loading[show_id] = future
        changes = self._seat_changes.get(show_id, 0)
        try:
            taken = {r.seat: r.state for r in await self.seats(show_id)}
            blocked = await self.blocked(show_id)
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # the waiters (if any) get it; nobody else must
            raise
        finally:
            self._seat_loading.pop(show_id, None)
        if self._seat_changes.get(show_id, 0) == changes:  # nothing changed while reading
            self._seat_cache[show_id] = (now, taken, blocked)
        future.set_result((taken, blocked))
        return taken, blocked

    async def seats(self, show_id: str) -> list[Any]:
        """Seats of a show that are held or sold (of a closed show: its sold bookings')."""
        return await self.query(lambda c: closed_shows.taken_seats(c, show_id, q.TAKEN_SEATS))

    async def blocked(self, show_id: str) -> set[str]:
        """Seats of a show the cinema took out of service."""
        return await self.query(
            lambda c: {r[0] for r in run(c, q.BLOCKED_SEATS, {"show_id": show_id})}
        )

    async def seat_counts(self, show_ids: list[str]) -> dict[str, dict[str, int]]:
        """Held and sold counts per show."""

        if not show_ids:
            return {}
        marks, params = in_list("s", show_ids)
        taken_sql = SQL.of(
            "SELECT show_id, state, count(*) FROM info_seats"
            f" WHERE show_id IN {marks} AND state != 'free' GROUP BY show_id, state"
        )
        # a blocked seat counts as blocked unless it is held or sold (then it counts so)
        blocked_sql = SQL.of(
            "SELECT b.show_id, count(*) FROM info_blocked_seats b"
            f" WHERE b.show_id IN {marks} AND NOT EXISTS (SELECT 1 FROM info_seats s"
            " WHERE s.show_id = b.show_id AND s.seat = b.seat AND s.state != 'free')"
            " GROUP BY b.show_id"
        )

        def read(conn: Any) -> dict[str, dict[str, int]]:
            counts: dict[str, dict[str, int]] = {}
            for show_id, state, n in run(conn, taken_sql, params):
                counts.setdefault(show_id, {})[state] = n
            for show_id, n in run(conn, blocked_sql, params):
                counts.setdefault(show_id, {})["blocked"] = n
            for show_id, closed in closed_shows.closed_counts(
                    conn, show_ids, q.BLOCKED_SEATS).items():
                counts.pop(show_id, None)  # any seat row of it is stale: its bookings say
                if closed:
                    counts[show_id] = closed
            return counts

        return await self.query(read)

    async def sales(self, since: float, until: float) -> list[Any]:
        """Bookings sold (completed, even if refunded later) in a time range of sale."""
        return await self.query(
            lambda c: run(c, q.SOLD, {"since": since, "until": until}).all()
        )
