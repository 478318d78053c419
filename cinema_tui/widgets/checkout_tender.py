"""What the customer hands over: an optional phone, then cash or a card.

One widget owns the payment fields so that what they mean stays in one place: which
method is chosen, the cash amount read from digits 0–9 only, the expiry's slash put in as
it is typed (``ExpiryInput``), the quick cash buttons, and the ``Card``/``Cash`` handed
to ``book()``. Each field's label carries ``▸`` while the field has the focus
(``mark_focus``), so a clerk on a monochrome terminal still sees where typing goes.
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
from cinema_tui.widgets.payment_fields import FOCUS_MARK, NO_MARK, CardNumberInput, ExpiryInput

#: See the module's docstring: no Textual validation on these fields.
NO_VALIDATION: tuple[str, ...] = ()

#: The quick cash buttons, exact first.
QUICK_BUTTONS = ("cash-exact", "cash-round-1", "cash-round-2")

#: The fields where Enter pays (the last one of each method).
PAY_ON_ENTER = ("cash-tendered", "card-cvc")

#: The fields of each method (what switching method hides, what a refusal is about).
CARD_FIELDS = ("card-number", "card-expiry", "card-cvc")
CASH_FIELDS = ("cash-tendered",)

#: The keys the labels name, unless the checkout says otherwise (a remapped key).
DEFAULT_KEYS = {"cash": "F6", "card": "F7", "exact": "F9", "round_up": "F10"}

#: Each label and the widget it names (whose focus it shows), with its text's key.
LABELS = (
    ("phone-label", "phone", "checkout.phone"),
    ("tendered-label", "cash-tendered", "checkout.tendered"),
    ("card-number-label", "card-number", "checkout.card_number"),
    ("card-expiry-label", "card-expiry", "checkout.expiry"),
    ("cvc-label", "card-cvc", "checkout.cvc"),
)


class MethodButton(RadioButton):
    """A method's radio button whose dot is there only when it is chosen: on a
    monochrome screen both buttons would otherwise read "●", told apart by colour alone."""

    @property  # type: ignore[override]
    def BUTTON_INNER(self) -> str:  # Textual's name for the glyph
        return "●" if self.value else " "


class MethodChoice(RadioSet):
    """The radio set of the methods, which a key can also set at once (``choose``).

    Set from a key, a button's value would reach the set as a message, queued behind the
    keys typed after it; two quick F-keys (F6 then F7) then had the set's catching up
    undo the second. ``choose`` sets both buttons and the set's own idea of which is
    pressed in one go, without messages: the form already knows the method."""

    def choose(self, button_id: str) -> None:
        with self.prevent(RadioButton.Changed):
            for button in self.query(RadioButton):
                button.value = button.id == button_id
                if button.value:
                    self._pressed_button = button


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
        #: The id of the field whose label shows the focus mark (None: none of ours).
        self.focused_id: str | None = None
        #: The keys named in the labels, as bound now (the checkout passes them in).
        self.keys = dict(DEFAULT_KEYS)

    def compose(self) -> ComposeResult:
        with Horizontal(classes="field"):
            yield Label("", id="phone-label")
            yield Input(
                id="phone", compact=True, max_length=20, restrict=r"[0-9+\-(). ]*",
                validate_on=NO_VALIDATION,
            )
        yield Static("", id="method-label", classes="section")
        with Horizontal(id="method-row"):
            yield Static(NO_MARK, id="method-mark")
            with MethodChoice(id="pay-method", compact=True):
                yield MethodButton("", id="pay-card", value=True)
                yield MethodButton("", id="pay-cash")
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
                yield ExpiryInput(
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

    def relabel(self, keys: dict[str, str] | None = None) -> None:
        """(Re)write every label; values typed and the method chosen are untouched.

        ``keys`` are the keys named in the labels as bound now (see ``DEFAULT_KEYS``)."""
        if keys:
            self.keys.update(keys)
        t = self.tr
        self._mark_labels()
        self.query_one("#quick-hint", Static).update(
            t("checkout.quick_hint", exact=self.keys["exact"], round_up=self.keys["round_up"])
        )
        self.query_one("#card-hint", Static).update(t("checkout.test_cards"))
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

    def typed_payment(self) -> tuple[bool, bool]:
        """(card details typed, cash amount typed): what leaving would throw away."""
        card = any(self.field(f"#{name}").value for name in CARD_FIELDS)
        return card, bool(self.field("#cash-tendered").value)

    def forget_card_secrets(self) -> None:
        """The hold ran out: the card number and CVC are not kept on screen any longer
        than the sale they were typed for (the expiry, phone and cash stay)."""
        for selector in ("#card-number", "#card-cvc"):
            self.field(selector).clear()

    # --- where the focus is ---------------------------------------------------------------

    def mark_focus(self, widget_id: str | None) -> None:
        """Put ``▸`` on the label of the focused field (or of the method's radio set)."""
        if widget_id != self.focused_id:
            self.focused_id = widget_id
            self._mark_labels()

    def _mark_labels(self) -> None:
        t = self.tr

        def mark(widget_id: str) -> str:
            return FOCUS_MARK if widget_id == self.focused_id else NO_MARK

        for label_id, widget_id, key in LABELS:
            self.query_one(f"#{label_id}", Label).update(mark(widget_id) + t(key))
        self.query_one("#method-mark", Static).update(mark("pay-method"))
        self.query_one("#method-label", Static).update(
            t("checkout.method", cash=self.keys["cash"], card=self.keys["card"])
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
        """F6/F7: switch to cash or card and put the cursor in its first field.

        The focus moves now, not after a refresh (``Widget.focus`` waits for the app's
        queue, behind keys typed after the F-key): the digits that follow go to the
        field just chosen."""
        self.query_one(MethodChoice).choose("pay-cash" if method == "cash" else "pay-card")
        self.method = method
        self._show_method()
        self.screen.set_focus(self.field("#cash-tendered" if method == "cash" else "#card-number"))

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
        """A field changed (it bubbles on to the checkout, which forgets a message about
        it): it is no longer the one the backend refused."""
        event.input.remove_class("-invalid")
        if event.input.id == "cash-tendered":
            self.post_message(self.Changed())

    @on(Input.Submitted)
    def _input_submitted(self, event: Input.Submitted) -> None:
        """Enter in the last field of a method pays. (Enter in the other fields moves on
        before it reaches them: the checkout's priority ``next_field`` binding.)"""
        event.stop()
        if event.input.id in PAY_ON_ENTER:
            self.post_message(self.Submitted())
        else:
            self.screen.focus_next()
