"""The checkout's own input widgets: a card number that masks itself, an expiry that
writes its slash, a ticket-type row.

A card number field shows only the last four digits as they are typed and never offers
its value to the clipboard. The expiry puts in its slash while the key is handled
(``1230`` becomes ``12/30``), not later from a message, so keys that arrive together are
never reordered by it. A ticket-type row is one seat and its type, changed only with
←/→: digits and space once turned Adult into Youth unnoticed when a clerk meant to type a
phone number, so now they leave the type alone and the row asks for Tab instead
(``NotAType``). Up/down move to the next field before the next key is routed
(priority bindings), and the focused row shows ``▸`` so focus is visible without colour.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import events, getters
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget
from textual.widgets import Input

from cinema_tui.app import BoxOfficeApp
from cinema_tui.format import fit
from cinema_tui.i18n import has


class CardNumberInput(Input):
    """A card number field that shows only the last four digits as they are typed."""

    @property
    def _value(self) -> Text:
        value = self.value
        total = sum(ch.isdigit() for ch in value)
        seen = 0
        masked = []
        for ch in value:
            if ch.isdigit():
                seen += 1
                masked.append(ch if seen > total - 4 else "•")
            else:
                masked.append(ch)
        return Text("".join(masked), no_wrap=True, overflow="ignore", end="")

    def action_copy(self) -> None:  # never put a card number on the clipboard
        return

    def action_cut(self) -> None:
        return


class ExpiryInput(Input):
    """MM/YY, with the slash put in as the digits are typed (``1230`` → ``12/30``).

    Done in ``replace`` (which every typed key and paste goes through), so the value is
    right before the next key is handled; a handler of ``Changed`` would run after keys
    already queued behind this one and could write an old value over them."""

    def replace(self, text: str, start: int, end: int) -> None:
        super().replace(text, start, end)
        value = self.value
        if "/" not in value and len(value) >= 3 and value.isascii() and value.isdigit():
            self.value = f"{value[:2]}/{value[2:]}"
            self.cursor_position = len(self.value)


#: Drawn before the focused row or field label, so focus shows on a monochrome screen.
FOCUS_MARK = "▸ "
NO_MARK = "  "


class TicketTypeRow(Widget, can_focus=True):
    """One seat and its ticket type; ←/→ change it, nothing else does."""

    DEFAULT_CSS = """
    TicketTypeRow {
        height: 1;
        width: 1fr;
    }
    TicketTypeRow:focus {
        background: $accent 30%;
        text-style: bold;
    }
    """

    # All priority: they act on the row that has the focus when the key arrives. (A plain
    # binding is looked up once the key has bubbled back to the app, against whatever has
    # the focus by then: → typed just before ↓ changed the next row's type.) And ↓/↑
    # move the focus before the keys typed after them are routed.
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("right", "cycle(1)", "Type ▶", id="ticket_type", priority=True),
        Binding("left", "cycle(-1)", "◀ Type", show=False, id="ticket_type_prev",
                priority=True),
        Binding("down", "app.focus_next", show=False, priority=True),
        Binding("up", "app.focus_previous", show=False, priority=True),
    ]

    app = getters.app(BoxOfficeApp)

    kind: reactive[str] = reactive("adult")
    price: reactive[int | None] = reactive(None)

    class Changed(Message):
        def __init__(self, row: TicketTypeRow) -> None:
            super().__init__()
            self.row = row

    class NotAType(Message):
        """A digit or space on the row: the clerk meant another field (the type stays)."""

        def __init__(self, row: TicketTypeRow) -> None:
            super().__init__()
            self.row = row

    def __init__(self, seat: str, types: tuple[str, ...], *, id: str | None = None) -> None:
        super().__init__(id=id, classes="ticket-type")
        self.seat = seat
        self.types = types
        self.set_reactive(TicketTypeRow.kind, types[0])

    def render(self) -> Text:
        t = self.app.t
        key = f"ticket.{self.kind}"
        name = t(key) if has(key) else self.kind
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(FOCUS_MARK if self.has_focus else NO_MARK, style="bold")
        text.append(f"{self.seat:<5}")
        text.append("◀ ", style="dim")
        text.append(fit(name, 8), style="bold")
        text.append(" ▶", style="dim")
        if self.price is not None:
            text.append(f" {self.app.won(self.price):>9}")
        return text

    def action_cycle(self, step: int) -> None:
        index = self.types.index(self.kind) if self.kind in self.types else 0
        self.kind = self.types[(index + step) % len(self.types)]

    def on_key(self, event: events.Key) -> None:
        """Digits and space no longer change the type: say where they belong instead."""
        if event.key == "space" or (event.character or "").isdigit():
            event.stop()
            event.prevent_default()
            self.post_message(self.NotAType(self))

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()

    def watch_kind(self, old: str, new: str) -> None:
        if old != new:
            self.post_message(self.Changed(self))
