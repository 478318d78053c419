"""Checkout: ticket type per seat, the price, the customer's phone, cash or card, pay.

The seat map pushes this screen with the show and the hold. The hold's countdown runs in
the header; when it reaches zero the clerk is sent back to choose seats again. Paying
calls ``book()`` in a worker and then follows the booking's saga live (``BookingProgress``)
until the cinema has confirmed it, then shows the ticket. A refused payment leaves the
form as it was, on the same hold, so the clerk can try another card or cash.

Everything is reachable from the keyboard: Tab between fields, ←/→ (or 1/2/3) to pick a
seat's ticket type, F5/F6 for cash/card, F7/F9 for exact/rounded-up cash, Ctrl+S to pay,
Esc to go back to the seat map (the hold is kept).

The screen is made of parts so that each can be read alone: the header and show summary,
the ticket-type chooser, the tender form and the order summary
(``cinema_tui/widgets/checkout_*.py``), styled by ``checkout.tcss``. This module lays them
out, prices the sale and answers the form's keys; selling (paying, following the sale,
leaving) is its base class, ``SaleScreen`` in ``checkout_sale.py``, driven by the
Textual-free ``cinema_tui.sale_flow.SaleFlow``.
"""

from __future__ import annotations

from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Static

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
from cinema_tui.widgets.checkout_tender import TenderForm
from cinema_tui.widgets.checkout_tickets import TicketTypeChooser
from cinema_tui.widgets.footer import LocalFooter
from cinema_tui.widgets.payment_fields import TicketTypeRow
from cinema_tui.widgets.status_line import ServiceStatusLine


class CheckoutScreen(SaleScreen):
    """Sell the held seats. Dismissed with None (back), "expired" or "rejected"."""

    CSS_PATH = "checkout.tcss"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "pay", "Pay", id="checkout_pay"),
        Binding("escape", "back", "Back", id="back"),
        Binding("f5", "method('cash')", "Cash", id="pay_cash"),
        Binding("f6", "method('card')", "Card", id="pay_card"),
        Binding("f7", "cash_exact", "Exact cash", show=False, id="cash_exact"),
        Binding("f9", "cash_round_up", "Round up", show=False, id="cash_round_up"),
        # The app's screen keys, held back while a payment is on its way (see action_leave).
        Binding("f2", "leave('home')", show=False),
        Binding("f3", "leave('find')", show=False),
        Binding("f4", "leave('history')", show=False),
    ]

    def __init__(self, show: ShowtimeSummary, hold: HoldInfo) -> None:
        super().__init__(hold)
        self.show = show
        self.total: int | None = None

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
        self.tender.relabel()
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
        self.chooser.show_prices(prices)
        self.summary.show_prices(self.hold.seats, chosen, prices, total, self.types)
        amounts = quick_amounts(total)
        exact = f"{self.tr('checkout.exact')} {self.app.won(amounts[0])}"
        self.tender.set_quick_amounts(amounts, [exact, *map(self.app.won, amounts[1:])])
        self._update_change()

    @on(TicketTypeRow.Changed)
    def _type_changed(self) -> None:
        self._reprice()

    @on(TenderForm.Changed)
    def _update_change(self) -> None:
        self.summary.show_change(self.tender.method, self.tender.tendered(), self.total)

    def action_method(self, method: str) -> None:
        if not self.flow.editable:
            return
        self.tender.choose(method)
        self._update_change()

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
        return True


__all__ = [
    "CheckoutScreen", "TicketTypeRow", "digits_of", "field_for", "field_of", "quick_amounts",
]
