"""Selling in ``FakeOffice``: quote, hold, extend_hold, release, book and cancel.

The same checks, errors and sentences as the real gateway and reservation service, in
the same order, and the same first steps on a booking's timeline (BookingRequested, then
PaymentCaptured and BookingPaid, or PaymentRefused and BookingFailed with the hold kept).
What follows a payment is in ``fake_sagas``.
"""

from __future__ import annotations

import asyncio
import secrets
import uuid
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from backend import arguments, codes
from backend.catalog import Showtime
from backend.errors import (
    InvalidInput,
    NotCancellable,
    NotFound,
    PaymentDeclined,
    PaymentUnavailable,
    SeatUnavailable,
)
from backend.messaging import messages as m
from backend.pricing import Quote, book_tickets, hold_seat_types, quote
from backend.services.payment.simulator import DECLINE_MESSAGES
from backend.services.reservation import refusals, saga
from backend.services.reservation.extension import extended_expiry
from backend.tender import Card, Cash, normalise_phone
from backend.testing.fake_core import DAYS_AHEAD
from backend.testing.fake_records import FakeBooking, FakeHold
from backend.testing.fake_sagas import CINEMA, PAYMENT, RESERVATION, FakeSagas
from backend.views import Booking, HoldInfo

__all__ = ["CINEMA", "PAYMENT", "RESERVATION", "FakeSelling"]


