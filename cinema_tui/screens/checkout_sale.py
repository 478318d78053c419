"""The selling half of the checkout: pay, follow the sale to its ticket, or leave.

``CheckoutScreen`` (``checkout.py``) lays out the form and answers its keys; this base
class sells, and its mixin ``HoldKeeping`` (``checkout_hold.py``) keeps the hold. It
keeps the sale in a ``SaleFlow`` (``cinema_tui.sale_flow``), the one place that says
what may happen next, and never keeps flags of its own:

* Ctrl+S (or Enter in the last field) submits the flow, locks the form and starts a
  worker that calls ``book()`` with the clerk's seat -> type (``seat_types``), as
  ``sale_messages.book`` does without it; a second submit is refused
  while one runs, which is what stops a double Enter from selling twice;
* the workers only post messages (``SalePaid``, ``SaleFailed``, ``SalePending``,
  ``SaleUpdated``, ...); the handlers here move the flow and draw, in order;
* a refusal gives the form back and puts the cursor on the field at fault, found from
  the backend error's key (``sale_rules.field_of``), never from its wording;
* once paid, the saga is followed live; if the cinema is down or slow the clerk may go
  on to the ticket, and if the cinema refuses the seats Esc goes back to the seat map;
* a message about what was typed names the fields (and total) it is about, so it goes
  when they change (``OrderSummary.say(..., about=...)``);
* Esc goes back to the seat map keeping the hold (handed over as it is now); leaving
  for another screen (F2-F5) is the mixin ``SaleLeaving`` (``checkout_leaving.py``).
"""

from __future__ import annotations

from textual import getters, on, work
from textual.screen import Screen
from textual.widgets import Button

from backend.api import (
    BoxOfficeAPI,
    BoxOfficeError,
    Card,
    Cash,
    HoldExpired,
    HoldInfo,
    InvalidInput,
    PaymentDeclined,
    PaymentUnavailable,
)
from cinema_tui import sale_messages as sale
from cinema_tui.errors import human_message
from cinema_tui.key_words import key_for
from cinema_tui.sale_flow import Exit, SaleFlow, SaleState
from cinema_tui.sale_rules import TYPE_ORDER, field_of, ordered_types
from cinema_tui.screens.checkout_hold import HoldKeeping
from cinema_tui.screens.checkout_leaving import SaleLeaving
from cinema_tui.widgets.checkout_header import CheckoutHeader
from cinema_tui.widgets.checkout_summary import OrderSummary
from cinema_tui.widgets.checkout_tender import CARD_FIELDS, TenderForm
from cinema_tui.widgets.checkout_tickets import TicketTypeChooser

#: What the screen is dismissed with, for each way back (the ticket is not a dismiss,
#: and leaving for another screen pops it with the rest of the sale).
RESULTS: dict[Exit, str | None] = {
    Exit.BACK: None, Exit.EXPIRED: "expired", Exit.REJECTED: "rejected", Exit.ABANDONED: None,
}

#: After this long without the cinema's confirmation, the clerk may go on to the ticket.
CINEMA_PATIENCE_S = 3.0

#: How long "Booking completed!" and the last tick stay before the ticket.
LAST_TICK_S = 0.6


