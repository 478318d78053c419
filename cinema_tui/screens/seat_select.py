"""Choose seats: the hall's map, live; select seats (which holds them), then check out.

The map is drawn by :class:`~cinema_tui.widgets.seat_map.SeatMapWidget` and follows
the seat view live (``watch_seat_map``), so holds and sales at other terminals show
within a second; the panel beside it is :class:`~cinema_tui.widgets.seat_panel.SeatPanel`.
Every change of the selection is held at once, and leaving the screen (Esc, F2, or the
sale being finished) gives the hold back: see
:class:`~cinema_tui.screens.seat_hold.SeatHolding`. The hold's countdown runs on the
backend's clock.

The map uses the width it has: the panel keeps what it needs (23 to 40 cells) and the
map gets the rest, drawn a seat every three cells instead of two where that fits (the
largest hall at 120 columns, the smaller ones already at 80).
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import datetime
from pathlib import Path
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Center, Horizontal, Vertical
from textual.css.query import NoMatches
from textual.events import Resize
from textual.notifications import SeverityLevel
from textual.screen import Screen
from textual.widgets import Static

from backend.api import (
    BoxOfficeError,
    SeatMap,
    SeatState,
    ShowtimeSummary,
)
from cinema_tui.messages import LanguageChanged
from cinema_tui.screens.seat_hold import SeatHolding
from cinema_tui.widgets.footer import LocalFooter
from cinema_tui.widgets.seat_map import (
    SELECTABLE,
    SeatMapWidget,
    best_block,
    display_state,
    legend_text,
)
from cinema_tui.widgets.seat_panel import SeatPanel, mmss
from cinema_tui.widgets.status_line import ServiceStatusLine

#: The seat states a clerk may not take, and what to say.
_REFUSED = {"held": "seat.refused.held", "sold": "seat.refused.sold",
            "blocked": "seat.refused.blocked"}
#: The map's pane is never narrower than the largest hall at two cells a seat.
MAP_PANE_MIN = 57
#: The panel beside the map: never narrower (80 - 57), and no wider than it needs.
PANEL_MIN = 23
PANEL_MAX = 40


class SeatSelectScreen(SeatHolding, Screen[None]):
    """A show's seat map: select seats (held at once), then check out."""

    CSS_PATH = Path(__file__).with_name("seat_select.tcss")

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("left", "move(-1, 0)", "Seat left", show=False, id="seat_left"),
        Binding("right", "move(1, 0)", "Seat right", show=False, id="seat_right"),
        Binding("up", "move(0, -1)", "Row forward", show=False, id="seat_up"),
        Binding("down", "move(0, 1)", "Row back", show=False, id="seat_down"),
        Binding("home", "row_end(-1)", "Start of row", show=False, id="seat_row_start"),
        Binding("end", "row_end(1)", "End of row", show=False, id="seat_row_end"),
        Binding("space", "toggle", "Select", id="toggle_seat"),
        *[
            Binding(
                str(n), f"best({n})", "Best seats" if n == 1 else f"Best {n} together",
                show=n == 1, key_display="1-9" if n == 1 else None,
                id="best_seats" if n == 1 else f"best_{n}",
            )
            for n in range(1, 10)
        ],
        Binding("delete,backspace", "clear", "Clear", show=False, id="clear_seats"),
        Binding("enter,c", "checkout", "Checkout", id="seat_checkout"),
        Binding("escape", "back", "Back", id="seat_back"),
    ]

    def __init__(self, show: ShowtimeSummary) -> None:
        super().__init__()
        self.show = show
        #: Seats this clerk has chosen, in seat order (what the hold should be).
        self.selected: list[str] = []
        self._start_holding()  # the hold that backs the selection: see SeatHolding
        self.seat_map: SeatMap | None = None
        self._latest_map: SeatMap | None = None
        self._paint_scheduled = False
        self._expired = False
        self._live_paused = False

    # --- layout ---------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Static(id="seat-heading", classes="heading")
        with Horizontal(id="seat-body"):
            with Vertical(id="seat-left"):
                with Center(id="seat-map-box"):
                    yield SeatMapWidget(id="seat-map")
                yield Static(id="seat-legend")
            yield SeatPanel(id="seat-panel")
        yield Static(id="seat-hint", classes="hint")
        yield ServiceStatusLine(id="status-line")
        yield LocalFooter()

    def on_mount(self) -> None:
        self._relabel()
        self.query_one("#seat-map", SeatMapWidget).focus()
        self.set_interval(1.0, self._tick)
        self.watch_seats()

    def on_language_changed(self, message: LanguageChanged) -> None:
        """Relabel in place: the selection, the hold and the cursor stay."""
        self._relabel()
        footer = self.query_one(LocalFooter)
        footer.call_later(footer.recompose)

    def _relabel(self) -> None:
        t = self.tr
        self.query_one("#seat-heading", Static).update(
            f"{t('app.title')} · {t('seat.heading')}"
        )
        self.query_one("#seat-hint", Static).update(t("seat.hint"))
        self._draw_legend()
        self.query_one("#seat-map", SeatMapWidget).set_labels(
            t("seat.screen"), t("seat.loading")
        )
        self.panel.show_info(self.show)
        self._update_panel()

    @property
    def map_widget(self) -> SeatMapWidget:
        return self.query_one("#seat-map", SeatMapWidget)

    @property
    def panel(self) -> SeatPanel:
        return self.query_one("#seat-panel", SeatPanel)

    # --- the panel ------------------------------------------------------------------------

    def _update_panel(self) -> None:
        widget = self.map_widget
        widget.set_marks(self.selected, self.hold.seats if self.hold else ())
        seat = widget.cursor_seat
        self.panel.show_cursor(seat, widget.state_of(seat.label) if seat else None)
        self.panel.show_selection(self.selected, self._price_text())
        self._update_countdown()

    def _price_text(self) -> str:
        t = self.tr
        n = len(self.selected)
        if not n:
            return t("seat.price.none")
        try:
            quote = self.app.office.quote(self.show.id, self.selected, {"adult": n})
        except BoxOfficeError:
            return t("seat.price.none")
        total = self.app.won(quote.total)
        return t("seat.price.one", total=total) if n == 1 else t("seat.price", n=n, total=total)

    def _now(self) -> datetime:
        return self.app.office.clock.now()

    def seconds_left(self) -> float | None:
        """Seconds until the hold lapses (by the backend's clock), or None."""
        if self.hold is None:
            return None
        return (self.hold.expires_at - self._now()).total_seconds()

    def _update_countdown(self) -> None:
        self.panel.show_countdown(
            self.seconds_left(), synced=self._synced_now(), selecting=bool(self.selected),
            expired=self._expired,
        )

    def _synced_now(self) -> bool:
        held = self.hold.seats if self.hold else ()
        return set(held) == set(self.selected)

    def _tick(self) -> None:
        """Every second: the countdown, and the end of a lapsed hold.

        While another screen is on top (checkout shows the hold's time itself) a lapsed
        hold is dealt with when the clerk comes back here: ``is_active`` (the top screen),
        not ``is_current``, which Textual 8 also answers True for the screen right below
        the top one, so the seat map under the checkout would run out the hold too (a
        second message, and the hold the checkout may hold again forgotten).
        """
        left = self.seconds_left()
        if left is not None and left <= 0 and not self._syncing and self.is_active:
            self.hold = None
            self.selected = []
            self._expired = True
            self._say("seat.expired", timeout=8)
            self._update_panel()
            return
        self._update_countdown()

    # --- live seat states -------------------------------------------------------------

    @work(exclusive=True, exit_on_error=False, group="seat-watch")
    async def watch_seats(self) -> None:
        """Follow the seat view for as long as the screen is open."""
        office = self.app.office
        while True:
            try:
                stream = office.watch_seat_map(self.show.id)
                async with contextlib.aclosing(stream):
                    async for seat_map in stream:
                        if self._live_paused:
                            self._live_paused = False
                        self._map_arrived(seat_map)
            except BoxOfficeError:  # information stopped: keep trying, say so once
                if not self._live_paused:
                    self._live_paused = True
                    self._say("seat.live_paused")
                await asyncio.sleep(1.0)

    def _map_arrived(self, seat_map: SeatMap) -> None:
        """Keep only the latest map; paint it once the current burst is over."""
        self._latest_map = seat_map
        if not self._paint_scheduled:
            self._paint_scheduled = True
            self.call_later(self._paint_latest)

    def _paint_latest(self) -> None:
        self._paint_scheduled = False
        if self._latest_map is not None and self._latest_map is not self.seat_map:
            self.seat_map = self._latest_map
            with contextlib.suppress(NoMatches):  # the screen is being taken down
                widget = self.map_widget
                widget.set_map(self.seat_map)
                self._lay_out()
                self._update_panel()

    # --- using the width ------------------------------------------------------------------

    def _lay_out(self) -> None:
        """Share the width between the map and the panel (see the module's doc)."""
        widget = self.map_widget
        if widget.seat_map is None:
            return
        total = self.size.width or self.app.size.width
        pitch = 3 if widget.natural_width(3) <= total - PANEL_MIN else 2
        pane = max(MAP_PANE_MIN, widget.natural_width(pitch))
        panel = max(PANEL_MIN, min(PANEL_MAX, total - pane))
        widget.set_pitch(pitch)
        left = self.query_one("#seat-left")
        if left.styles.width is None or left.styles.width.value != total - panel:
            left.styles.width = total - panel
            self._draw_legend()

    def _draw_legend(self) -> None:
        left = self.query_one("#seat-left")
        width = int(left.styles.width.value) if left.styles.width else MAP_PANE_MIN
        self.query_one("#seat-legend", Static).update(legend_text(self.tr, width - 2))

    def on_resize(self, event: Resize) -> None:
        self._lay_out()

    # --- moving ---------------------------------------------------------------------------

    def action_move(self, dx: int, dy: int) -> None:
        if self.map_widget.move(dx, dy):
            self._update_panel()

    def action_row_end(self, end: int) -> None:
        if self.map_widget.move_row_end(end):
            self._update_panel()

    @on(SeatMapWidget.Clicked)
    def _clicked(self, event: SeatMapWidget.Clicked) -> None:
        self._update_panel()
        self.action_toggle()

    # --- selecting ------------------------------------------------------------------------

    def _max_seats(self) -> int:
        return int(self.app.office.settings.max_seats_per_hold)

    def _say(
        self, key: str, severity: SeverityLevel = "warning", timeout: float = 5, **fmt: object
    ) -> None:
        self.app.notify(self.tr(key, **fmt), severity=severity, timeout=timeout)

    def action_toggle(self) -> None:
        """Select or unselect the seat under the cursor (only a free seat can be taken)."""
        widget = self.map_widget
        seat = widget.cursor_seat
        if seat is None:
            return
        if seat.label in self.selected:
            self._select([s for s in self.selected if s != seat.label])
            return
        state = widget.state_of(seat.label)
        if state not in SELECTABLE:
            self._say(_REFUSED.get(state or "", "seat.refused.held"), seat=seat.label)
            return
        if len(self.selected) >= self._max_seats():
            self._say("seat.too_many", n=self._max_seats())
            return
        self._select([*self.selected, seat.label])

    def action_best(self, count: int) -> None:
        """The best ``count`` seats side by side, replacing the selection."""
        if self.seat_map is None:
            return
        if count > self._max_seats():
            self._say("seat.too_many", n=self._max_seats())
            return
        own = set(self.hold.seats if self.hold else ()) | set(self.selected)

        def available(seat: SeatState) -> bool:
            if seat.kind == "wheelchair":
                return False  # wheelchair spaces are given out by hand, never by default
            return seat.label in own or display_state(seat) in SELECTABLE

        block = best_block(self.seat_map, count, available)
        if block is None:
            self._say("seat.no_block", n=count)
            return
        self.map_widget.move_to(block[len(block) // 2])
        self._select(block)

    def action_clear(self) -> None:
        if self.selected:
            self._select([])

    def _select(self, labels: list[str]) -> None:
        """Make ``labels`` the selection (shown at once) and hold it in the background."""
        self.selected = self._ordered(labels)
        self._expired = False
        self._update_panel()
        self._sync_soon()

    def _ordered(self, labels: list[str]) -> list[str]:
        widget = self.map_widget

        def where(label: str) -> tuple[int, int]:
            seat = widget.seat(label)
            return (seat.row_index, seat.column) if seat else (999, 999)

        return sorted(dict.fromkeys(labels), key=where)

    # --- leaving --------------------------------------------------------------------------

    def unsaved_work(self) -> str | None:
        """What quitting now would give back ("Seats E5, E6 are given back."), or None.

        The app's Ctrl+Q asks with it. A screen above this one that speaks for the same
        sale (the checkout, which has ``unsaved_work`` too) answers instead: once it has
        sold the seats there is nothing here to lose.
        """
        stack = self.app.screen_stack
        if self in stack and any(
            callable(getattr(screen, "unsaved_work", None))
            for screen in stack[stack.index(self) + 1:]
        ):
            return None
        seats = list(self.hold.seats) if self.hold else []
        seats += [s for s in self.selected if s not in seats]
        if not seats:
            return None
        key = "checkout.lose.seat" if len(seats) == 1 else "checkout.lose.seats"
        return self.tr(key, seats=", ".join(self._ordered(seats)))

    def action_back(self) -> None:
        """Back to the programme; leaving releases the seats (on_unmount)."""
        self.dismiss()

    def on_screen_resume(self) -> None:
        self._tick()
        self._update_panel()

    def action_checkout(self) -> None:
        if not self.selected:
            self._say("seat.choose_first")
            return
        self.checkout()

    @work(exclusive=True, exit_on_error=False, group="seat-checkout")
    async def checkout(self) -> None:
        """Go to payment with the hold (once the latest selection is held)."""
        await self._synced.wait()
        left = self.seconds_left()
        if self.hold is None or not self.selected or left is None or left <= 0:
            if not self.selected:
                self._say("seat.choose_first")
            return
        from cinema_tui.screens.checkout import CheckoutScreen

        await self.app.push_screen(CheckoutScreen(self.show, self.hold))


__all__ = ["SeatSelectScreen", "mmss"]
