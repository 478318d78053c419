"""What the customer hands over: an optional phone, then cash or a card.

One widget owns the payment fields so that what they mean stays in one place: which
method is chosen, the cash amount read from digits 0–9 only, the expiry's slash put in as
it is typed, the quick cash buttons, and the ``Card``/``Cash`` handed to ``book()``.
The fields carry no validators: Textual's own validation (on blur) would only mark them
valid, wiping the ``-invalid`` mark of a backend refusal that came back at once. The
backend checks what was typed; ``mark_invalid`` shows where it found fault.

It tells the checkout what changed with messages (``Changed`` for the method or the cash
amount, ``Submitted`` for Enter in the last field of a method) and never pays itself.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalGroup
from textual.message import Message
from textual.widgets import Button, Input, Label, RadioButton, RadioSet, Static

from backend.api import Card, Cash
from cinema_tui.app_text import AppText
from cinema_tui.sale_rules import digits_of
from cinema_tui.widgets.payment_fields import CardNumberInput

#: See the module's docstring: no Textual validation on these fields.
NO_VALIDATION: tuple[str, ...] = ()

#: The quick cash buttons, exact first.
QUICK_BUTTONS = ("cash-exact", "cash-round-1", "cash-round-2")

#: The fields where Enter pays (the last one of each method).
PAY_ON_ENTER = ("cash-tendered", "card-cvc")


class TenderForm(AppText, VerticalGroup):
    """Phone, payment method, and the cash or card fields of the chosen method."""

    class Changed(Message):
        """The method or the cash amount changed (the change due may differ)."""

    class Submitted(Message):
        """Enter in the last field of the chosen method: the clerk wants to pay."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.method = "card"
        self._quick: dict[str, int] = {}

    def compose(self) -> ComposeResult:
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
                for button_id in QUICK_BUTTONS:
                    yield Button("", id=button_id, compact=True)
            yield Static("", id="quick-hint", classes="co-hint")
        with Vertical(id="card-panel"):
            with Horizontal(classes="field"):
                yield Label("", id="card-number-label")
                yield CardNumberInput(
                    id="card-number", compact=True, max_length=23, restrict=r"[0-9 \-]*",
                    validate_on=NO_VALIDATION, placeholder="•••• •••• •••• ••••",
                )
            with Horizontal(classes="field"):
                yield Label("", id="card-expiry-label")
                yield Input(
                    id="card-expiry", compact=True, max_length=7, restrict=r"[0-9/]*",
                    validate_on=NO_VALIDATION, placeholder="MM/YY",
                )
                yield Static("", classes="gap")
                yield Label("", id="cvc-label")
                yield Input(
                    id="card-cvc", compact=True, max_length=4, restrict=r"[0-9]*",
                    validate_on=NO_VALIDATION, password=True, placeholder="•••",
                )
            yield Static("", id="card-hint", classes="co-hint")

    def on_mount(self) -> None:
        self._show_method()

    def relabel(self) -> None:
        """(Re)write every label; values typed and the method chosen are untouched."""
        t = self.tr
        for selector, key in (
            ("#phone-label", "checkout.phone"), ("#tendered-label", "checkout.tendered"),
            ("#card-number-label", "checkout.card_number"),
            ("#card-expiry-label", "checkout.expiry"), ("#cvc-label", "checkout.cvc"),
        ):
            self.query_one(selector, Label).update(t(key))
        for selector, key in (
            ("#method-label", "checkout.method"), ("#quick-hint", "checkout.quick_hint"),
            ("#card-hint", "checkout.test_cards"),
        ):
            self.query_one(selector, Static).update(t(key))
        self.field("#phone").placeholder = t("checkout.phone_hint")
        self.field("#cash-tendered").placeholder = t("checkout.tendered_hint")
        self.query_one("#pay-card", RadioButton).label = t("checkout.card")
        self.query_one("#pay-cash", RadioButton).label = t("checkout.cash")

    # --- what was typed -------------------------------------------------------------------

    def field(self, selector: str) -> Input:
        return self.query_one(selector, Input)

    def phone(self) -> str | None:
        return self.field("#phone").value.strip() or None

    def tendered(self) -> int | None:
        return digits_of(self.field("#cash-tendered").value)

    def payment(self) -> Card | Cash:
        """The tender of the chosen method, as typed (the backend checks it)."""
        if self.method == "cash":
            return Cash(self.tendered() or 0)
        return Card(
            self.field("#card-number").value,
            self.field("#card-expiry").value,
            self.field("#card-cvc").value,
        )

    def mark_invalid(self, selector: str) -> None:
        """The backend refused this field: mark it and put the cursor there.

        A cash refusal while paying by card is not about a field the clerk can see."""
        if selector == "#cash-tendered" and self.method != "cash":
            return
        try:
            field = self.field(selector)
        except Exception:  # noqa: BLE001 - not a field of this form
            return
        field.add_class("-invalid")
        field.focus()

    # --- the method -----------------------------------------------------------------------

    def choose(self, method: str) -> None:
        """F5/F6: switch to cash or card and put the cursor in its first field."""
        button = self.query_one("#pay-cash" if method == "cash" else "#pay-card", RadioButton)
        button.value = True
        self.method = method
        self._show_method()
        self.field("#cash-tendered" if method == "cash" else "#card-number").focus()

    def _show_method(self) -> None:
        self.query_one("#cash-panel").display = self.method == "cash"
        self.query_one("#card-panel").display = self.method == "card"
        self.post_message(self.Changed())

    @on(RadioSet.Changed, "#pay-method")
    def _method_changed(self, event: RadioSet.Changed) -> None:
        event.stop()
        self.method = "cash" if event.pressed.id == "pay-cash" else "card"
        self._show_method()

    # --- cash -----------------------------------------------------------------------------

    def set_tendered(self, amount: int) -> None:
        field = self.field("#cash-tendered")
        field.value = str(amount)  # Input.Changed follows, and with it Changed
        field.cursor_position = len(field.value)

    def set_quick_amounts(self, amounts: list[int], labels: list[str]) -> None:
        """The quick cash buttons: exact, then two round-ups."""
        for button_id, amount, label in zip(QUICK_BUTTONS, amounts, labels):
            self.query_one(f"#{button_id}", Button).label = label
            self._quick[button_id] = amount

    @on(Button.Pressed, "#cash-exact, #cash-round-1, #cash-round-2")
    def _quick_cash(self, event: Button.Pressed) -> None:
        event.stop()
        amount = self._quick.get(event.button.id or "")
        if amount is not None:
            self.set_tendered(amount)

    # --- typing ---------------------------------------------------------------------------

    @on(Input.Changed)
    def _input_changed(self, event: Input.Changed) -> None:
        event.input.remove_class("-invalid")
        if event.input.id == "cash-tendered":
            self.post_message(self.Changed())
        elif event.input.id == "card-expiry":
            value = event.value
            # 1230 → 12/30 as it is typed
            if "/" not in value and len(value) >= 3 and value.isascii() and value.isdigit():
                event.input.value = f"{value[:2]}/{value[2:]}"
                event.input.cursor_position = len(event.input.value)

    @on(Input.Submitted)
    def _input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id in PAY_ON_ENTER:
            self.post_message(self.Submitted())
        else:
            self.screen.focus_next()
