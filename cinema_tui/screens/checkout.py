"""Checkout: ticket type per seat, the price, the customer's phone, cash or card, pay.

The seat map pushes this screen with the show and the hold. The hold's countdown runs in
the header; when it reaches zero the clerk is sent back to choose seats again. Paying
calls ``book()`` in a worker and then follows the booking's saga live (``BookingProgress``)
until the cinema has confirmed it, then shows the ticket. A refused payment leaves the
form as it was, on the same hold, so the clerk can try another card or cash.

Everything is reachable from the keyboard: Tab between fields, ←/→ (or 1/2/3) to pick a
seat's ticket type, F5/F6 for cash/card, F7/F9 for exact/rounded-up cash, Ctrl+S to pay,
Esc to go back to the seat map (the hold is kept).
"""

from __future__ import annotations

import asyncio
import math
from contextlib import aclosing
from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Button, Input, Label, RadioButton, RadioSet, Static

from backend.errors import (
    BoxOfficeError,
    HoldExpired,
    InvalidInput,
    PaymentDeclined,
    PaymentPending,
    PaymentUnavailable,
)
from backend.tender import Card, Cash
from backend.views import Booking, HoldInfo, ShowtimeSummary
from cinema_tui.app_text import AppText
from cinema_tui.errors import human_message
from cinema_tui.format import fit, hhmm
from cinema_tui.i18n import has, weekday
from cinema_tui.widgets.booking_progress import BookingProgress
from cinema_tui.widgets.footer import LocalFooter
from cinema_tui.widgets.payment_fields import CardNumberInput, TicketTypeRow
from cinema_tui.widgets.status_line import ServiceStatusLine

#: Ticket types in the order the backend deals them to seats (see ``backend.pricing``).
TYPE_ORDER = ("adult", "youth", "senior")

#: Steps the round-up quick amounts snap to (₩10,000 and ₩50,000 notes, ₩100,000).
ROUND_STEPS = (10_000, 50_000, 100_000)

#: The fields have no validators: Textual's own validation (on blur) would only mark them
#: valid, wiping the ``-invalid`` mark of a backend refusal that came back at once.
NO_VALIDATION: tuple[str, ...] = ()

#: Which field an InvalidInput message is about (the backend words them in English).
FIELD_HINTS = (
    ("security code", "#card-cvc"),
    ("cvc", "#card-cvc"),
    ("card number", "#card-number"),
    ("expir", "#card-expiry"),
    ("phone", "#phone"),
    ("cash", "#cash-tendered"),
    ("not enough", "#cash-tendered"),
)


#: Which field a keyed backend error is about (``BoxOfficeError.key`` prefixes).
FIELD_KEYS = (
    ("card.", "#card-number"),
    ("expiry.", "#card-expiry"),
    ("cvc", "#card-cvc"),
    ("phone", "#phone"),
    ("cash.", "#cash-tendered"),
)


def field_for(message: str, key: str | None = None) -> str | None:
    """The id of the field an input error is about, if it can be told (by its key first)."""
    for prefix, field_id in FIELD_KEYS:
        if key and key.startswith(prefix):
            return field_id
    lowered = message.lower()
    for hint, field_id in FIELD_HINTS:
        if hint in lowered:
            return field_id
    return None


def quick_amounts(total: int) -> list[int]:
    """Exact, then round-ups to the next ₩10,000 / ₩50,000 / ₩100,000 (distinct, sorted)."""
    amounts = {total}
    for step in ROUND_STEPS:
        amounts.add(max(step, math.ceil(total / step) * step))
    ups = sorted(a for a in amounts if a > total)
    while len(ups) < 2:  # an exact ₩100,000 total still gets two round-ups
        ups.append((ups[-1] if ups else total) + 50_000)
    return [total, *ups[:2]]


