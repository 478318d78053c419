"""The panel beside the seat map: the show, the seat under the cursor, the hold's
countdown, the running price and the seats chosen.

``SeatPanel`` only draws what the seat screen tells it (the screen owns the selection
and the hold). Its lines have fixed heights, so an update needs no layout pass, and a
line is only rewritten when its text changed: a key press repaints what changed and
nothing else. Its styles are the seat screen's (``screens/seat_select.tcss``).
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from backend.api import SeatState, ShowtimeSummary
from cinema_tui.app_text import AppText
from cinema_tui.format import hhmm
from cinema_tui.format import seats as seat_list
from cinema_tui.i18n import weekday
from cinema_tui.widgets.seat_map import SELECTABLE


def mmss(seconds: float) -> str:
    """Seconds left as mm:ss (rounded up, so 00:00 means it has run out)."""
    whole = max(0, int(-(-seconds // 1)))
    return f"{whole // 60:02d}:{whole % 60:02d}"


class SeatPanel(AppText, Vertical):
    """What is chosen, held and owed, next to the map."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._shown: dict[str, str] = {}

    def compose(self) -> ComposeResult:
        yield Static(id="seat-info")
        yield Static(id="seat-cursor")
        yield Static(id="hold-countdown")
        yield Static(id="running-price")
        yield Static(id="selected-seats")

    def show_info(self, show: ShowtimeSummary) -> None:
        """Film, rating and running time, hall, and when (in the clerk's language)."""
        lang, tz = self.lang, self.app.tz
        start = show.starts_at.astimezone(tz)
        text = Text()
        text.append(show.title if lang == "ko" else show.title_en, style="bold")
        text.append("\n")
        text.append(f"{self.tr('rating.' + show.rating)} · "
                    f"{self.tr('minutes', n=show.runtime_min)}")
        text.append("\n")
        text.append(show.hall if lang == "ko" else show.hall_en)
        text.append("\n")
        when = self.tr(
            "seat.when",
            date=f"{start:%m/%d}",
            weekday=weekday(lang, start.weekday()),
            time=hhmm(show.starts_at, tz),
        )
        text.append(when, style="bold")
        self.query_one("#seat-info", Static).update(text)

    def show_cursor(self, seat: SeatState | None, state: str | None) -> None:
        """The seat under the cursor: its label, kind and (display) state."""
        cursor = Text()
        if seat is not None:
            state = state or seat.state
            state = "free" if state in SELECTABLE else state
            cursor.append(self.tr("seat.cursor", seat=seat.label), style="bold")
            cursor.append(f"\n{self.tr('seat.kind.' + seat.kind)} · "
                          f"{self.tr('seat.legend.' + state)}")
        self._put("#seat-cursor", cursor)

    def show_selection(self, selected: list[str], price: str) -> None:
        chosen = seat_list(selected) if selected else self.tr("seat.none")
        self._put("#selected-seats", self.tr("seat.selected", seats=chosen))
        self._put("#running-price", price)

    def show_countdown(
        self, left: float | None, *, synced: bool, selecting: bool, expired: bool
    ) -> None:
        """The hold's time left (``left`` seconds, None: nothing held); "holding" while
        the hold is catching up with the selection (``synced`` false, or seats chosen and
        nothing held yet)."""
        if left is not None and not synced:
            text = self.tr("seat.hold.holding")
        elif left is not None:
            text = self.tr("seat.hold.left", time=mmss(left))
        elif selecting:
            text = self.tr("seat.hold.holding")
        elif expired:
            text = self.tr("seat.hold.expired")
        else:
            text = self.tr("seat.hold.none")
        self._put("#hold-countdown", text)
        label = self.query_one("#hold-countdown", Static)
        label.set_class(left is not None and left <= 60, "-urgent")
        label.set_class(expired and left is None, "-expired")

    def _put(self, selector: str, content: str | Text) -> None:
        """Update a panel line if its text changed. The panel lines have fixed heights,
        so no layout pass is needed: a key press repaints only what changed."""
        key = content.markup if isinstance(content, Text) else content
        if self._shown.get(selector) != key:
            self._shown[selector] = key
            self.query_one(selector, Static).update(content, layout=False)


__all__ = ["SeatPanel", "mmss"]
