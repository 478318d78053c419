"""Checkout: ticket type per seat, the price, the customer's phone, cash or card, pay.

The seat map pushes this screen with the show and the hold. The hold's countdown runs in
the header; Ctrl+E gives more time, and when it runs out the form stays and Ctrl+E holds
the same seats again (``checkout_hold.py``). Paying calls ``book()`` in a worker and then
follows the booking's saga live (``BookingProgress``) until the cinema has confirmed it,
then shows the ticket. A refused payment leaves the form as it was, on the same hold, so
the clerk can try another card or cash.

Everything is reachable from the keyboard: Tab (or Enter) to the next field, ←/→ to pick
a seat's ticket type, F6/F7 for cash/card, F9/F10 for exact/rounded-up cash, Ctrl+S to
pay, Esc to go back to the seat map (the hold is kept); F2-F5 leave for another screen,
asking first when seats or a typed payment would be lost (``checkout_leaving.py``).

Keys that arrive together (a fast typist, a card reader, a lagging SSH link) land in the
field they were typed for: every key that moves the focus (Enter in a field, the F-keys
that choose a method, ↑/↓ on a ticket row, and the app's Tab) is a *priority* binding
that moves it at once, before the next key is routed. (A plain binding acts only once
the key has bubbled back from the focused field, when the keys behind it are already on
their way to the old field.) Which field has the focus shows without colour: ``▸``
before the focused ticket row or field label.

The screen is made of parts so that each can be read alone: the header and show summary,
the ticket-type chooser, the tender form and the order summary
(``cinema_tui/widgets/checkout_*.py``), styled by ``checkout.tcss``. This module lays them
out, prices the sale and answers the form's keys; selling (paying, following the sale,
leaving) is its base class, ``SaleScreen`` in ``checkout_sale.py``, driven by the
Textual-free ``cinema_tui.sale_flow.SaleFlow``.
"""

from __future__ import annotations

from typing import Any, ClassVar

from textual import events, on
from textual.actions import SkipAction
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Input, Static

from backend.api import HoldInfo, ShowtimeSummary
from cinema_tui.errors import human_message
from cinema_tui.messages import LanguageChanged
from cinema_tui.sale_rules import (
    TYPE_ORDER,
    digits_of,
    field_for,
    field_of,
    next_round_up,
    price_order,
    quick_amounts,
)
from cinema_tui.screens.checkout_sale import SaleScreen
from cinema_tui.widgets.checkout_header import CheckoutHeader, ShowSummary
from cinema_tui.widgets.checkout_summary import OrderSummary
from cinema_tui.widgets.checkout_tender import CARD_FIELDS, CASH_FIELDS, PAY_ON_ENTER, TenderForm
from cinema_tui.widgets.checkout_tickets import TicketTypeChooser
from cinema_tui.widgets.footer import LocalFooter
from cinema_tui.widgets.payment_fields import TicketTypeRow
from cinema_tui.widgets.status_line import ServiceStatusLine

#: How long a changed ticket type (its row and the total) stays highlighted.
FLASH_S = 1.0

#: What a hint about the ticket rows is "about": it goes when the focus leaves them.
TICKET_ROWS = "ticket-rows"