class FakeSelling(FakeSagas):
    """hold, release, book, cancel and quote."""

    def quote(self, show_id: str, seats: Iterable[str], tickets: dict[str, int]) -> Quote:
        """The price breakdown of tickets on seats (no booking made)."""
        show = self._show(show_id)
        labels = []
        for raw in arguments.seat_labels(seats):
            spec = show.hall.seat(raw)
            if spec is None:
                raise InvalidInput(f"{show.hall.name_en} has no seat “{raw}”.")
            labels.append(spec.label)
        return quote(self.catalog, show, labels, arguments.tickets(tickets))

    # --- holds --------------------------------------------------------------------------

    async def hold(
        self, show_id: str, seats: Iterable[str], *, replaces: str | None = None
    ) -> HoldInfo:
        """Set seats aside for ``hold_minutes``; SeatUnavailable if any is taken."""
        show = self._show(show_id)
        raw = arguments.seat_labels(seats)
        replaces = arguments.optional_text(replaces, "replaces (a hold id)")
        if show.starts_at.astimezone(self.catalog.timezone).date() not in self.days():
            raise InvalidInput(f"Tickets are sold for today and the next {DAYS_AHEAD} days only.")
        await asyncio.sleep(0)
        self._ready(RESERVATION)
        labels = self._hold_labels(show, raw)
        self._sweep()
        old = self.holds.get(replaces) if replaces else None
        if old is not None and not (old.state == "active" and old.booking_id is None):
            old = None  # not ours to give back any more: ignored, as for real
        out = sorted(set(labels) & self.blocked.get(show.id, set()), key=labels.index)
        if out:
            raise SeatUnavailable(f"Seat {', '.join(out)} is out of service.", out)
        taken = self.taken.get(show.id, {})
        busy = sorted(s for s in labels if s in taken and (old is None or taken[s][1] != old.id))
        if busy:
            many = len(busy) > 1
            raise SeatUnavailable(
                f"Seat{'s' if many else ''} {', '.join(busy)} "
                f"{'are' if many else 'is'} already taken; choose other seats.",
                busy,
            )
        if old is not None:
            self._end_hold(old, "released")
        now = self.clock.now()
        hold = FakeHold("hold_" + secrets.token_hex(10), show.id, tuple(labels),
                        now + timedelta(minutes=self.settings.hold_minutes))
        self.holds[hold.id] = hold
        self.hold_taken_at[hold.id] = now
        self._set_seats(show.id, labels, ("held", hold.id))
        self.timeline.add(now, m.SeatsHeld(hold.id, show.id, list(labels),
                                           hold.expires_at.isoformat()), RESERVATION, hold.id)
        self._touch()
        return HoldInfo(hold.id, show.id, hold.seats, hold.expires_at)

    def _hold_labels(self, show: Showtime, raw: list[str]) -> list[str]:
        """The real ``SeatHolds.check``: the seats as labels of the hall, or why not."""
        if show.starts_at <= self.clock.now():
            raise InvalidInput(
                "This show has already started; choose a later showtime.", key="show.started"
            )
        if not raw:
            raise InvalidInput("Choose at least one seat.", key="seats.none")
        most = self.settings.max_seats_per_hold
        if len(raw) > most:
            raise InvalidInput(f"At most {most} seats can be held at once.",
                               key="seats.max", n=most)
        labels: list[str] = []
        for label in raw:
            spec = show.hall.seat(str(label).strip())
            if spec is None:
                raise InvalidInput(f"{show.hall.name_en} has no seat “{label}”.",
                                   key="seat.unknown", seat=label)
            if spec.blocked:
                raise SeatUnavailable(f"Seat {spec.label} is out of service.", [spec.label])
            if spec.label in labels:
                raise InvalidInput(f"Seat {spec.label} was chosen twice.",
                                   key="seat.twice", seat=spec.label)
            labels.append(spec.label)
        return labels

    def _unsold_hold(self, hold_id: str) -> Any:
        """The hold ``release`` and ``extend_hold`` act on, refused in the real
        reservation's words when it does not exist or its seats were sold."""
        hold_id = arguments.text(hold_id, "hold_id")
        self._ready(RESERVATION)
        self._sweep()
        hold = self.holds.get(hold_id)
        if hold is None:
            raise refusals.no_such_hold()
        if hold.state == "booked":
            raise refusals.hold_sold()
        return hold

    async def release(self, hold_id: str) -> None:
        """Give held seats back; nothing to do if the hold ended already."""
        hold = self._unsold_hold(hold_id)
        if hold.state != "active":
            return
        if hold.booking_id is not None:
            raise refusals.payment_under_way()
        self._end_hold(hold, "released")
        self._touch()

    async def extend_hold(self, hold_id: str) -> HoldInfo:
        """Give a live hold more time, by the real reservation's rule (``extension``)."""
        hold = self._unsold_hold(hold_id)
        if hold.state != "active" or hold.expires_at <= self.clock.now():
            raise refusals.hold_ran_out()
        taken_at = self.hold_taken_at.get(  # a hold a test put in by hand: as if just made
            hold.id, hold.expires_at - timedelta(minutes=self.settings.hold_minutes))
        expires = extended_expiry(
            taken_at.timestamp(), hold.expires_at.timestamp(),
            self.settings.hold_extend_minutes * 60, self.settings.hold_max_minutes * 60,
        )
        hold.expires_at = datetime.fromtimestamp(expires, hold.expires_at.tzinfo)
        return HoldInfo(hold.id, hold.show_id, hold.seats, hold.expires_at)

    # --- the booking saga ---------------------------------------------------------------

    async def book(
        self, hold_id: str, *, tickets: dict[str, int] | None = None, payment: Card | Cash,
        phone: str | None = None, seat_types: Mapping[str, str] | None = None,
    ) -> Booking:
        """Sell a hold: returns once payment is decided (PAID); the cinema confirms later.

        With ``seat_types`` the booking's seats are kept in the order that deals each its
        chosen type, as the real reservation stores them (``pricing.hold_seat_types``)."""
        hold_id = arguments.text(hold_id, "hold_id")
        counts, chosen = book_tickets(tickets, seat_types)
        phone = normalise_phone(phone)
        if isinstance(payment, Card):
            card = payment.check(self.today())
        elif isinstance(payment, Cash):
            card = None
            payment.check(0)  # type and the cash maximum here; against the total below
        else:
            raise InvalidInput("Payment must be a Card or Cash.")
        self._need_running()
        breaker = self.payment_breaker
        breaker.refuse_if_open()
        self._ready(RESERVATION)
        breaker.acquire()
        try:
            booking = self._start_booking(hold_id, dict(counts), payment, phone,
                                          None if chosen is None else dict(chosen))
        except BaseException:
            breaker.cancel()
            raise
        began = breaker.clock.monotonic()
        try:
            decision = await self._authorise(booking, card)
        except PaymentUnavailable as exc:
            breaker.record(breaker.clock.monotonic() - began, failed=True)
            if booking.status != saga.FAILED:
                self._fail(booking, "payment unavailable")
            exc.booking_id = booking.id
            raise
        breaker.record(breaker.clock.monotonic() - began, failed=False)
        if decision != "approve":
            self.timeline.add(self.clock.now(), m.PaymentRefused(booking.id, decision),
                              PAYMENT, booking.id)
            self._fail(booking, decision)
            raise PaymentDeclined(
                DECLINE_MESSAGES.get(decision, "The payment was declined; nothing was charged.")
                + " The seats are still held.",
                decision, booking.id,
            )
        self._paid(booking, card, payment)
        return self._written(booking)

    def _start_booking(self, hold_id: str, tickets: dict[str, int], payment: Card | Cash,
                       phone: str | None, seat_types: dict[str, str] | None = None,
                       ) -> FakeBooking:
        self._sweep()
        hold = self.holds.get(hold_id)
        if hold is None:
            raise refusals.no_such_hold(selling=True)
        if hold.state == "booked":
            raise refusals.hold_sold(selling=True)
        if hold.state != "active" or hold.expires_at <= self.clock.now():
            raise refusals.hold_ran_out()
        if hold.booking_id is not None:
            raise refusals.payment_under_way(selling=True)
        show = self.catalog.showtime(hold.show_id)
        seats = list(hold.seats)
        if seat_types is not None:  # the clerk's seat -> type: kept in dealing order
            seats, tickets = hold_seat_types(self.catalog, show, seats, seat_types)
        amount = quote(self.catalog, show, seats, tickets).total
        if isinstance(payment, Cash):
            payment.check(amount)
        code = codes.new_booking_code()
        while code in self.codes:
            code = codes.new_booking_code()
        now = self.clock.now()
        booking = FakeBooking(
            "bk_" + uuid.uuid4().hex[:20], code, hold.id, hold.show_id, tuple(seats),
            dict(tickets), amount, phone, payment.method, now, now,
        )
        self.bookings[booking.id] = booking
        self.codes[code] = booking.id
        hold.booking_id = booking.id
        self.timeline.add(now, m.BookingRequested(
            booking.id, code, hold.id, hold.show_id, list(seats), dict(tickets), amount,
            phone, payment.method), RESERVATION, booking.id)
        self._touch()
        return booking

    async def _authorise(self, booking: FakeBooking, card: Any) -> str:
        """The payment simulator's answer, after its latency; PaymentUnavailable when
        payment is stopped, at capacity or slower than ``payment_timeout_s``."""
        service = self.services[PAYMENT]
        if not service.ready:
            refusal = PaymentUnavailable(
                "Payment is not available right now; nothing was charged and the seats are "
                "still held. Try again in a few seconds.", retry_after=3.0)
            refusal.key = "payment.down"
            raise refusal
        service.handled += 1
        if self.in_flight >= self.knobs.capacity:
            raise PaymentUnavailable("Payment is at capacity right now; nothing was charged. "
                                     "Try again in a few seconds.", retry_after=2.0)
        decision = (self.simulator.card_outcome(card.digits) if card is not None
                    else self.simulator.cash_outcome())
        delay, timeout = self.simulator.latency(), self.settings.payment_timeout_s
        self.in_flight += 1
        try:
            if delay:
                await asyncio.sleep(min(delay, timeout))
        finally:
            self.in_flight -= 1
        if delay >= timeout:  # no answer in time: resolved as voided, nothing taken
            self._move(booking, saga.PAYMENT_UNKNOWN, reason="payment timed out")
            self._step(booking, m.PaymentOutcomeUnknown(booking.id, booking.code), RESERVATION)
            self._step(booking, m.PaymentRefused(booking.id, "voided"), PAYMENT)
            self._fail(booking, "no payment arrived before the booking gave up waiting")
            raise PaymentUnavailable("Payment took too long to answer; nothing was charged and "
                                     "the seats are still held. Try again.", retry_after=1.0)
        return decision

    # --- cancelling, refunds --------------------------------------------------------------

    async def cancel(self, code: str) -> Booking:
        """Cancel and refund a booking; returns once cancelled (or as far as it got)."""
        code = self._code(code)
        self._ready(RESERVATION)
        booking = self.bookings.get(self.codes.get(code, ""))
        if booking is None:
            raise NotFound(f"No booking has the code {code}.", key="booking.none", code=code)
        show = self.catalog.showtime(booking.show_id)
        if booking.status in (saga.PAID, saga.COMPLETED) and show.starts_at <= self.clock.now():
            raise NotCancellable("The show has already started; its tickets cannot be "
                                 "refunded.", key="cancel.started")
        if not self._move(booking, saga.CANCELLING):
            raise NotCancellable(_why_not_cancellable(booking.status, code),
                                 key=f"cancel.{booking.status.lower()}", code=code)
        asked = self._step(booking, m.CancellationRequested(booking.id, code), RESERVATION)
        self._post(RESERVATION, PAYMENT,
                   lambda: self._refund(booking, "cancelled by customer", asked))
        await self._until(lambda: booking.status in (saga.CANCELLED, saga.RELEASING), 5.0)
        await self._until(lambda: booking.status == saga.CANCELLED, 1.0)
        if not self.services["information"].ready:
            return self._written(booking)
        return await self.booking(code)  # type: ignore[attr-defined]

def _why_not_cancellable(status: str, code: str) -> str:
    """The real reservation service's reasons, word for word."""
    if status in (saga.CANCELLING, saga.RELEASING, saga.CANCELLED):
        return f"Booking {code} is already cancelled."
    if status == saga.FAILED:
        return f"Booking {code} was never paid, so there is nothing to cancel."
    if status in (saga.REJECTING, saga.REJECTED):
        return f"Booking {code} was rejected by the cinema and is refunded automatically."
    if status in (saga.PAYMENT_PENDING, saga.PAYMENT_UNKNOWN):
        return f"The payment of booking {code} is still being confirmed; try again in a moment."
    return f"Booking {code} cannot be cancelled now ({status})."
