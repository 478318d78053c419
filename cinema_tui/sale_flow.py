"""The sale at the checkout, as a state machine: what may happen next and what may not.

The checkout once kept its sale in loose flags (``paying``, ``sold``, ``leaving`` and a
timer) whose combinations had to be read off a dozen ``if``\\ s. The rules they encoded
are the box office's, not the screen's, so they live here, apart from Textual, where each
one can be tested alone:

* one payment at a time: a second submit while one is under way is refused (a double
  Enter, or Enter then Ctrl+S, must never sell the seats twice);
* while a charge is being decided the clerk cannot leave (the outcome of a charge must
  not be hidden) and the hold's countdown does not lapse the sale (``book()`` will say
  whether the hold held);
* a refused payment (declined card, payment down, bad input, any error) gives the form
  back as it was, on the same hold;
* a hold that runs out (the countdown reaching zero, or ``book()`` finding it gone) does
  not throw the sale away: the form stays (LAPSED), nothing can be paid, and holding the
  same seats again gives it back (``reheld``); only an extension needs a live hold;
* once paid the sale cannot be undone from here: it can only go on to its ticket, or,
  if the cinema refuses the seats (and the payment is refunded), back to the seat map;
* leaving happens once.

Every event is a method that returns the new state, or raises ``Refused`` when the event
cannot happen in the current state (``may`` asks first, without moving). The flow never
imports textual; the checkout screen calls it from its message handlers.
"""

from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from backend.api import Booking


class SaleState(Enum):
    """Where a sale is. Values are for logs and tests."""

    #: The form is the clerk's; nothing is under way.
    EDITING = "editing"
    #: ``book()`` is running: the form is locked and the clerk may not leave.
    PAYING = "paying"
    #: The hold ran out: the form stays as typed, but nothing can be paid until the same
    #: seats are held again (``reheld``) or the clerk goes back to the seat map.
    LAPSED = "lapsed"
    #: Payment did not answer in time; its outcome is being reconciled (still locked).
    PENDING = "pending"
    #: Paid; the cinema is confirming the seats. The clerk may go on to the ticket.
    PAID = "paid"
    #: Paid, but the cinema is slow or down: the clerk is told the sale is safe.
    WAITING = "waiting"
    #: The cinema confirmed the seats: the ticket comes next.
    COMPLETED = "completed"
    #: The cinema refused the seats and the payment was refunded: back to the seats.
    REJECTED = "rejected"
    #: The screen is on its way out; nothing more happens.
    LEAVING = "leaving"


class Exit(Enum):
    """Why the flow is LEAVING (the checkout turns it into its dismiss result)."""

    BACK = "back"  # Esc before paying: the hold is kept
    EXPIRED = "expired"  # Esc after the hold ran out: back to choose seats again
    ABANDONED = "abandoned"  # F2-F5: the sale is given up (the clerk said yes)
    REJECTED = "rejected"  # the cinema refused the seats
    TICKET = "ticket"  # sold: on to the ticket


class Refused(Exception):
    """An event that cannot happen in the current state (e.g. a second submit)."""

    def __init__(self, event: str, state: SaleState) -> None:
        super().__init__(f"{event} cannot happen while the sale is {state.value}")
        self.event = event
        self.state = state


S = SaleState

#: Once the payment is taken: the states that hold a sold booking.
SOLD_STATES = frozenset({S.PAID, S.WAITING, S.COMPLETED, S.REJECTED})

#: Which states each event may happen in. Anything else is refused.
ALLOWED: dict[str, frozenset[SaleState]] = {
    "submit": frozenset({S.EDITING}),
    "pending": frozenset({S.PAYING}),
    "paid": frozenset({S.PAYING, S.PENDING}),
    "declined": frozenset({S.PAYING, S.PENDING}),
    "unavailable": frozenset({S.PAYING}),
    "invalid": frozenset({S.PAYING}),
    "failed": frozenset({S.PAYING, S.PENDING}),
    "hold_expired": frozenset({S.PAYING}),
    "countdown_over": frozenset({S.EDITING}),
    "extend": frozenset({S.EDITING}),
    "reheld": frozenset({S.LAPSED}),
    "progressed": frozenset({S.PENDING, *SOLD_STATES}),
    "cinema_slow": frozenset({S.PAID, S.WAITING}),  # said again if the live view is lost
    "to_ticket": frozenset({S.PAID, S.WAITING, S.COMPLETED}),
    "back": frozenset({S.EDITING, S.LAPSED, S.REJECTED}),
    # F2-F5 leave for another screen: never while a charge is decided (its outcome would
    # be hidden from the clerk)
    "abandon": frozenset({S.EDITING, S.LAPSED, *SOLD_STATES}),
}

#: Booking statuses that mean the cinema refused the seats (the refund follows).
REJECTED_STATUSES = frozenset({"REJECTING", "REJECTED"})