class CheckoutScreen(SaleScreen):
    """Sell the held seats. Dismissed with None (back), "expired" or "rejected"."""

    CSS_PATH = "checkout.tcss"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "pay", "Pay", id="checkout_pay"),
        # priority: a text field's own Ctrl+E (end of line) must not swallow it
        Binding("ctrl+e", "extend_hold", "More time", id="extend_hold", priority=True),
        Binding("escape", "back", "Back", id="back"),
        # priority: the method's field has the focus before the digits behind the key
        Binding("f6", "method('cash')", "Cash", id="pay_cash", priority=True),
        Binding("f7", "method('card')", "Card", id="pay_card", priority=True),
        Binding("f9", "cash_exact", "Exact cash", show=False, id="cash_exact", priority=True),
        Binding("f10", "cash_round_up", "Round up", show=False, id="cash_round_up",
                priority=True),
        # priority: Enter in a field moves on before the next key is routed (skipped where
        # Enter means something else: pay, a button, the method's radio set)
        Binding("enter", "next_field", show=False, id="next_field", priority=True),
        # The app's screen keys (same ids, so a [keymap] entry moves both): they ask first
        # when leaving would lose a hold or a typed payment (see action_leave).
        Binding("f2", "leave('home')", show=False, id="home"),
        Binding("f3", "leave('find')", show=False, id="find"),
        Binding("f4", "leave('history')", show=False, id="history"),
        Binding("f5", "leave('ops')", show=False, id="ops"),
    ]

    def __init__(self, show: ShowtimeSummary, hold: HoldInfo) -> None:
        super().__init__(hold)
        self.show = show
        self._flashing: set[Widget] = set()
        self._flash_timer: Timer | None = None

    def compose(self) -> ComposeResult:
        yield CheckoutHeader(id="checkout-header")
        with Horizontal(id="checkout-body"):
            with VerticalScroll(id="checkout-form"):
                yield ShowSummary(self.show, self.hold, id="checkout-summary")
                yield Static("", id="tickets-label", classes="section")
                yield TicketTypeChooser(self.hold.seats, self.types or TYPE_ORDER,
                                        id="ticket-types")
                yield TenderForm(id="tender-form")
            yield OrderSummary(id="checkout-side")
        yield ServiceStatusLine(id="status-line")
        yield LocalFooter()

    def on_mount(self) -> None:
        # Tab goes field to field; the panes scroll to whatever has focus.
        self.query_one("#checkout-form").can_focus = False
        self._texts()
        self._reprice()
        self._tick()
        self._countdown = self.set_interval(1.0, self._tick)
        rows = self.chooser.rows
        (rows[0] if rows else self.tender.field("#phone")).focus()

    def _texts(self) -> None:
        """(Re)write every label; input values and choices are untouched."""
        self.header.relabel()
        self.query_one(ShowSummary).relabel()
        self.query_one("#tickets-label", Static).update(self.tr("checkout.tickets"))
        self.tender.relabel({
            "cash": self.key_for("pay_cash", "F6"), "card": self.key_for("pay_card", "F7"),
            "exact": self.key_for("cash_exact", "F9"),
            "round_up": self.key_for("cash_round_up", "F10"),
        })
        self.chooser.relabel()
        self.summary.relabel()

    def on_language_changed(self, message: LanguageChanged) -> None:
        """F8: relabel in place; what the clerk typed and chose stays."""
        self._texts()
        self._reprice()
        self._tick()
        footer = self.query_one(LocalFooter)
        footer.call_later(footer.recompose)  # in the footer's own context (it binds data)

    # --- ticket types, price, tender ---------------------------------------------------------

    def _reprice(self) -> None:
        chosen = self.chooser.chosen()
        try:
            seats = price_order(self.hold.seats, chosen, self.types)
            quote = self.office.quote(self.show.id, seats, self.tickets())
        except Exception as exc:  # noqa: BLE001 - office stopping or a bad seat: say so
            self.total = None
            error = self.tr("checkout.price_error", error=human_message(exc, self.lang))
            self.summary.show_price_error(error)
            return
        prices = {line.seat: line.price for line in quote.lines}
        self.total = total = quote.total
        self.summary.total_changed(total)  # a message about another total is stale now
        self.chooser.show_prices(prices)
        self.summary.show_prices(self.hold.seats, chosen, prices, total, self.types)
        amounts = quick_amounts(total)
        exact = f"{self.tr('checkout.exact')} {self.app.won(amounts[0])}"
        self.tender.set_quick_amounts(amounts, [exact, *map(self.app.won, amounts[1:])])
        self._update_change()

    @on(TicketTypeRow.Changed)
    def _type_changed(self, event: TicketTypeRow.Changed) -> None:
        """←/→ on a row: reprice, and flash the row and the total so the change is seen."""
        self._reprice()
        self._flash(event.row, self.query_one("#total"))

    def _flash(self, *widgets: Widget) -> None:
        for widget in widgets:
            widget.add_class("-flash")
        self._flashing.update(widgets)
        if self._flash_timer is not None:
            self._flash_timer.stop()
        self._flash_timer = self.set_timer(FLASH_S, self._unflash)

    def _unflash(self) -> None:
        for widget in self._flashing:
            widget.remove_class("-flash")
        self._flashing.clear()

    @on(TicketTypeRow.NotAType)
    def _not_a_type(self) -> None:
        """A digit or space on a ticket row: the type stays; say where typing goes."""
        self.summary.say(self.tr("checkout.not_a_type"), about=(TICKET_ROWS,))

    @on(TenderForm.Changed)
    def _update_change(self) -> None:
        self.summary.show_change(self.tender.method, self.tender.tendered(), self.total)

    @on(Input.Changed)
    def _typed(self, event: Input.Changed) -> None:
        """A field changed: a message about it is out of date."""
        self.summary.forget(event.input.id)

    def action_method(self, method: str) -> None:
        if not self.flow.editable:
            return
        if method != self.tender.method:  # the other method's message is about hidden fields
            for field_id in CASH_FIELDS if method == "card" else CARD_FIELDS:
                self.summary.forget(field_id)
        self.tender.choose(method)
        self._update_change()

    def action_next_field(self) -> None:
        """Enter in a ticket row or a field that is not the last of its method: on to the
        next field to type in (past the method's radio set and the buttons), now. Anywhere
        else Enter does what it does there (pay, press a button, pick a method)."""
        focused = self.focused
        moves_on = isinstance(focused, TicketTypeRow) or (
            isinstance(focused, Input) and focused.id not in PAY_ON_ENTER
            and self.tender in focused.ancestors
        )
        if not moves_on or not self.flow.editable:
            raise SkipAction()
        self.focus_next("TicketTypeRow, Input")

    # --- where the focus is --------------------------------------------------------------------

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        """``▸`` on the focused field's label; a hint about the ticket rows goes once the
        focus has left them."""
        self._show_focus()

    def on_descendant_blur(self, event: events.DescendantBlur) -> None:
        self._show_focus()

    def _show_focus(self) -> None:
        """Mark what has the focus now (focus events of a burst may arrive in any order)."""
        widget = self.focused
        ours = widget is not None and self.tender in widget.ancestors
        self.tender.mark_focus(widget.id if ours and widget is not None else None)
        if not isinstance(widget, TicketTypeRow):
            self.summary.forget(TICKET_ROWS)

    def action_cash_exact(self) -> None:
        if self.total is None or not self.flow.editable:
            return
        self.action_method("cash")
        self.tender.set_tendered(self.total)
        self._update_change()

    def action_cash_round_up(self) -> None:
        """The next quick amount above what is typed (round-ups, then back to exact)."""
        if self.total is None or not self.flow.editable:
            return
        self.action_method("cash")
        self.tender.set_tendered(next_round_up(self.total, self.tender.tendered() or 0))
        self._update_change()

    def check_action(self, action: str, parameters: tuple[Any, ...]) -> bool | None:
        if action in ("method", "cash_exact", "cash_round_up") and not self.flow.editable:
            return None  # greyed out in the footer while a payment runs
        if action == "extend_hold":
            if self.flow.sold:
                return False  # nothing held any more: not in the footer
            return True if self.flow.editable else None
        return True


__all__ = [
    "CheckoutScreen", "TicketTypeRow", "digits_of", "field_for", "field_of", "quick_amounts",
]
