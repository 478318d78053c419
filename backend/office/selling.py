"""Selling: holding seats (and extending a hold), giving them back, booking a hold,
cancelling a booking.

Each call checks its arguments before anything is asked of a service (a bad one is an
``InvalidInput`` naming it), asks reservation, which owns seats and bookings, and then
waits briefly for the information view to show the result (``consistency``), so the
screens a clerk looks at next never lag behind what the clerk was just told.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping
from typing import Any

from backend import arguments
from backend.errors import InvalidInput, PaymentDeclined, PaymentUnavailable
from backend.messaging.requests import BookSeats, CancelBooking, HoldSeats, ReleaseHold
from backend.office import consistency
from backend.office.core import DAYS_AHEAD
from backend.office.lookup import Lookup
from backend.pricing import Quote, book_tickets, quote
from backend.services.reservation import saga
from backend.services.reservation.extension import ExtendHold
from backend.tender import Card, Cash, normalise_phone
from backend.views import Booking, HoldInfo


class Selling(Lookup):
    """Hold, extend, release, book and cancel, each answered once the history view shows
    it."""

    def quote(self, show_id: str, seats: Iterable[str], tickets: dict[str, int]) -> Quote:
        """The price breakdown of tickets on seats (no booking made)."""
        show = self._show(show_id)
        labels = [self._seat_label(show, s) for s in arguments.seat_labels(seats)]
        return quote(self.catalog, show, labels, arguments.tickets(tickets))

    @staticmethod
    def _seat_label(show: Any, raw: str) -> str:
        spec = show.hall.seat(raw)
        if spec is None:
            raise InvalidInput(f"{show.hall.name_en} has no seat “{raw}”.")
        return spec.label

    async def hold(
        self, show_id: str, seats: Iterable[str], *, replaces: str | None = None
    ) -> HoldInfo:
        """Set seats aside for a while; raises SeatUnavailable if any is taken.

        ``replaces``: a hold of this clerk's to give back in the same step (the selection
        changed); if the new seats are unavailable the old hold is kept.
        """
        show = self._show(show_id)
        seats = arguments.seat_labels(seats)
        replaces = arguments.optional_text(replaces, "replaces (a hold id)")
        if show.starts_at.astimezone(self.catalog.timezone).date() not in self.days():
            raise InvalidInput(
                f"Tickets are sold for today and the next {DAYS_AHEAD} days only."
            )
        # One turn of the loop for everybody else first. Services answer asks in the
        # caller's task, and SQLite runs on the loop's thread, so without this a clerk
        # (or a thousand) retrying seats on a map that is not yet updated could try hold
        # after hold while the view that would tell them better never got a turn. Only
        # here: a refusal elsewhere (an open breaker) must stay instant.
        await asyncio.sleep(0)
        reply = await self._ask_reservation(HoldSeats(show_id, tuple(seats), replaces))
        await consistency.hold_shown(self.rt.information, reply.show_id, reply.id, held=True)
        return HoldInfo(reply.id, reply.show_id, reply.seats, reply.expires_at)

    async def release(self, hold_id: str) -> None:
        """Give held seats back (the clerk left the seat map without selling)."""
        hold_id = arguments.text(hold_id, "hold_id")
        freed = await self._ask_reservation(ReleaseHold(hold_id))
        if freed.show_id:
            await consistency.hold_shown(self.rt.information, freed.show_id, hold_id, held=False)

    async def extend_hold(self, hold_id: str) -> HoldInfo:
        """Give a hold ``hold_extend_minutes`` more (the customer is still deciding),
        never past ``hold_max_minutes`` after it was first taken.

        HoldExpired if it ran out or was released, HoldLimitReached at the limit,
        NotFound for an id that never was a hold. Nothing the information view shows
        changes (a held seat stays held), so there is nothing to wait for.
        """
        hold_id = arguments.text(hold_id, "hold_id")
        reply = await self._ask_reservation(ExtendHold(
            hold_id,
            self.settings.hold_extend_minutes * 60,
            self.settings.hold_max_minutes * 60,
        ))
        return HoldInfo(reply.id, reply.show_id, reply.seats, reply.expires_at)

    async def book(
        self,
        hold_id: str,
        *,
        tickets: dict[str, int] | None = None,
        payment: Card | Cash,
        phone: str | None = None,
        seat_types: Mapping[str, str] | None = None,
    ) -> Booking:
        """Sell a hold: returns once payment is decided (status PAID).

        ``seat_types`` (seat -> ticket type, every seat of the hold): the booking stores
        its seats in the order that deals each the type chosen for it; ``tickets`` may
        then be left out, and if given must count the same.

        Raises PaymentDeclined (the hold is kept: retry with another card or cash),
        PaymentUnavailable, PaymentPending, HoldExpired, InvalidInput.
        """
        hold_id = arguments.text(hold_id, "hold_id")
        counts, chosen = book_tickets(tickets, seat_types)
        phone = normalise_phone(phone)
        if isinstance(payment, Card):
            card = payment.check(self.today())
            request = BookSeats(hold_id, counts, "card", card=card, phone=phone,
                                seat_types=chosen)
        elif isinstance(payment, Cash):
            payment.check(0)  # type and CASH_MAX here; against the total by reservation
            request = BookSeats(
                hold_id, counts, "cash", cash_tendered=payment.tendered, phone=phone,
                seat_types=chosen,
            )
        else:
            raise InvalidInput("Payment must be a Card or Cash.")
        timeout = self.settings.payment_timeout_s * 2 + 10
        try:
            reply = await self._ask_reservation(
                request, timeout,
                "The booking did not finish in time. Look it up in the history before "
                "taking payment again.",
            )
        except (PaymentDeclined, PaymentUnavailable) as exc:
            if exc.booking_id:  # the failed attempt shows in history before we say so
                await consistency.booking_shown(self.rt.information, exc.booking_id, saga.FAILED)
            raise
        await consistency.booking_shown(self.rt.information, reply.id, reply.status)
        return self.rows.from_write_side(reply)

    async def cancel(self, code: str) -> Booking:
        """Cancel and refund a booking; returns when cancelled (or refunded, if the cinema
        is down: it completes when the cinema is back)."""
        code = self._code(code)
        reply = await self._ask_reservation(CancelBooking(code))
        reservation = self.rt.reservation
        done = await reservation.wait_for_status(
            reply.id, frozenset({saga.CANCELLED, saga.RELEASING}), timeout=5.0
        )
        done = await reservation.wait_for_status(
            reply.id, frozenset({saga.CANCELLED}), timeout=1.0
        ) or done or reply
        if not self.rt.information.ready:  # the cancellation stands; the view catches up later
            return self.rows.from_write_side(done)
        await consistency.booking_shown(self.rt.information, done.id, done.status)
        return await self.booking(code)

    async def _ask_reservation(
        self, request: Any, timeout: float = 15.0, late: str | None = None
    ) -> Any:
        return await self._ask(self.rt.reservation, request, timeout, late)

