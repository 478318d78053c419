"""The sagas of ``FakeOffice`` once a payment is decided, and the bookkeeping of seats.

The same steps as the real services, recorded on the booking's timeline as the
information view records them (with the service that reported each and the step that
caused it), each later step carried as mail to the next service:

    paid:   BookingPaid → (cinema) SeatsConfirmed → BookingCompleted
    reject: (cinema) SeatsRejected → (payment) PaymentRefunded → BookingRejected
    cancel: CancellationRequested → (payment) PaymentRefunded → (cinema) SeatsReleased
            → BookingCancelled

A booking only moves as ``backend.services.reservation.saga`` allows, so a late step
(a confirmation after a cancellation) is ignored, as for real.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from backend.booking_rows import BookingRows
from backend.messaging import messages as m
from backend.services.reservation import saga
from backend.tender import Card, Cash
from backend.testing.fake_core import FakeCore
from backend.testing.fake_records import FakeBooking, FakeHold
from backend.views import Booking

RESERVATION, PAYMENT, CINEMA = m.RESERVATION, m.PAYMENT, m.CINEMA


class FakeSagas(FakeCore):
    """Seats, and every step of a booking after its payment."""

    # --- seats --------------------------------------------------------------------------

    def _sweep(self) -> None:
        """Expire holds whose time ran out (the real sweeper does it every second)."""
        now = self.clock.now()
        for hold in list(self.holds.values()):
            if hold.state == "active" and hold.booking_id is None and hold.expires_at <= now:
                self._end_hold(hold, "expired")
                self._touch()

    def _end_hold(self, hold: FakeHold, reason: str) -> None:
        hold.state = reason
        self._free_seats(hold.show_id, hold.id)
        self.timeline.add(self.clock.now(), m.HoldReleased(hold.id, hold.show_id,
                                                           list(hold.seats), reason),
                          RESERVATION, hold.id)

    def _set_seats(self, show_id: str, seats: Iterable[str], state: tuple[str, str]) -> None:
        taken = self.taken.setdefault(show_id, {})
        for seat in seats:
            taken[seat] = state

    def _free_seats(self, show_id: str, ref: str) -> None:
        taken = self.taken.get(show_id, {})
        for seat in [s for s, (_, who) in taken.items() if who == ref]:
            del taken[seat]

    # --- the sagas after payment --------------------------------------------------------

    def _fail(self, booking: FakeBooking, reason: str) -> None:
        """Nothing was taken: the booking fails and the hold goes back to the clerk."""
        self._move(booking, saga.FAILED, reason=reason)
        self.holds[booking.hold_id].booking_id = None
        self._step(booking, m.BookingFailed(booking.id, booking.code, reason), RESERVATION)

    def _paid(self, booking: FakeBooking, card: Any, payment: Card | Cash) -> None:
        tendered = payment.tendered if isinstance(payment, Cash) else None
        booking.payment_id = "pay_" + uuid.uuid4().hex[:16]
        booking.brand, booking.last4 = (card.brand, card.last4) if card else (None, None)
        booking.change = tendered - booking.amount if tendered is not None else None
        self._step(booking, m.PaymentCaptured(
            booking.id, booking.payment_id, booking.amount, booking.method, booking.brand,
            booking.last4, tendered, booking.change), PAYMENT)
        self._move(booking, saga.PAID)
        self.holds[booking.hold_id].state = "booked"
        self._set_seats(booking.show_id, booking.seats, ("sold", booking.id))
        paid = self._step(booking, m.BookingPaid(booking.id, booking.code, booking.show_id,
                                                 list(booking.seats), booking.amount,
                                                 booking.payment_id), RESERVATION)
        self._post(RESERVATION, CINEMA, lambda: self._cinema_decides(booking, paid))

    def _cinema_decides(self, booking: FakeBooking, cause: str) -> None:
        """The cinema confirms the seats of a paid booking, or rejects them."""
        seats = list(booking.seats)
        reason = None
        if booking.show_id in self.cancelled_shows:
            reason = "the show was cancelled"
        else:
            hall = self.catalog.showtime(booking.show_id).hall
            out = sorted(s for s in seats if hall.seat(s) is None or hall.seat(s).blocked
                         or s in self.blocked.get(booking.show_id, set()))
            if out:
                reason = f"seat {', '.join(out)} is out of service"
        if reason is None:
            tickets = [f"{booking.code}-{seat}" for seat in seats]
            said = self._step(booking, m.SeatsConfirmed(booking.id, booking.show_id, seats,
                                                        tickets), CINEMA, cause)
            self._post(CINEMA, RESERVATION, lambda: self._completed(booking, tickets, said))
            return
        said = self._step(booking, m.SeatsRejected(booking.id, booking.show_id, seats, reason),
                          CINEMA, cause)
        if booking.status == saga.PAID:
            self._move(booking, saga.REJECTING, reason=reason)
            self._post(CINEMA, PAYMENT, lambda: self._refund(booking, f"rejected: {reason}",
                                                             said))

    def _completed(self, booking: FakeBooking, tickets: list[str], cause: str) -> None:
        if self._move(booking, saga.COMPLETED):
            booking.ticket_numbers = tuple(tickets)
            booking.completed_at = self.clock.now()
            self._step(booking, m.BookingCompleted(booking.id, booking.code, booking.show_id,
                                                   list(booking.seats), tickets),
                       RESERVATION, cause)

    def _refund(self, booking: FakeBooking, reason: str, cause: str) -> None:
        """Payment gives the money back; reservation then frees the seats (via the cinema
        for a cancellation)."""
        amount = booking.amount if booking.payment_id else 0
        booking.refunded_amount = amount
        said = self._step(booking, m.PaymentRefunded(booking.id, booking.payment_id, amount,
                                                     reason), PAYMENT, cause)
        if booking.status == saga.CANCELLING:
            self._move(booking, saga.RELEASING)
            self._post(PAYMENT, CINEMA, lambda: self._cinema_releases(booking, said))
        elif booking.status == saga.REJECTING:
            self._post(PAYMENT, RESERVATION, lambda: self._rejected(booking, said))

    def _rejected(self, booking: FakeBooking, cause: str) -> None:
        if self._move(booking, saga.REJECTED):
            self._free_booking(booking, "rejected")
            self._step(booking, m.BookingRejected(booking.id, booking.code, booking.show_id,
                                                  list(booking.seats), booking.reason or
                                                  "rejected by the cinema"),
                       RESERVATION, cause)

    def _cinema_releases(self, booking: FakeBooking, cause: str) -> None:
        said = self._step(booking, m.SeatsReleased(booking.id, booking.show_id,
                                                   list(booking.seats)), CINEMA, cause)
        self._post(CINEMA, RESERVATION, lambda: self._cancelled(booking, said))

    def _cancelled(self, booking: FakeBooking, cause: str) -> None:
        if self._move(booking, saga.CANCELLED):
            self._free_booking(booking, "cancelled")
            self._step(booking, m.BookingCancelled(booking.id, booking.code, booking.show_id,
                                                   list(booking.seats)), RESERVATION, cause)

    def _free_booking(self, booking: FakeBooking, hold_state: str) -> None:
        self._free_seats(booking.show_id, booking.id)
        self.holds[booking.hold_id].state = hold_state

    # --- bookings' state ----------------------------------------------------------------

    def _move(self, booking: FakeBooking, status: str, **changes: Any) -> bool:
        """Move a booking to ``status`` if the saga allows it from where it is."""
        if not any(saga.next_status(booking.status, event) == status for event in _EVENTS):
            return False
        booking.status = status
        booking.updated_at = self.clock.now()
        for name, value in changes.items():
            setattr(booking, name, value)
        self._touch()
        return True

    def _step(self, booking: FakeBooking, message: m.Message, service: str,
              cause: str | None = None) -> str:
        return self.timeline.add(self.clock.now(), message, service, booking.id, cause)

    def _written(self, booking: FakeBooking) -> Booking:
        """The booking as the write side returns it: no timeline, no refund shown."""
        return self._view(booking, timeline=False, write_side=True)

    def _view(self, booking: FakeBooking, *, timeline: bool = True,
              write_side: bool = False) -> Booking:
        steps = (BookingRows.causal_order(self.timeline.of(booking.id, booking.hold_id))
                 if timeline else ())
        return Booking(
            id=booking.id, code=booking.code, status=booking.status, show_id=booking.show_id,
            seats=booking.seats, tickets=dict(booking.tickets), amount=booking.amount,
            phone=booking.phone, method=booking.method, brand=booking.brand,
            last4=booking.last4, change=booking.change, reason=booking.reason,
            ticket_numbers=booking.ticket_numbers,
            refunded_amount=0 if write_side else booking.refunded_amount,
            hold_id=booking.hold_id, created_at=booking.created_at,
            updated_at=booking.updated_at, timeline=steps, **self.rows.titles(booking.show_id),
        )


#: Every saga event, to ask ``saga.next_status`` whether a move is allowed.
_EVENTS = ("captured", "refused", "unknown", "confirmed", "rejected", "cancel", "refunded",
           "released")