class SaleFlow:
    """One checkout's sale, from the form to the ticket (or back to the seats)."""

    def __init__(self) -> None:
        self.state = SaleState.EDITING
        #: The booking once paid, kept up to date as the saga moves (None before).
        self.booking: Booking | None = None
        #: Why the flow is leaving, once it is.
        self.exit: Exit | None = None

    def __repr__(self) -> str:
        return f"SaleFlow({self.state.value})"

    # --- asking ------------------------------------------------------------------------------

    def may(self, event: str) -> bool:
        """Whether ``event`` (a method name) can happen now."""
        return self.state in ALLOWED[event]

    @property
    def editable(self) -> bool:
        """The clerk may change the form (method, cash amount, ...); also once the hold
        has lapsed, so that nothing typed is lost while the seats are held again."""
        return self.state in (S.EDITING, S.LAPSED)

    @property
    def lapsed(self) -> bool:
        """The hold ran out: the seats are no longer set aside for this sale."""
        return self.state is S.LAPSED

    @property
    def holding(self) -> bool:
        """Seats are set aside for this sale and not yet sold: leaving gives them back."""
        return self.state in (S.EDITING, S.PAYING, S.PENDING)

    @property
    def deciding(self) -> bool:
        """A charge is being decided: the clerk must wait for its outcome."""
        return self.state in (S.PAYING, S.PENDING)

    @property
    def paying(self) -> bool:
        """A payment or the wait for the cinema right after it holds the clerk (until
        the sale is safe enough to walk away from: WAITING, or refused)."""
        return self.state in (S.PAYING, S.PENDING, S.PAID)

    @property
    def sold(self) -> bool:
        """The payment was taken (whatever the cinema says next)."""
        return self.booking is not None

    # --- paying ------------------------------------------------------------------------------

    def submit(self) -> SaleState:
        """The clerk asks to pay. Refused unless the form is the clerk's."""
        return self._move("submit", S.PAYING)

    def pending(self) -> SaleState:
        """Payment did not answer in time: follow the booking until it is decided."""
        return self._move("pending", S.PENDING)

    def paid(self, booking: Booking) -> SaleState:
        """The payment was taken (from ``book()``, or a pending one reconciled)."""
        self._check("paid")
        self.booking = booking
        return self._go(S.COMPLETED if booking.status == "COMPLETED" else S.PAID)

    def declined(self) -> SaleState:
        """The payment was refused (or a pending one failed): the form, as it was."""
        return self._move("declined", S.EDITING)

    def unavailable(self) -> SaleState:
        """Payment could not take the request; nothing was charged: the form again."""
        return self._move("unavailable", S.EDITING)

    def invalid(self) -> SaleState:
        """The box office refused what was typed; nothing was asked of payment."""
        return self._move("invalid", S.EDITING)

    def failed(self) -> SaleState:
        """Anything else went wrong before the payment was taken: the form again."""
        return self._move("failed", S.EDITING)

    def hold_expired(self) -> SaleState:
        """``book()`` found the hold gone: the form stays, the seats must be held again."""
        return self._move("hold_expired", S.LAPSED)

    def countdown_over(self) -> SaleState:
        """The hold's countdown reached zero while the clerk was still at the form: the
        form stays, the seats must be held again.

        Refused while a payment is being decided (``book()`` tells) and once sold."""
        return self._move("countdown_over", S.LAPSED)

    def extend(self) -> SaleState:
        """More time on a live hold (the form stays the clerk's). Refused once it has
        lapsed (hold the seats again instead), while paying and once sold."""
        return self._move("extend", S.EDITING)

    def reheld(self) -> SaleState:
        """The same seats are held again after the hold lapsed: the form can be paid."""
        return self._move("reheld", S.EDITING)

    # --- after the payment -------------------------------------------------------------------

    def progressed(self, booking: Booking) -> SaleState:
        """The booking moved on (its timeline grew).

        Before payment is decided (PENDING) this is only news for the progress view.
        Once sold: the cinema's refusal makes the sale REJECTED, its confirmation
        COMPLETED; either is final here.
        """
        self._check("progressed")
        if self.state is S.PENDING:
            return self.state
        self.booking = booking
        if self.state in (S.PAID, S.WAITING):
            if booking.status in REJECTED_STATUSES:
                return self._go(S.REJECTED)
            if booking.status == "COMPLETED":
                return self._go(S.COMPLETED)
        return self.state

    def cinema_slow(self) -> SaleState:
        """The cinema is down or slow to confirm: the sale is safe at PAID, say so.

        Refused once the cinema has answered (COMPLETED, REJECTED)."""
        return self._move("cinema_slow", S.WAITING)

    def to_ticket(self) -> SaleState:
        """On to the ticket: any time after paying, unless the cinema refused."""
        return self._leave("to_ticket", Exit.TICKET)

    def back(self) -> SaleState:
        """Esc: back to the seat map, before paying (hold kept), once the hold has
        lapsed, or after a refusal."""
        self._check("back")
        why = {S.REJECTED: Exit.REJECTED, S.LAPSED: Exit.EXPIRED}.get(self.state, Exit.BACK)
        return self._leave("back", why)

    def abandon(self) -> SaleState:
        """F2-F5: the clerk leaves the sale for another screen (asked first when a hold
        or typed payment would be lost). Refused while a charge is being decided."""
        return self._leave("abandon", Exit.ABANDONED)

    # --- moving ------------------------------------------------------------------------------

    def _check(self, event: str) -> None:
        if not self.may(event):
            raise Refused(event, self.state)

    def _go(self, state: SaleState) -> SaleState:
        self.state = state
        return state

    def _move(self, event: str, to: SaleState) -> SaleState:
        self._check(event)
        return self._go(to)

    def _leave(self, event: str, why: Exit) -> SaleState:
        self._check(event)
        self.exit = why
        return self._go(S.LEAVING)


__all__ = ["ALLOWED", "SOLD_STATES", "Exit", "Refused", "SaleFlow", "SaleState"]