def digits_of(text: str) -> int | None:
    """The number in ``text``, read from its digits 0–9 only (``isdigit`` takes ４ too)."""
    digits = "".join(ch for ch in text if "0" <= ch <= "9")
    return int(digits) if digits else None


class CheckoutScreen(AppText, Screen[str | None]):
    """Sell the held seats. Dismissed with None (back), "expired" or "rejected"."""

    DEFAULT_CSS = """
    CheckoutScreen #checkout-header {
        height: 1;
        background: $primary;
    }
    CheckoutScreen #checkout-heading {
        width: 1fr;
    }
    CheckoutScreen #hold-countdown {
        width: auto;
        padding: 0 1;
        background: $primary;
        text-style: bold;
    }
    CheckoutScreen #hold-countdown.-low {
        background: $warning;
        color: $text;
    }
    CheckoutScreen #hold-countdown.-over {
        background: $error;
    }
    CheckoutScreen #hold-countdown.-sold {
        background: $success;
    }
    CheckoutScreen #checkout-body {
        height: 1fr;
    }
    CheckoutScreen #checkout-form {
        width: 1fr;
        padding: 0 1;
    }
    CheckoutScreen #checkout-side {
        width: 36;
        padding: 0 1;
        border-left: vkey $panel-lighten-2;
    }
    CheckoutScreen #checkout-summary {
        margin-bottom: 1;
    }
    CheckoutScreen .section {
        color: $text-accent;
        text-style: bold;
        height: 1;
    }
    CheckoutScreen #ticket-types {
        height: auto;
        margin-bottom: 1;
    }
    CheckoutScreen .field {
        height: 1;
        margin-bottom: 1;
    }
    CheckoutScreen .field > Label {
        width: 10;
        color: $text-muted;
    }
    CheckoutScreen .field > Input {
        width: 1fr;
    }
    CheckoutScreen #card-expiry {
        width: 8;
    }
    CheckoutScreen #card-cvc {
        width: 6;
    }
    CheckoutScreen .field > .gap {
        width: 2;
    }
    CheckoutScreen #cvc-label {
        width: 5;
    }
    CheckoutScreen #pay-method {
        layout: horizontal;
        height: 1;
        width: auto;
        margin-bottom: 1;
    }
    CheckoutScreen #pay-method > RadioButton {
        width: auto;
        margin-right: 2;
    }
    CheckoutScreen #cash-panel, CheckoutScreen #card-panel {
        height: auto;
    }
    CheckoutScreen #cash-quick {
        height: 1;
        margin-bottom: 1;
    }
    CheckoutScreen #cash-quick > Button {
        margin-right: 1;
        min-width: 8;
    }
    CheckoutScreen .co-hint {
        height: auto;
        color: $text-muted;
    }
    CheckoutScreen #price-breakdown {
        height: auto;
    }
    CheckoutScreen #total {
        text-style: bold;
        height: 1;
        border-top: solid $panel-lighten-2;
        height: 2;
    }
    CheckoutScreen #change {
        height: 1;
    }
    CheckoutScreen #change.-short {
        color: $error;
    }
    CheckoutScreen #change.-ok {
        color: $success;
        text-style: bold;
    }
    CheckoutScreen #pay, CheckoutScreen #continue {
        width: 100%;
        margin-top: 1;
    }
    CheckoutScreen #checkout-message {
        height: auto;
    }
    CheckoutScreen #checkout-message.-error {
        color: $error;
    }
    CheckoutScreen #checkout-message.-ok {
        color: $success;
    }
    """

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
        super().__init__()
        self.show = show
        self.hold = hold
        self.method = "card"
        self.total: int | None = None
        self.paying = False  # book() or the follow-up is running
        self.sold: Booking | None = None  # set once book() returned PAID
        self.leaving = False
        self._waiting_timer: Timer | None = None
        self._countdown: Timer | None = None

    # --- layout -----------------------------------------------------------------------------

    @property
    def types(self) -> tuple[str, ...]:
        try:
            known = tuple(self.app.office.catalog.ticket_types)  # type: ignore[attr-defined]
        except BoxOfficeError:
            known = TYPE_ORDER
        return tuple(t for t in TYPE_ORDER if t in known) + tuple(
            t for t in known if t not in TYPE_ORDER
        )

    def compose(self) -> ComposeResult:
        types = self.types or TYPE_ORDER
        with Horizontal(id="checkout-header"):
            yield Static("", id="checkout-heading", classes="heading")
            yield Static("", id="hold-countdown")
        with Horizontal(id="checkout-body"):
            with VerticalScroll(id="checkout-form"):
                yield Static("", id="checkout-summary")
                yield Static("", id="tickets-label", classes="section")
                with Vertical(id="ticket-types"):
                    for seat in self.hold.seats:
                        yield TicketTypeRow(seat, types, id=f"ticket-{seat}")
                with Horizontal(classes="field"):
                    yield Label("", id="phone-label")
                    yield Input(
                        id="phone", compact=True, max_length=20, restrict=r"[0-9+\-(). ]*",
                        validate_on=NO_VALIDATION,
                    )
                yield Static("", id="method-label", classes="section")
                with RadioSet(id="pay-method", compact=True):
                    yield RadioButton("", id="pay-card", value=True)
                    yield RadioButton("", id="pay-cash")
                with Vertical(id="cash-panel"):
                    with Horizontal(classes="field"):
                        yield Label("", id="tendered-label")
                        yield Input(
                            id="cash-tendered", compact=True, max_length=12, restrict=r"[0-9,]*",
                            validate_on=NO_VALIDATION,
                        )
                    with Horizontal(id="cash-quick"):
                        yield Button("", id="cash-exact", compact=True)
                        yield Button("", id="cash-round-1", compact=True)
                        yield Button("", id="cash-round-2", compact=True)
                    yield Static("", id="quick-hint", classes="co-hint")
                with Vertical(id="card-panel"):
                    with Horizontal(classes="field"):
                        yield Label("", id="card-number-label")
                        yield CardNumberInput(
                            id="card-number", compact=True, max_length=23, restrict=r"[0-9 \-]*",
                            validate_on=NO_VALIDATION,
                            placeholder="•••• •••• •••• ••••",
                        )
                    with Horizontal(classes="field"):
                        yield Label("", id="card-expiry-label")
                        yield Input(
                            id="card-expiry", compact=True, max_length=7, restrict=r"[0-9/]*",
                            validate_on=NO_VALIDATION,
                            placeholder="MM/YY",
                        )
                        yield Static("", classes="gap")
                        yield Label("", id="cvc-label")
                        yield Input(
                            id="card-cvc", compact=True, max_length=4, restrict=r"[0-9]*",
                            validate_on=NO_VALIDATION,
                            password=True, placeholder="•••",
                        )
                    yield Static("", id="card-hint", classes="co-hint")
            with VerticalScroll(id="checkout-side"):
                yield Static("", id="breakdown-label", classes="section")
                yield Static("", id="price-breakdown")
                yield Static("", id="total")
                yield Static("", id="change")
                yield Button("", id="pay", variant="success", compact=True)
                yield Button("", id="continue", variant="primary", compact=True)
                yield Static("", id="checkout-message")
                yield BookingProgress(id="booking-progress")
        yield ServiceStatusLine(id="status-line")
        yield LocalFooter()

    def on_mount(self) -> None:
        # Tab goes field to field; the panes scroll to whatever has focus.
        self.query_one("#checkout-form").can_focus = False
        self.query_one("#checkout-side").can_focus = False
        self.query_one("#continue").display = False
        self.query_one("#booking-progress").display = False
        self._texts()
        self._show_method()
        self._reprice()
        self._tick()
        self._countdown = self.set_interval(1.0, self._tick)
        first = self.query(TicketTypeRow).first() if self.hold.seats else None
        (first or self.query_one("#phone", Input)).focus()

    # --- text in the current language -------------------------------------------------------

    def _won(self, amount: int | None) -> str:
        return self.app.won(amount)  # type: ignore[attr-defined]

    def _texts(self) -> None:
        """(Re)write every label; input values and choices are untouched."""
        t = self.tr
        self.query_one("#checkout-heading", Static).update(
            f"{t('app.title')} · {t('checkout.heading')}"
        )
        self.query_one("#checkout-summary", Static).update(self._summary())
        self.query_one("#tickets-label", Static).update(t("checkout.tickets"))
        self.query_one("#phone-label", Label).update(t("checkout.phone"))
        self.query_one("#phone", Input).placeholder = t("checkout.phone_hint")
        self.query_one("#method-label", Static).update(t("checkout.method"))
        self.query_one("#pay-card", RadioButton).label = t("checkout.card")
        self.query_one("#pay-cash", RadioButton).label = t("checkout.cash")
        self.query_one("#tendered-label", Label).update(t("checkout.tendered"))
        self.query_one("#cash-tendered", Input).placeholder = t("checkout.tendered_hint")
        self.query_one("#quick-hint", Static).update(t("checkout.quick_hint"))
        self.query_one("#card-number-label", Label).update(t("checkout.card_number"))
        self.query_one("#card-expiry-label", Label).update(t("checkout.expiry"))
        self.query_one("#cvc-label", Label).update(t("checkout.cvc"))
        self.query_one("#card-hint", Static).update(t("checkout.test_cards"))
        self.query_one("#breakdown-label", Static).update(t("checkout.breakdown"))
        self.query_one("#pay", Button).label = t("checkout.pay")
        self.query_one("#continue", Button).label = t("checkout.continue")
        for row in self.query(TicketTypeRow):
            row.refresh()
        self.query_one(BookingProgress).refresh_language()

    def _summary(self) -> Text:
        show = self.show
        lang = self.app.lang  # type: ignore[attr-defined]
        tz = self.app.tz  # type: ignore[attr-defined]
        start = show.starts_at.astimezone(tz)
        text = Text()
        text.append(f"{self.tr('rating.' + show.rating)} ", style="bold")
        text.append(show.title if lang == "ko" else show.title_en, style="bold")
        text.append(f"\n{show.hall if lang == 'ko' else show.hall_en} · ")
        text.append(f"{start:%m/%d} {weekday(lang, start.weekday())} ")
        text.append(f"{hhmm(show.starts_at, tz)}–{hhmm(show.ends_at, tz)}", style="bold")
        text.append("\n")
        text.append(
            self.tr("checkout.seats", seats=", ".join(self.hold.seats), n=len(self.hold.seats))
        )
        return text

    async def refresh_language(self) -> None:
        """Relabel in place: what the clerk typed and chose stays."""
        self._texts()
        self._reprice()
        self._tick()
        footer = self.query_one(LocalFooter)
        footer.call_later(footer.recompose)  # in the footer's own context (it binds data)

    # --- the hold's countdown ----------------------------------------------------------------

    def _tick(self) -> None:
        label = self.query_one("#hold-countdown", Static)
        if self.sold is not None:
            label.set_classes("-sold")
            label.update(f"✔ {self.tr('checkout.hold_sold')}")
            return
        now = self.app.office.clock.now()  # type: ignore[attr-defined]
        remaining = max(0, math.ceil((self.hold.expires_at - now).total_seconds()))
        minutes, seconds = divmod(remaining, 60)
        label.update(f"{self.tr('checkout.hold', time=f'{minutes:02d}:{seconds:02d}')}")
        label.set_class(0 < remaining <= 60, "-low")
        label.set_class(remaining == 0, "-over")
        if remaining == 0 and not self.paying and not self.leaving:
            self.app.notify(self.tr("err.hold_expired"), severity="warning", timeout=8)
            self._leave("expired")

    def _leave(self, result: str | None) -> None:
        """Back to the seat map (``dismiss`` pops the top screen: wait until that is us)."""
        if self.leaving:
            return
        if not self.is_current:
            self.set_timer(0.5, lambda: self._leave(result))
            return
        self.leaving = True
        if self._countdown is not None:
            self._countdown.stop()
        self.dismiss(result)

    # --- ticket types and price ----------------------------------------------------------

    def chosen(self) -> dict[str, str]:
        """Seat -> ticket type, as the clerk set them."""
        return {row.seat: row.kind for row in self.query(TicketTypeRow)}

    def tickets(self) -> dict[str, int]:
        """Ticket type -> count, the way ``book()`` wants it (no zero counts)."""
        chosen = list(self.chosen().values())
        return {kind: chosen.count(kind) for kind in self.types if kind in chosen}

    def _quote(self) -> tuple[dict[str, int], int]:
        """Each seat's price and the total.

        The backend deals ticket types to seats in a fixed order (adult, youth, senior),
        so the seats are handed to ``quote`` sorted that way: each line's type is then the
        one the clerk chose for that seat. The total does not depend on the order.
        """
        chosen = self.chosen()
        order = {kind: i for i, kind in enumerate(self.types)}
        seats = sorted(
            self.hold.seats, key=lambda s: (order.get(chosen[s], 99), self.hold.seats.index(s))
        )
        quote = self.app.office.quote(self.show.id, seats, self.tickets())  # type: ignore[attr-defined]
        return {line.seat: line.price for line in quote.lines}, quote.total

    def _reprice(self) -> None:
        try:
            prices, total = self._quote()
        except Exception as exc:  # noqa: BLE001 - office stopping or a bad seat: say so
            self.total = None
            lang = self.app.lang  # type: ignore[attr-defined]
            error = self.tr("checkout.price_error", error=human_message(exc, lang))
            self.query_one("#price-breakdown", Static).update(Text(error, style="red"))
            self.query_one("#total", Static).update("")
            return
        self.total = total
        chosen = self.chosen()
        for row in self.query(TicketTypeRow):
            row.price = prices.get(row.seat)
        self.query_one("#price-breakdown", Static).update(self._breakdown(chosen, prices))
        total_text = Text()
        total_text.append(f"{self.tr('checkout.total')} ", style="bold")
        total_text.append(self._won(total), style="bold reverse")
        self.query_one("#total", Static).update(total_text)
        labels = [self.tr("checkout.exact"), None, None]
        for button_id, amount, label in zip(
            ("#cash-exact", "#cash-round-1", "#cash-round-2"), quick_amounts(total), labels
        ):
            button = self.query_one(button_id, Button)
            button.label = f"{label} {self._won(amount)}" if label else self._won(amount)
            button.amount = amount  # type: ignore[attr-defined]
        self._update_change()

    def _breakdown(self, chosen: dict[str, str], prices: dict[str, int]) -> Text:
        """One line per seat; grouped by type and price when there are many seats."""
        text = Text(no_wrap=True, overflow="ellipsis")

        def name(kind: str) -> str:
            return self.tr(f"ticket.{kind}") if has(f"ticket.{kind}") else kind

        seats = self.hold.seats
        if len(seats) <= 5:
            for seat in seats:
                if text:
                    text.append("\n")
                text.append(f"{seat:<5}{fit(name(chosen[seat]), 9)}")
                text.append(f"{self._won(prices.get(seat)):>10}")
            return text
        groups: dict[tuple[str, int], list[str]] = {}
        for seat in seats:
            groups.setdefault((chosen[seat], prices.get(seat, 0)), []).append(seat)
        order = {kind: i for i, kind in enumerate(self.types)}
        for (kind, price), group in sorted(
            groups.items(), key=lambda item: (order.get(item[0][0], 99), item[0][1])
        ):
            if text:
                text.append("\n")
            text.append(f"{name(kind)} ×{len(group)} @ {self._won(price)}")
            text.append(f"  = {self._won(price * len(group))}", style="bold")
            text.append(f"\n  {', '.join(group)}", style="dim")
        return text

    @on(TicketTypeRow.Changed)
    def _type_changed(self) -> None:
        self._reprice()

    # --- payment method and cash ---------------------------------------------------------

    def _show_method(self) -> None:
        self.query_one("#cash-panel").display = self.method == "cash"
        self.query_one("#card-panel").display = self.method == "card"
        self.query_one("#change").display = self.method == "cash"
        self._update_change()

    @on(RadioSet.Changed, "#pay-method")
    def _method_changed(self, event: RadioSet.Changed) -> None:
        self.method = "cash" if event.pressed.id == "pay-cash" else "card"
        self._show_method()

    def action_method(self, method: str) -> None:
        if self.paying or self.sold is not None:
            return
        button = self.query_one("#pay-cash" if method == "cash" else "#pay-card", RadioButton)
        button.value = True
        self.method = method
        self._show_method()
        self.query_one("#cash-tendered" if method == "cash" else "#card-number", Input).focus()

    def tendered(self) -> int | None:
        return digits_of(self.query_one("#cash-tendered", Input).value)

    def _update_change(self) -> None:
        label = self.query_one("#change", Static)
        tendered = self.tendered()
        label.set_class(False, "-short")
        label.set_class(False, "-ok")
        if self.total is None:
            label.update("")
        elif tendered is None:
            label.update(self.tr("checkout.enter_cash"))
        elif tendered < self.total:
            label.add_class("-short")
            label.update(self.tr("checkout.not_enough", amount=self._won(self.total - tendered)))
        else:
            label.add_class("-ok")
            label.update(self.tr("checkout.change", amount=self._won(tendered - self.total)))

    def _set_tendered(self, amount: int) -> None:
        field = self.query_one("#cash-tendered", Input)
        field.value = str(amount)
        field.cursor_position = len(field.value)
        self._update_change()

    def action_cash_exact(self) -> None:
        if self.total is None or self.paying or self.sold is not None:
            return
        self.action_method("cash")
        self._set_tendered(self.total)

    def action_cash_round_up(self) -> None:
        """The next quick amount above what is typed (round-ups, then back to exact)."""
        if self.total is None or self.paying or self.sold is not None:
            return
        self.action_method("cash")
        current = self.tendered() or 0
        amounts = quick_amounts(self.total)
        higher = [a for a in amounts[1:] if a > current]
        self._set_tendered(higher[0] if higher else amounts[0])

    @on(Button.Pressed, "#cash-exact, #cash-round-1, #cash-round-2")
    def _quick_cash(self, event: Button.Pressed) -> None:
        amount = getattr(event.button, "amount", None)
        if amount is not None:
            self._set_tendered(amount)

    @on(Input.Changed)
    def _input_changed(self, event: Input.Changed) -> None:
        event.input.remove_class("-invalid")
        if event.input.id == "cash-tendered":
            self._update_change()
        elif event.input.id == "card-expiry":
            value = event.value
            # 1230 → 12/30 as it is typed
            if "/" not in value and len(value) >= 3 and value.isascii() and value.isdigit():
                event.input.value = f"{value[:2]}/{value[2:]}"
                event.input.cursor_position = len(event.input.value)

    @on(Input.Submitted)
    def _input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id in ("cash-tendered", "card-cvc"):
            self.action_pay()
        else:
            self.focus_next()

    # --- paying ---------------------------------------------------------------------------------

    def payment(self) -> Card | Cash:
        if self.method == "cash":
            return Cash(self.tendered() or 0)
        return Card(
            self.query_one("#card-number", Input).value,
            self.query_one("#card-expiry", Input).value,
            self.query_one("#card-cvc", Input).value,
        )

    def _message(self, text: str, kind: str = "") -> None:
        label = self.query_one("#checkout-message", Static)
        label.set_class(kind == "error", "-error")
        label.set_class(kind == "ok", "-ok")
        label.update(text)

    def _set_busy(self, busy: bool) -> None:
        """While paying, the form cannot change under the payment."""
        self.paying = busy
        for selector in ("#checkout-form", "#pay"):
            self.query_one(selector).disabled = busy

    @on(Button.Pressed, "#pay")
    def _pay_pressed(self) -> None:
        self.action_pay()

    @on(Button.Pressed, "#continue")
    def _continue_pressed(self) -> None:
        self.action_continue()

    def action_pay(self) -> None:
        if self.sold is not None:
            self.action_continue()
            return
        if self.paying:
            self.app.notify(self.tr("checkout.busy"), severity="warning", timeout=3)
            return
        self.pay()

    @work(exclusive=True, exit_on_error=False, group="pay")
    async def pay(self) -> None:
        office = self.app.office  # type: ignore[attr-defined]
        progress = self.query_one(BookingProgress)
        tickets = self.tickets()
        payment = self.payment()
        phone = self.query_one("#phone", Input).value.strip() or None
        self._set_busy(True)
        progress.display = True
        progress.start()
        self._message(self.tr("checkout.paying"))
        self.query_one("#checkout-side", VerticalScroll).scroll_end(animate=False)
        booking: Booking | None = None
        try:
            booking = await office.book(self.hold.id, tickets=tickets, payment=payment, phone=phone)
        except PaymentDeclined as exc:
            progress.fail("PaymentCaptured", exc.reason, exc.booking_id)
            self._problem(exc, "#card-number" if self.method == "card" else None)
        except PaymentUnavailable as exc:
            progress.fail("PaymentCaptured", "unavailable", exc.booking_id)
            self._problem(exc, None)
        except PaymentPending as exc:
            # The outcome is being reconciled: follow the booking until it is decided.
            self._problem(exc, None)
            try:
                booking = await self._settle_pending(exc.booking_code)
            except Exception as follow_exc:  # noqa: BLE001
                self._problem(follow_exc, None)
        except HoldExpired as exc:
            progress.stop()
            self.app.show_error(exc)  # type: ignore[attr-defined]
            self._set_busy(False)
            self._leave("expired")
            return
        except InvalidInput as exc:
            progress.display = False
            progress.stop()
            self._problem(exc, field_for(str(exc), getattr(exc, "key", None)))
        except Exception as exc:  # noqa: BLE001 - every failure becomes a message
            progress.stop()
            self._problem(exc, None)
        if booking is None:
            self._set_busy(False)
            return
        await self._after_paid(booking)

    def _problem(self, exc: BaseException, field_id: str | None) -> None:
        """Tell the clerk, keep the form, put the cursor where the fix goes."""
        self.app.show_error(exc)  # type: ignore[attr-defined]
        self._message(human_message(exc, self.app.lang), "error")  # type: ignore[attr-defined]
        self._set_busy(False)
        if field_id is not None:
            try:
                field = self.query_one(field_id, Input)
            except Exception:  # noqa: BLE001 - not a field on this screen
                return
            if field_id == "#cash-tendered" and self.method != "cash":
                return
            field.add_class("-invalid")
            field.focus()

    async def _settle_pending(self, code: str) -> Booking | None:
        """After PaymentPending: wait for the sweeper to decide, then carry on or not."""
        office = self.app.office  # type: ignore[attr-defined]
        progress = self.query_one(BookingProgress)
        self._set_busy(True)
        async with aclosing(office.watch_booking(code)) as stream:
            async for booking in stream:
                progress.set_booking(booking)
                if booking.status in ("PAID", "COMPLETED"):
                    return booking
                if booking.status == "FAILED":
                    progress.fail("PaymentCaptured", booking.reason or "failed")
                    self._message(booking.reason or self.tr("status.FAILED"), "error")
                    return None
        return None

    async def _after_paid(self, booking: Booking) -> None:
        """Paid: follow the saga live until the cinema has confirmed, then the ticket."""
        office = self.app.office  # type: ignore[attr-defined]
        progress = self.query_one(BookingProgress)
        self.sold = booking
        self.paying = True
        self._tick()
        progress.set_booking(booking)
        self._message(self.tr("checkout.paid"), "ok")
        self.query_one("#pay").display = False
        if await self._cinema_down():
            self._waiting_for_cinema()
        else:
            self._waiting_timer = self.set_timer(3.0, self._waiting_for_cinema)
        latest = booking
        try:
            async with aclosing(office.watch_booking(booking.code)) as stream:
                async for current in stream:
                    latest = current
                    self.sold = current
                    progress.set_booking(current)
                    if current.status in ("REJECTING", "REJECTED"):
                        self._rejected()
                    if current.status == "COMPLETED" and progress.completed:
                        break
        except Exception as exc:  # noqa: BLE001 - the sale is made; only the view failed
            self.app.show_error(exc)  # type: ignore[attr-defined]
            self._waiting_for_cinema()
            return
        if latest.status != "COMPLETED":
            return
        if self._waiting_timer is not None:
            self._waiting_timer.stop()
        progress.stop()
        self._message(self.tr("checkout.completed"), "ok")
        await asyncio.sleep(0.6)  # let the clerk see the last tick
        self._to_ticket(latest)

    async def _cinema_down(self) -> bool:
        try:
            health = await self.app.office.health()  # type: ignore[attr-defined]
        except Exception:  # noqa: BLE001 - unknown: assume it may be slow
            return False
        cinema = health.get("cinema")
        return cinema is not None and not cinema.ready

    def _waiting_for_cinema(self) -> None:
        """The sale is safe at PAID; the clerk need not wait for the cinema."""
        if self.sold is None or self.sold.status in ("COMPLETED", "REJECTING", "REJECTED"):
            return
        self._message(self.tr("checkout.waiting_cinema"))
        self.paying = False
        button = self.query_one("#continue", Button)
        button.display = True
        button.focus()

    def _rejected(self) -> None:
        if self._waiting_timer is not None:
            self._waiting_timer.stop()
        self.paying = False
        self.query_one("#continue").display = False
        self._message(self.tr("checkout.rejected"), "error")

    def action_continue(self) -> None:
        if self.sold is None or self.sold.status in ("REJECTING", "REJECTED"):
            return
        self._to_ticket(self.sold)

    def _to_ticket(self, booking: Booking) -> None:
        """The ticket. Run by the app: leaving this screen cancels this screen's workers."""
        if self.leaving:
            return
        self.leaving = True
        if self._countdown is not None:
            self._countdown.stop()
        self.app.run_worker(
            self.app.show_ticket(booking),  # type: ignore[attr-defined]
            name="show-ticket",
            exit_on_error=False,
        )

    def action_back(self) -> None:
        if self.sold is not None:  # the sale is made: Esc moves on, as Enter does
            if self.sold.status in ("REJECTING", "REJECTED"):
                self._leave("rejected")
            else:
                self.action_continue()
            return
        if self.paying:
            self.app.notify(self.tr("checkout.busy"), severity="warning", timeout=3)
            return
        self._leave(None)

    async def action_leave(self, action: str) -> None:
        """F2/F3/F4 go where they always go, but not while a payment is being decided:
        leaving then would hide the outcome of a charge from the clerk."""
        if self.paying and self.sold is None:
            self.app.notify(self.tr("checkout.busy"), severity="warning", timeout=3)
            return
        await self.app.run_action(action)

    def check_action(self, action: str, parameters: tuple[Any, ...]) -> bool | None:
        if action in ("method", "cash_exact", "cash_round_up") and (
            self.paying or self.sold is not None
        ):
            return None  # greyed out in the footer while a payment runs
        return True
