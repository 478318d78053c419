"""The reservation actor: holds seats, runs the booking and cancellation sagas.

Booking: a transaction creates the booking on a live hold (PAYMENT_PENDING); then, with
no transaction open, payment is asked to authorise with the booking id as idempotency
key and a deadline; a second transaction records the outcome (PAID or FAILED). A paid
booking is announced to the cinema, whose confirmation completes it (or whose rejection
triggers a refund and frees the seats). If the payment ask times out the outcome is
*unknown*: payment is asked to resolve the key (which voids a request that never
arrived), now and later by a background reconciler, never guessed.

Cancellation: CANCELLING → payment refunds → RELEASING → the cinema releases the seats →
CANCELLED, all by durable messages, so a stopped cinema only delays the last step.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from typing import Any

from backend.catalog import Catalog
from backend.codes import new_booking_code
from backend.errors import (
    Busy,
    InvalidInput,
    NotCancellable,
    NotFound,
    PaymentDeclined,
    PaymentUnavailable,
    ServiceUnavailable,
)
from backend.ids import time_ordered_hex
from backend.messaging.journal import Tx
from backend.messaging.messages import (
    RESERVATION,
    BookingRequested,
    CancellationRequested,
    RequestRefund,
)
from backend.messaging.requests import (
    Authorize,
    BookingRecord,
    BookSeats,
    CancelBooking,
    HoldSeats,
    PaymentOutcome,
    ReleaseHold,
)
from backend.pricing import hold_seat_types, quote
from backend.runtime.actor import Actor
from backend.runtime.breaker import BreakerSnapshot, CircuitBreaker
from backend.runtime.clock import Clock
from backend.runtime.tasks import cancel_and_wait
from backend.services.base import Postman, Service
from backend.services.payment.simulator import DECLINE_MESSAGES
from backend.services.reservation import closing, refusals, saga
from backend.services.reservation import queries as q
from backend.services.reservation.extension import ExtendHold
from backend.services.reservation.holds import SeatHolds
from backend.services.reservation.model import (
    BOOKINGS,
    CLOSED_SHOWS,
    HOLDS,
    OUT_OF_SERVICE,
    SEAT_CLAIMS,
)
from backend.services.reservation.payment_outcomes import PaymentOutcomes
from backend.services.reservation.saga_steps import SagaSteps, VersionConflict
from backend.tender import Cash

log = logging.getLogger(__name__)


#: Tries of a transaction whose booking moved under it (see ``transact``).
CONFLICT_TRIES = 5


class ReservationService(PaymentOutcomes, SagaSteps, Service):
    """Seats and sagas."""

    tables = [HOLDS, SEAT_CLAIMS, BOOKINGS, OUT_OF_SERVICE, CLOSED_SHOWS]

    def __init__(
        self,
        url: str,
        *,
        clock: Clock,
        catalog: Catalog,
        payment: Callable[[], Actor],
        breaker: CircuitBreaker | None = None,
        hold_seconds: float = 300.0,
        max_seats: int = 10,
        payment_timeout: float = 5.0,
        sweep_interval: float = 1.0,
        postman: Postman | None = None,
        mailbox_size: int = 2000,
    ) -> None:
        super().__init__(
            RESERVATION, url, clock=clock, postman=postman, mailbox_size=mailbox_size
        )
        self.catalog = catalog
        #: Finds the running payment instance (it may be replaced by a rolling restart).
        self.payment = payment
        self.hold_seconds = hold_seconds
        self.max_seats = max_seats
        self.payment_timeout = payment_timeout
        self.sweep_interval = sweep_interval
        self.holds = SeatHolds(catalog, clock, hold_seconds, max_seats)
        self.breaker = breaker
        self._sweeper: asyncio.Task[None] | None = None
        #: Bookings being resolved after their caller went away (see ``book``).
        self._abandoning: set[asyncio.Task[None]] = set()

    # --- life cycle ---------------------------------------------------------------------

    async def on_start(self) -> None:
        await super().on_start()
        self._sweeper = asyncio.create_task(self._sweep_forever(), name="reservation-sweeper")

    async def on_stop(self) -> None:
        sweeper, self._sweeper = self._sweeper, None
        await cancel_and_wait(sweeper)
        await super().on_stop()

    async def _sweep_forever(self) -> None:
        while True:
            await asyncio.sleep(self.sweep_interval)
            try:
                await self.sweep()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("reservation sweep failed: %s", exc)

    async def sweep(self) -> None:
        """Expire lapsed holds and resolve payments whose outcome is unknown."""
        await self.transact(self.holds.expire_lapsed)
        stale = await self.query(self._stale_payments)
        for booking_id in stale:
            await self.reconcile(booking_id)

    # --- asks ---------------------------------------------------------------------------

    async def ask(self, request: Any, timeout: float) -> Any:
        """An open payment breaker refuses a sale here at once, before the request waits
        for a turn among the asks (``acquire`` in ``book`` stays the real gate)."""
        if self.breaker is not None and isinstance(request, BookSeats):
            self.breaker.refuse_if_open()
        return await super().ask(request, timeout)

    def payment_breaker(self) -> tuple[BreakerSnapshot, float] | None:
        """The payment breaker now and its clock's ``monotonic()`` (None: no breaker)."""
        if self.breaker is None:
            return None
        return self.breaker.snapshot(), self.breaker.clock.monotonic()

    def reset_payment_breaker(self) -> None:
        """Close the payment breaker by hand (after fixing what tripped it)."""
        if self.breaker is not None:
            self.breaker.reset()

    async def close_shows(self, before: float, pause: float = 0.0) -> int:
        """Delete the holds and seat claims of shows that started before ``before`` and
        rest; how many shows were closed (``closing``: disk, not speed)."""
        return await closing.close_shows(self.transact, self.store, self.catalog, before, pause)

    async def sagas_in_flight(self) -> int:
        """How many bookings are mid-way (not yet at a resting status)."""
        return await self.query(q.sagas_in_flight)

    async def handle_ask(self, request: Any) -> Any:
        if isinstance(request, HoldSeats):
            show_id, labels = self.holds.check(request)
            return await self.transact(self.holds.take, show_id, labels, request.replaces)
        if isinstance(request, BookSeats):
            return await self.book(request)
        if isinstance(request, ReleaseHold):
            return await self.transact(self.holds.release, request.hold_id)
        if isinstance(request, ExtendHold):
            return await self.transact(self.holds.extend, request)
        if isinstance(request, CancelBooking):
            return await self.cancel(request.code)
        return await super().handle_ask(request)

    # --- the booking saga ---------------------------------------------------------------

    async def book(self, request: BookSeats) -> BookingRecord:
        breaker = self.breaker
        if breaker is not None:
            breaker.acquire()  # an open breaker refuses here, before anything is written
        try:
            started = await self.transact(self._start_booking, request)
        except BaseException:
            if breaker is not None:
                breaker.cancel()
            raise
        booking_id = started["id"]
        authorize = Authorize(
            idempotency_key=booking_id,
            booking_id=booking_id,
            amount=started["amount"],
            method=request.method,
            card=request.card,
            cash_tendered=request.cash_tendered,
        )
        try:
            outcome: PaymentOutcome | None = await self._ask_payment(authorize)
        except asyncio.CancelledError:
            # The caller gave up (its task was cancelled; the payment ask ran in it, so
            # nothing was charged yet: a recorded payment is resolved without a pause).
            # Settle the booking now rather than leave it to the sweeper's next pass.
            task = asyncio.create_task(self._abandoned(booking_id))
            self._abandoning.add(task)
            task.add_done_callback(self._abandoning.discard)
            raise
        except (PaymentUnavailable, ServiceUnavailable, Busy) as exc:
            # Refused before anything was taken: the booking fails, the hold stays.
            await self.transact(self._record_payment, booking_id, "refused", None, "payment unavailable")
            if isinstance(exc, PaymentUnavailable):
                exc.booking_id = booking_id
                raise
            refusal = PaymentUnavailable(
                "Payment is not available right now; nothing was charged and the seats are "
                "still held. Try again in a few seconds.",
                retry_after=3.0,
                booking_id=booking_id,
            )
            refusal.key = "payment.down"
            raise refusal from exc
        except InvalidInput:
            # Payment refused the request itself (malformed) before recording anything:
            # the booking fails and the hold stays. The caller's fault, not payment's, so
            # the breaker did not count it.
            await self.transact(
                self._record_payment, booking_id, "refused", None, "payment request refused as invalid"
            )
            raise
        except Exception as exc:  # noqa: BLE001 - a timeout, or payment broke while answering
            timed_out = isinstance(exc, asyncio.TimeoutError)
            if timed_out:
                log.warning("payment for %s did not answer in time; reconciling", booking_id)
            else:
                log.warning("payment for %s failed (%s: %s); reconciling", booking_id,
                            type(exc).__name__, exc)
            return await self._unknown_outcome(started, timed_out, type(exc).__name__)
        booking = await self.transact(self._record_payment, booking_id, None, outcome, None)
        if booking.status == saga.FAILED:
            reason = outcome.reason or "card_declined"
            raise PaymentDeclined(
                DECLINE_MESSAGES.get(reason, "The payment was declined; nothing was charged.")
                + " The seats are still held.",
                reason,
                booking_id,
            )
        return booking

    def _start_booking(self, tx: Tx, request: BookSeats) -> dict[str, Any]:
        hold = q.hold_row(tx, request.hold_id)
        if hold is None:
            raise refusals.no_such_hold(selling=True)
        if hold.state == "booked":
            raise refusals.hold_sold(selling=True)
        if hold.state != "active" or hold.expires_at <= tx.now_epoch:
            raise refusals.hold_ran_out()
        if hold.booking_id is not None:
            raise refusals.payment_under_way(selling=True)
        seats = json.loads(hold.seats)
        show = self.catalog.showtime(hold.show_id)
        tickets = dict(request.tickets)
        if request.seat_types is not None:  # the clerk's seat -> type: stored in dealing order
            seats, tickets = hold_seat_types(self.catalog, show, seats, dict(request.seat_types))
        amount = quote(self.catalog, show, seats, tickets).total
        if request.method == "cash":
            Cash(request.cash_tendered if request.cash_tendered is not None else 0).check(amount)
        booking_id = "bk_" + time_ordered_hex(20)
        code = new_booking_code()
        while tx.run(q.CODE_TAKEN, {"code": code}).first() is not None:
            code = new_booking_code()
        tx.run(
            q.INSERT_BOOKING,
            {
                "id": booking_id,
                "code": code,
                "hold_id": hold.id,
                "show_id": hold.show_id,
                "seats": json.dumps(seats),
                "tickets": json.dumps(tickets),
                "amount": amount,
                "phone": request.phone,
                "method": request.method,
                "status": saga.PAYMENT_PENDING,
                "refunded": False,
                "now": tx.now_epoch,
            },
        )
        if tx.run(q.ATTACH_BOOKING, {"id": hold.id, "booking_id": booking_id}).rowcount != 1:
            raise refusals.payment_under_way(selling=True)  # another sale attached first
        tx.run(q.CLAIMS_TO_BOOKING, {"id": hold.id, "booking_id": booking_id})
        tx.emit(
            BookingRequested(
                booking_id=booking_id,
                code=code,
                hold_id=hold.id,
                show_id=hold.show_id,
                seats=seats,
                tickets=tickets,
                amount=amount,
                phone=request.phone,
                method=request.method,
            ),
            correlation_id=booking_id,
            causation_id=None,
        )
        return {"id": booking_id, "code": code, "amount": amount}

    # --- the cancellation saga ----------------------------------------------------------

    async def cancel(self, code: str) -> BookingRecord:
        return await self.transact(self._cancel, code)

    async def transact(self, fn: Callable[..., Any], *args: Any) -> Any:
        """``Service.transact``, run again when a booking moved under it (``VersionConflict``:
        on PostgreSQL another box office's commit can land between our read and our
        write). Each try is a whole new transaction; after a few, the clerk is told to try
        again rather than shown an internal error."""
        for _attempt in range(CONFLICT_TRIES - 1):
            try:
                return await super().transact(fn, *args)
            except VersionConflict:
                await asyncio.sleep(0)
        try:
            return await super().transact(fn, *args)
        except VersionConflict as exc:
            raise Busy("That booking is being changed by another terminal right now; "
                       "try again in a moment.") from exc

    def _cancel(self, tx: Tx, code: str) -> BookingRecord:
        row = q.booking_by_code(tx.conn, code)
        if row is None:
            raise NotFound(f"No booking has the code {code}.", key="booking.none", code=code)
        show = self.catalog.showtime(row.show_id)
        if row.status in (saga.PAID, saga.COMPLETED) and show.starts_at <= tx.now:
            raise NotCancellable(
                "The show has already started; its tickets cannot be refunded.",
                key="cancel.started",
            )
        moved = self._transition(tx, row.id, "cancel")
        if moved is None:
            raise NotCancellable(
                saga.why_not_cancellable(row.status, code),
                key=f"cancel.{row.status.lower()}", code=code,
            )
        tx.emit(CancellationRequested(booking_id=row.id, code=code), correlation_id=row.id)
        tx.emit(
            RequestRefund(booking_id=row.id, code=code, reason="cancelled by customer"),
            correlation_id=row.id,
        )
        return q.record(moved)

    async def booking_by_code(self, code: str) -> BookingRecord | None:
        """The write side's record of a booking (its status is the freshest there is)."""
        return await self.query(lambda c: q.record(q.booking_by_code(c, code)))

    async def wait_for_status(
        self, booking_id: str, statuses: frozenset[str], timeout: float
    ) -> BookingRecord | None:
        """Wait until the booking is in one of ``statuses`` (None on timeout)."""

        async def check() -> BookingRecord | None:
            row = await self.query(lambda c: q.record(q.booking_row(c, booking_id)))
            return row if row is not None and row.status in statuses else None

        return await self.wait_for(booking_id, check, timeout)

