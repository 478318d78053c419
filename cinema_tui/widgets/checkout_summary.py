"""The checkout's right-hand column: what the sale costs, the pay button, how it is going.

Price per seat (grouped by type when there are many seats), the total, the change due
for cash, then Pay (or, once paid and the cinema is slow, Show ticket), a one-line
message and the saga's progress. It draws what the checkout decides; it decides nothing,
so the whole sale can be read in one place (``CheckoutScreen`` and ``SaleFlow``).

A message about what was typed ("₩5,000 is not enough… total ₩14,000", a refused card)
remembers the fields (and the total) it is about, and goes as soon as one of them
changes (``forget``, ``total_changed``): a stale error next to a new total once
let a clerk believe the sale was still wrong, or already right.
"""

from __future__ import annotations

from collections.abc import Iterable

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Button, Static

from cinema_tui.app_text import AppText
from cinema_tui.format import fit
from cinema_tui.i18n import has
from cinema_tui.widgets.booking_progress import BookingProgress

#: Up to this many seats the breakdown has a line per seat; beyond, one per type and price.
SEAT_LINES = 5


class OrderSummary(AppText, VerticalScroll, can_focus=False):
    """Breakdown, total, change, Pay / Show ticket, message and progress."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        #: The ids of the fields the message on show is about (empty: about none).
        self.about: frozenset[str] = frozenset()
        #: The total the message on show is about (None: it is not about the total).
        self.about_total: int | None = None

    def compose(self) -> ComposeResult:
        yield Static("", id="breakdown-label", classes="section")
        yield Static("", id="price-breakdown")
        yield Static("", id="total")
        yield Static("", id="change")
        yield Button("", id="pay", variant="success", compact=True)
        yield Button("", id="continue", variant="primary", compact=True)
        yield Static("", id="checkout-message")
        yield BookingProgress(id="booking-progress")

    def on_mount(self) -> None:
        self.query_one("#continue").display = False
        self.progress.display = False

    def relabel(self) -> None:
        self.query_one("#breakdown-label", Static).update(self.tr("checkout.breakdown"))
        self.query_one("#pay", Button).label = self.tr("checkout.pay")
        self.query_one("#continue", Button).label = self.tr("checkout.continue")
        self.progress.refresh_language()

    @property
    def progress(self) -> BookingProgress:
        return self.query_one(BookingProgress)

    # --- price ----------------------------------------------------------------------------

    def show_prices(
        self, seats: tuple[str, ...], chosen: dict[str, str], prices: dict[str, int],
        total: int, types: tuple[str, ...],
    ) -> None:
        self.query_one("#price-breakdown", Static).update(
            self.breakdown(seats, chosen, prices, types)
        )
        total_text = Text()
        total_text.append(f"{self.tr('checkout.total')} ", style="bold")
        total_text.append(self.app.won(total), style="bold reverse")
        self.query_one("#total", Static).update(total_text)

    def show_price_error(self, error: str) -> None:
        """The sale cannot be priced (office stopping, a bad seat): say so, no total."""
        self.query_one("#price-breakdown", Static).update(Text(error, style="red"))
        self.query_one("#total", Static).update("")

    def breakdown(
        self, seats: tuple[str, ...], chosen: dict[str, str], prices: dict[str, int],
        types: tuple[str, ...],
    ) -> Text:
        """One line per seat; grouped by type and price when there are many seats."""
        won = self.app.won
        text = Text(no_wrap=True, overflow="ellipsis")

        def name(kind: str) -> str:
            return self.tr(f"ticket.{kind}") if has(f"ticket.{kind}") else kind

        if len(seats) <= SEAT_LINES:
            for seat in seats:
                if text:
                    text.append("\n")
                text.append(f"{seat:<5}{fit(name(chosen[seat]), 9)}")
                text.append(f"{won(prices.get(seat)):>10}")
            return text
        groups: dict[tuple[str, int], list[str]] = {}
        for seat in seats:
            groups.setdefault((chosen[seat], prices.get(seat, 0)), []).append(seat)
        order = {kind: i for i, kind in enumerate(types)}
        for (kind, price), group in sorted(
            groups.items(), key=lambda item: (order.get(item[0][0], 99), item[0][1])
        ):
            if text:
                text.append("\n")
            text.append(f"{name(kind)} ×{len(group)} @ {won(price)}")
            text.append(f"  = {won(price * len(group))}", style="bold")
            text.append(f"\n  {', '.join(group)}", style="dim")
        return text

    def show_change(self, method: str, tendered: int | None, total: int | None) -> None:
        """Cash only: the change due, what is missing, or a prompt for the amount."""
        label = self.query_one("#change", Static)
        label.display = method == "cash"
        label.set_class(False, "-short")
        label.set_class(False, "-ok")
        won = self.app.won
        if total is None:
            label.update("")
        elif tendered is None:
            label.update(self.tr("checkout.enter_cash"))
        elif tendered < total:
            label.add_class("-short")
            label.update(self.tr("checkout.not_enough", amount=won(total - tendered)))
        else:
            label.add_class("-ok")
            label.update(self.tr("checkout.change", amount=won(tendered - total)))

    # --- the sale -------------------------------------------------------------------------

    def say(
        self, text: str, kind: str = "", *, about: Iterable[str] = (),
        total: int | None = None,
    ) -> None:
        """The message line: ``kind`` is "error", "ok" or plain. ``about``: the ids of the
        fields it is about; ``total``: the total it is about (see ``field_changed``)."""
        label = self.query_one("#checkout-message", Static)
        label.set_class(kind == "error", "-error")
        label.set_class(kind == "ok", "-ok")
        label.update(text)
        self.about = frozenset(about)
        self.about_total = total

    def forget(self, what: str | None) -> None:
        """``what`` (a field's id) changed: a message about it is out of date."""
        if what is not None and what in self.about:
            self.clear_message()

    def total_changed(self, total: int | None) -> None:
        """The total was repriced: a message about another total is out of date."""
        if self.about_total is not None and total != self.about_total:
            self.clear_message()

    def clear_message(self) -> None:
        self.say(text="")

    def start_progress(self) -> None:
        """Paying: the progress appears and the column scrolls to it."""
        self.progress.display = True
        self.progress.start()
        self.scroll_end(animate=False)

    def hide_pay(self) -> None:
        self.query_one("#pay").display = False

    def offer_continue(self) -> None:
        button = self.query_one("#continue", Button)
        button.display = True
        button.focus()

    def withdraw_continue(self) -> None:
        self.query_one("#continue").display = False