class SaleScreen(SaleLeaving, HoldKeeping, Screen[str | None]):
    """Sells ``hold`` through the checkout's parts; see the module's docstring.

    ``app`` is typed by ``AppText`` (``BoxOfficeApp``, through the mixins), ``office``
    is the ``BoxOfficeAPI``; the parts are typed getters."""

    header = getters.query_one(CheckoutHeader)
    chooser = getters.query_one(TicketTypeChooser)
    tender = getters.query_one(TenderForm)
    summary = getters.query_one(OrderSummary)

    def __init__(self, hold: HoldInfo) -> None:
        super().__init__()
        self.hold = hold
        self.flow = SaleFlow()
        #: The sale's total as priced on screen (None: it could not be priced).
        self.total: int | None = None
        self._start_keeping()

    @property
    def office(self) -> BoxOfficeAPI:
        return self.app.office

    @property
    def paying(self) -> bool:
        """A payment (or the wait right after it) holds the clerk; see ``SaleFlow``."""
        return self.flow.paying

    @property
    def types(self) -> tuple[str, ...]:
        """The ticket types on sale, in the order the backend deals them."""
        try:
            known = tuple(self.office.catalog.ticket_types)
        except BoxOfficeError:
            known = TYPE_ORDER
        return ordered_types(known)

    def tickets(self) -> dict[str, int]:
        """Ticket type -> count, the way ``book()`` wants it (no zero counts)."""
        return self.chooser.tickets(self.types)

    def key_for(self, binding_id: str, default: str) -> str:
        """The key bound to ``binding_id`` now (a keymap may have moved it), as a clerk
        reads it in a sentence ("Ctrl+E"); ``default`` if it is not bound here."""
        return key_for(self.app, binding_id, place=type(self).__name__) or default

    # --- leaving ---------------------------------------------------------------------------

    def _depart(self) -> None:
        """The flow is LEAVING: on to the ticket, or back with the flow's reason."""
        if self._countdown is not None:
            self._countdown.stop()
        if self.flow.exit is Exit.TICKET and self.flow.booking is not None:
            # Run by the app: leaving this screen cancels this screen's workers.
            self.app.run_worker(
                self.app.show_ticket(self.flow.booking), name="show-ticket", exit_on_error=False
            )
        else:
            if self.flow.exit is Exit.BACK:
                self._hand_over_hold()
            self._dismiss(RESULTS[self.flow.exit or Exit.BACK])

    def _dismiss(self, result: str | None) -> None:
        """``dismiss`` pops the top screen: wait until that is us."""
        if not self.is_current:
            self.set_timer(0.5, lambda: self._dismiss(result))
            return
        self.dismiss(result)

    def _busy(self) -> None:
        self.app.notify(self.tr("checkout.busy"), severity="warning", timeout=3)

    def action_back(self) -> None:
        if self.flow.may("back"):  # before paying (the hold is kept), or after a refusal
            self.flow.back()
            self._depart()
        elif self.flow.may("to_ticket"):  # the sale is made: Esc moves on, as Enter does
            self.action_continue()
        elif self.flow.deciding:
            self._busy()

    @on(Button.Pressed, "#continue")
    def action_continue(self) -> None:
        if self.flow.may("to_ticket"):
            self.flow.to_ticket()
            self._depart()

    # --- paying ------------------------------------------------------------------------------

    def _lock(self, locked: bool) -> None:
        """While paying, the form cannot change under the payment."""
        for selector in ("#checkout-form", "#pay"):
            self.query_one(selector).disabled = locked

    @on(Button.Pressed, "#pay")
    @on(TenderForm.Submitted)
    def action_pay(self) -> None:
        if self.flow.sold:
            self.action_continue()
            return
        if self.flow.lapsed:  # nothing to sell until the seats are held again
            self._say_not_held()
            return
        if not self.flow.may("submit"):
            if self.flow.deciding:  # a second Enter must not sell the seats twice
                self._busy()
            return
        tickets, payment, phone = self.tickets(), self.tender.payment(), self.tender.phone()
        seat_types = self.chooser.chosen()
        self.flow.submit()
        self._lock(True)
        self.summary.start_progress()
        self.summary.say(self.tr("checkout.paying"))
        self._book(tickets, payment, phone, seat_types)

    @work(exclusive=True, exit_on_error=False, group="pay")
    async def _book(
        self, tickets: dict[str, int], payment: Card | Cash, phone: str | None,
        seat_types: dict[str, str],
    ) -> None:
        """``sale.book`` with the clerk's seat -> type: paid, pending or failed, as a
        message."""
        self.post_message(await sale.book(self.office, self.hold.id, tickets, payment, phone,
                                          seat_types))

    @on(sale.SaleFailed)
    def _failed(self, message: sale.SaleFailed) -> None:
        """Nothing was sold: say why, give the form back (or leave if the hold is gone)."""
        exc, progress = message.error, self.summary.progress
        if self.flow.state is SaleState.PENDING:  # following a pending payment failed
            self.flow.failed()
            self._problem(exc)
        elif isinstance(exc, HoldExpired):  # the form stays; Ctrl+E holds the seats again
            progress.display = False
            progress.stop()
            self._lock(False)
            self.flow.hold_expired()
            self._lapsed()
        elif isinstance(exc, PaymentDeclined):
            progress.fail("PaymentCaptured", exc.reason, exc.booking_id)
            self.flow.declined()
            card = self.tender.method == "card"
            self._problem(exc, "#card-number" if card else None, CARD_FIELDS if card else ())
        elif isinstance(exc, PaymentUnavailable):
            progress.fail("PaymentCaptured", "unavailable", exc.booking_id)
            self.flow.unavailable()
            self._problem(exc)
        elif isinstance(exc, InvalidInput):
            progress.display = False
            progress.stop()
            self.flow.invalid()
            field_id = field_of(exc)
            self._problem(
                exc, field_id, (field_id.lstrip("#"),) if field_id else (),
                self.total if exc.key == "cash.short" else None,
            )
        else:
            progress.stop()
            self.flow.failed()
            self._problem(exc)

    def _problem(
        self, exc: BaseException, field_id: str | None = None, about: tuple[str, ...] = (),
        total: int | None = None,
    ) -> None:
        """Tell the clerk, give the form back, put the cursor where the fix goes. The
        message goes as soon as a field it is ``about`` (or the ``total``) changes."""
        self.app.show_error(exc)
        self.summary.say(human_message(exc, self.lang), "error", about=about, total=total)
        self._lock(False)
        if field_id is not None:
            self.tender.mark_invalid(field_id)

    @on(sale.SalePending)
    def _pending(self, message: sale.SalePending) -> None:
        """The outcome is being reconciled: follow the booking until it is decided."""
        self.flow.pending()
        self.app.show_error(message.error)
        self.summary.say(human_message(message.error, self.lang), "error")
        self._await_decision(message.code)

    @work(exclusive=True, exit_on_error=False, group="sale-follow")
    async def _await_decision(self, code: str) -> None:
        async for message in sale.await_decision(self.office, code):
            self.post_message(message)

    @on(sale.SaleUnpaid)
    def _unpaid(self, message: sale.SaleUnpaid) -> None:
        booking = message.booking
        if booking is None:  # the watch ended undecided: the pending message stays
            self.flow.failed()
        else:
            self.flow.declined()
            self.summary.progress.fail("PaymentCaptured", booking.reason or "failed")
            self.summary.say(booking.reason or self.tr("status.FAILED"), "error")
        self._lock(False)

    # --- after the payment -------------------------------------------------------------------

    @on(sale.SalePaid)
    def _paid(self, message: sale.SalePaid) -> None:
        """Paid: follow the saga live until the cinema has confirmed, then the ticket."""
        self.flow.paid(message.booking)
        self._tick()
        self.summary.progress.set_booking(message.booking)
        self.summary.say(self.tr("checkout.paid"), "ok")
        self.summary.hide_pay()
        self._follow(message.booking.code)

    @work(exclusive=True, exit_on_error=False, group="sale-follow")
    async def _follow(self, code: str) -> None:
        """Report the saga until it rests; if the cinema is down say so now, else after
        a while without its confirmation."""
        if await sale.cinema_down(self.office):
            self.post_message(sale.CinemaSlow())
        else:
            self.set_timer(CINEMA_PATIENCE_S, lambda: self.post_message(sale.CinemaSlow()))
        async for message in sale.follow(self.office, code):
            self.post_message(message)

    @on(sale.SaleUpdated)
    def _updated(self, message: sale.SaleUpdated) -> None:
        if not self.flow.may("progressed"):
            return
        self.summary.progress.set_booking(message.booking)
        if self.flow.progressed(message.booking) is SaleState.REJECTED:
            self.summary.withdraw_continue()
            self.summary.say(self.tr("checkout.rejected"), "error")

    @on(sale.CinemaSlow)
    def _cinema_slow(self) -> None:
        """The sale is safe at PAID; the clerk need not wait for the cinema."""
        if not self.flow.may("cinema_slow"):
            return
        self.flow.cinema_slow()
        self.summary.say(self.tr("checkout.waiting_cinema"))
        self.summary.offer_continue()

    @on(sale.SaleWatchLost)
    def _watch_lost(self, message: sale.SaleWatchLost) -> None:
        self.app.show_error(message.error)
        self._cinema_slow()

    @on(sale.SaleFinished)
    def _finished(self, message: sale.SaleFinished) -> None:
        """The saga rests: if the cinema confirmed, show the last tick, then the ticket."""
        if message.booking.status != "COMPLETED" or self.flow.state is SaleState.LEAVING:
            return
        self.summary.progress.stop()
        self.summary.say(self.tr("checkout.completed"), "ok")
        self.set_timer(LAST_TICK_S, self.action_continue)

