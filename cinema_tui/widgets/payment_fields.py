"""The checkout's own input widgets: a card number that masks itself, a ticket-type row.

A card number field shows only the last four digits as they are typed and never offers
its value to the clipboard; a ticket-type row is one seat and its type, changed with
←/→, space or 1/2/3, so a clerk sets every seat's type without leaving the keyboard.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import getters
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


class TicketTypeRow(Widget, can_focus=True):
    """One seat and its ticket type; ←/→ (or space) cycle, 1/2/3 pick directly."""

    DEFAULT_CSS = """
    TicketTypeRow {
        height: 1;
        width: 1fr;
        padding: 0 1;
    }
    TicketTypeRow:focus {
        background: $accent 30%;
        text-style: bold;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("right,space", "cycle(1)", "Type ▶", id="ticket_type"),
        Binding("left", "cycle(-1)", "◀ Type", show=False, id="ticket_type_prev"),
        Binding("1", "pick(0)", show=False),
        Binding("2", "pick(1)", show=False),
        Binding("3", "pick(2)", show=False),
        Binding("down", "app.focus_next", show=False),
        Binding("up", "app.focus_previous", show=False),
    ]

    app = getters.app(BoxOfficeApp)

    kind: reactive[str] = reactive("adult")
    price: reactive[int | None] = reactive(None)

    class Changed(Message):
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

    def action_pick(self, index: int) -> None:
        if 0 <= index < len(self.types):
            self.kind = self.types[index]

    def watch_kind(self, old: str, new: str) -> None:
        if old != new:
            self.post_message(self.Changed(self))
