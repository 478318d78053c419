"""Now showing: pick a day, see every film's showtimes and how full they are, pick one.

The day strip holds today and the next six days; the table lists each film (age rating,
running time) with its showtimes, hall and an occupancy bar, refreshed every two
seconds so sales at other terminals show up. Enter opens the seat map of a showtime.

The table uses the width it has: every column but the film's is as wide as its widest
text (a run time such as "113 min" is never cut), and the film column takes the rest, so
at 120 columns whole titles show; a title that still does not fit ends in "…". A day's
programme opens with the cursor on the next show to start (a started show cannot be
sold); a refresh or a language switch (F8, relabelled in place) keeps it on its show.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import ClassVar

from rich.cells import cell_len
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.events import Resize
from textual.screen import Screen
from textual.widgets import DataTable, Static, Tab, Tabs

from backend.api import ShowtimeSummary
from cinema_tui.app_text import AppText
from cinema_tui.format import cut, hhmm
from cinema_tui.i18n import weekday
from cinema_tui.messages import BackendReady, LanguageChanged
from cinema_tui.widgets.footer import LocalFooter
from cinema_tui.widgets.status_line import ServiceStatusLine

RATING_STYLE = {"ALL": "green", "12": "cyan", "15": "yellow", "18": "bold red"}

#: The table's columns in order, with their headers.
HEADERS = {
    "film": "now.col.film",
    "time": "now.col.time",
    "hall": "now.col.hall",
    "runtime": "now.col.runtime",
    "occupancy": "now.col.occupancy",
    "free": "now.col.free",
}
COLUMNS = tuple(HEADERS)
BAR_CELLS = 10
OCCUPANCY_CELLS = BAR_CELLS + 5  # " 100%"
#: Cells a DataTable adds around each column (one each side), and the scrollbar's.
CELL_PADDING = 2
SCROLLBAR = 1
#: The film column never gets narrower than this, however small the terminal.
MIN_FILM = 16


def column_widths(
    total: int, texts: dict[str, list[str]], fixed: dict[str, int]
) -> dict[str, int]:
    """Each column's width in cells for a table ``total`` cells wide.

    ``texts`` are what a measured column shows (its header included); ``fixed`` the
    columns of known width. The film column gets what is left (at least ``MIN_FILM``).
    """
    widths = dict(fixed)
    for key, shown in texts.items():
        if key != "film":
            widths[key] = max((cell_len(text) for text in shown), default=1)
    others = sum(widths[key] for key in COLUMNS if key != "film")
    room = total - SCROLLBAR - CELL_PADDING * len(COLUMNS) - others
    widths["film"] = max(MIN_FILM, room)
    return widths


def next_to_start(shows: list[ShowtimeSummary], now: datetime) -> ShowtimeSummary | None:
    """The show a clerk most likely sells next: the first to start that has not started."""
    upcoming = [s for s in shows if s.starts_at > now]
    return min(upcoming, key=lambda s: s.starts_at) if upcoming else None


def occupancy_bar(show: ShowtimeSummary, width: int = BAR_CELLS) -> Text:
    """▰ sold, ▱ free (held shown as sold-ish in yellow), then the percentage."""
    if not show.counts_known:
        return Text("·" * width + "    …", style="dim")
    taken = show.seats_sold + show.seats_held
    ratio = taken / show.capacity if show.capacity else 0
    sold_cells = round(width * show.seats_sold / show.capacity) if show.capacity else 0
    held_cells = max(0, round(width * ratio) - sold_cells)
    bar = Text()
    bar.append("▰" * sold_cells, style="red")
    bar.append("▰" * held_cells, style="yellow")
    bar.append("▱" * (width - sold_cells - held_cells), style="dim")
    bar.append(f" {round(ratio * 100):3d}%")
    return bar


class NowShowingScreen(AppText, Screen[None]):
    """The programme of a day."""

    CSS_PATH = Path(__file__).with_name("now_showing.tcss")

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("left_square_bracket", "day(-1)", "Previous day", id="prev_day"),
        Binding("right_square_bracket", "day(1)", "Next day", id="next_day"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.day_index = 0
        self.shows: list[ShowtimeSummary] = []
        #: The columns' widths as last laid out (None: not yet).
        self._widths: dict[str, int] | None = None
        #: Whether the day on screen has had its cursor placed (on the next show).
        self._placed = False

    def compose(self) -> ComposeResult:
        t = self.app.t
        yield Static(f"{t('app.title')} · {t('now.heading')}", id="now-heading", classes="heading")
        yield Tabs(*self._day_tabs(), id="date-strip")
        yield DataTable(id="showtimes", cursor_type="row", zebra_stripes=True)
        yield Static(t("now.hint"), id="now-hint", classes="hint")
        yield ServiceStatusLine(id="status-line")
        yield LocalFooter()

    def _day_tabs(self) -> list[Tab]:
        return [Tab(label, id=f"day-{i}") for i, label in enumerate(self._day_labels())]

    def _day_labels(self) -> list[str]:
        """"11/24 Today", "11/25 Wed", ... in the clerk's language."""
        lang = self.app.lang
        return [
            f"{day:%m/%d} {self.app.t('now.today') if i == 0 else weekday(lang, day.weekday())}"
            for i, day in enumerate(self.app.office.days())
        ]

    def on_mount(self) -> None:
        self._columns()
        tabs = self.query_one("#date-strip", Tabs)
        tabs.active = f"day-{self.day_index}"
        self.query_one("#showtimes", DataTable).focus()
        self.set_interval(2.0, self._refresh_if_shown)
        self.load()

    def _refresh_if_shown(self) -> None:
        """Keep occupancy fresh, but not while another screen covers this one."""
        if self.is_current:
            self.load()

    def on_screen_resume(self) -> None:
        self.load()

    def on_backend_ready(self, message: BackendReady) -> None:
        """The services are up: fill in how full each show is."""
        self.shows = []
        self.load()

    def _texts(self) -> dict[str, list[str]]:
        """What each measured column may show for the day's shows (headers included)."""
        t = self.app.t
        ko = self.app.lang == "ko"
        capacities = {str(s.capacity) for s in self.shows} or {"000"}
        return {
            "hall": [t("now.col.hall"), *{s.hall if ko else s.hall_en for s in self.shows}],
            "runtime": [
                t("now.col.runtime"),
                *{t("minutes", n=s.runtime_min) for s in self.shows},
            ],
            "free": [t("now.col.free"), t("now.started"), t("now.soldout"), *capacities],
        }

    def _table_width(self) -> int:
        table = self.query_one("#showtimes", DataTable)
        return table.size.width or self.size.width or self.app.size.width

    def _columns(self) -> None:
        """(Re)build the columns to fit the table's width and the day's texts."""
        t = self.app.t
        widths = column_widths(
            self._table_width(),
            self._texts(),
            {"time": 5, "occupancy": OCCUPANCY_CELLS},
        )
        self._widths = widths
        table = self.query_one("#showtimes", DataTable)
        table.clear(columns=True)
        for key in COLUMNS:
            table.add_column(t(HEADERS[key]), key=key, width=widths[key])

    def _relayout(self) -> None:
        """New widths (a resize, a new day, a new language): columns and rows again,
        the cursor staying on its show."""
        selected = self._cursor_show()
        self._columns()
        self._fill(selected)

    def on_resize(self, event: Resize) -> None:
        if self._widths is not None and self.is_mounted:
            self.call_after_refresh(self._resized)

    def _resized(self) -> None:
        widths = column_widths(
            self._table_width(), self._texts(), {"time": 5, "occupancy": OCCUPANCY_CELLS}
        )
        if widths != self._widths:
            self._relayout()

    @property
    def day(self) -> date:
        return self.app.office.days()[self.day_index]

    @work(exclusive=True, exit_on_error=False, group="showtimes")
    async def load(self) -> None:
        shows = await self.app.office.showtimes(self.day)
        if shows != self.shows:
            new_texts = not self.shows or self._texts_differ(shows)
            self.shows = shows
            if new_texts:
                self._relayout()
            else:
                self._fill(self._cursor_show())

    def _texts_differ(self, shows: list[ShowtimeSummary]) -> bool:
        """Whether ``shows`` are another set of shows (not only new counts)."""
        return {s.id for s in shows} != {s.id for s in self.shows}

    def _cursor_show(self) -> str | None:
        """The show id under the cursor (None: an empty table)."""
        table = self.query_one("#showtimes", DataTable)
        if table.row_count and table.cursor_row < table.row_count:
            return table.coordinate_to_cell_key((table.cursor_row, 0)).row_key.value
        return None

    def _film_cell(self, show: ShowtimeSummary, rating_cells: int, width: int) -> Text:
        """Rating (right-aligned by cells, Hangul being two wide) and title, cut with
        "…" to ``width`` cells."""
        t = self.app.t
        rating = t("rating." + show.rating)
        title = show.title if self.app.lang == "ko" else show.title_en
        film = Text(no_wrap=True)
        film.append(" " * (rating_cells - cell_len(rating)) + rating + " ",
                    style=RATING_STYLE.get(show.rating))
        film.append(cut(title, width - rating_cells - 1), style="bold")
        return film

    def _fill(self, selected: str | None = None) -> None:
        """Draw the rows; the cursor goes back to ``selected`` (a show id), or, the first
        time a day is drawn, to the next show to start."""
        t = self.app.t
        lang = self.app.lang
        tz = self.app.tz
        now = self.app.office.clock.now()
        table = self.query_one("#showtimes", DataTable)
        widths = self._widths or {}
        order: dict[str, int] = {}
        for s in self.shows:
            order.setdefault(s.film_id, len(order))
        rows = sorted(self.shows, key=lambda s: (order[s.film_id], s.starts_at))
        rating_cells = max((cell_len(t("rating." + s.rating)) for s in rows), default=3)
        table.clear()
        last_film = None
        for show in rows:
            film = Text()
            if show.film_id != last_film:
                film = self._film_cell(show, rating_cells, widths.get("film", 24))
            last_film = show.film_id
            started = show.starts_at <= now
            style = "dim" if started else ""
            free = (
                "…" if not show.counts_known
                else t("now.started") if started
                else t("now.soldout") if show.seats_free == 0 else str(show.seats_free)
            )
            table.add_row(
                film,
                Text(hhmm(show.starts_at, tz), style=style or "bold"),
                Text(show.hall if lang == "ko" else show.hall_en, style=style),
                Text(t("minutes", n=show.runtime_min), style=style),
                occupancy_bar(show),
                Text(free, style=style),
                key=show.id,
            )
        if not rows:
            return
        if not self._placed:
            self._placed = True
            upcoming = next_to_start(rows, now)
            selected = upcoming.id if upcoming is not None else None
        if selected is not None and selected in table.rows:
            table.move_cursor(row=table.get_row_index(selected), animate=False)

    @on(Tabs.TabActivated, "#date-strip")
    def _day_chosen(self, event: Tabs.TabActivated) -> None:
        index = int(event.tab.id.split("-")[1]) if event.tab and event.tab.id else 0
        if index != self.day_index:
            self._new_day(index)

    def action_day(self, step: int) -> None:
        self._new_day(max(0, min(6, self.day_index + step)))
        self.query_one("#date-strip", Tabs).active = f"day-{self.day_index}"

    def _new_day(self, index: int) -> None:
        """Show day ``index``: its cursor starts on its next show to start."""
        self.day_index = index
        self.shows = []
        self._placed = False
        self.load()

    @on(DataTable.RowSelected, "#showtimes")
    async def _show_chosen(self, event: DataTable.RowSelected) -> None:
        show = next((s for s in self.shows if s.id == event.row_key.value), None)
        if show is None:
            return
        if not self.app.backend_ready.is_set():
            self.app.notify(self.app.t("now.starting"), timeout=3)
            return
        if show.starts_at <= self.app.office.clock.now():
            self.app.notify(self.app.t("now.started"), severity="warning")
            return
        from cinema_tui.screens.seat_select import SeatSelectScreen

        await self.app.push_screen(SeatSelectScreen(show))

    def on_language_changed(self, message: LanguageChanged) -> None:
        """Relabel in place: the rows are drawn again in the new language and the cursor
        stays on its show (recomposing emptied the table and lost the cursor)."""
        t = self.app.t
        self.query_one("#now-heading", Static).update(f"{t('app.title')} · {t('now.heading')}")
        for i, label in enumerate(self._day_labels()):
            self.query_one(f"#date-strip #day-{i}", Tab).label = label
        self.query_one("#now-hint", Static).update(t("now.hint"))
        self._relayout()
        footer = self.query_one(LocalFooter)
        footer.call_later(footer.recompose)  # in the footer's own context (it binds data)
