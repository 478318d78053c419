"""Now showing: pick a day, see every film's showtimes and how full they are, pick one.

The day strip holds today and the next six days; the table lists each film (age rating,
running time) with its showtimes, hall and an occupancy bar, refreshed every two
seconds so sales at other terminals show up. Enter opens the seat map of a showtime.
"""

from __future__ import annotations

from datetime import date

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Static, Tab, Tabs

from backend.api import ShowtimeSummary
from cinema_tui.app_text import AppText
from cinema_tui.format import hhmm
from cinema_tui.i18n import weekday
from cinema_tui.messages import BackendReady, LanguageChanged
from cinema_tui.widgets.footer import LocalFooter
from cinema_tui.widgets.status_line import ServiceStatusLine

RATING_STYLE = {"ALL": "green", "12": "cyan", "15": "yellow", "18": "bold red"}


def occupancy_bar(show: ShowtimeSummary, width: int = 10) -> Text:
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

    BINDINGS = [
        Binding("left_square_bracket", "day(-1)", "Previous day", id="prev_day"),
        Binding("right_square_bracket", "day(1)", "Next day", id="next_day"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.day_index = 0
        self.shows: list[ShowtimeSummary] = []

    def compose(self) -> ComposeResult:
        t = self.app.t
        yield Static(f"{t('app.title')} · {t('now.heading')}", id="now-heading", classes="heading")
        yield Tabs(*self._day_tabs(), id="date-strip")
        yield DataTable(id="showtimes", cursor_type="row", zebra_stripes=True)
        yield Static(t("now.hint"), id="now-hint", classes="hint")
        yield ServiceStatusLine(id="status-line")
        yield LocalFooter()

    def _day_tabs(self) -> list[Tab]:
        office = self.app.office
        lang = self.app.lang
        tabs = []
        for i, day in enumerate(office.days()):
            name = self.app.t("now.today") if i == 0 else weekday(lang, day.weekday())
            tabs.append(Tab(f"{day:%m/%d} {name}", id=f"day-{i}"))
        return tabs

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

    def _columns(self) -> None:
        t = self.app.t
        table = self.query_one("#showtimes", DataTable)
        table.clear(columns=True)
        table.add_column(t("now.col.film"), key="film", width=24)
        table.add_column(t("now.col.time"), key="time", width=5)
        table.add_column(t("now.col.hall"), key="hall", width=6)
        table.add_column(t("now.col.runtime"), key="runtime", width=6)
        table.add_column(t("now.col.occupancy"), key="occupancy", width=15)
        table.add_column(t("now.col.free"), key="free", width=7)

    @property
    def day(self) -> date:
        return self.app.office.days()[self.day_index]

    @work(exclusive=True, exit_on_error=False, group="showtimes")
    async def load(self) -> None:
        shows = await self.app.office.showtimes(self.day)
        if shows != self.shows:
            self.shows = shows
            self._fill()

    def _fill(self) -> None:
        t = self.app.t
        lang = self.app.lang
        tz = self.app.tz
        now = self.app.office.clock.now()
        table = self.query_one("#showtimes", DataTable)
        selected = None
        if table.row_count and table.cursor_row < table.row_count:
            selected = table.coordinate_to_cell_key((table.cursor_row, 0)).row_key.value
        order: dict[str, int] = {}
        for s in self.shows:
            order.setdefault(s.film_id, len(order))
        rows = sorted(self.shows, key=lambda s: (order[s.film_id], s.starts_at))
        table.clear()
        last_film = None
        for show in rows:
            film = Text()
            if show.film_id != last_film:
                film.append(f"{t('rating.' + show.rating):>3} ", style=RATING_STYLE.get(show.rating))
                film.append(show.title if lang == "ko" else show.title_en, style="bold")
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
        if selected is not None:
            try:
                table.move_cursor(row=table.get_row_index(selected))
            except Exception:  # the show is gone from this day: stay where we are
                pass

    @on(Tabs.TabActivated, "#date-strip")
    def _day_chosen(self, event: Tabs.TabActivated) -> None:
        index = int(event.tab.id.split("-")[1]) if event.tab and event.tab.id else 0
        if index != self.day_index:
            self.day_index = index
            self.shows = []
            self.load()

    def action_day(self, step: int) -> None:
        self.day_index = max(0, min(6, self.day_index + step))
        self.query_one("#date-strip", Tabs).active = f"day-{self.day_index}"
        self.shows = []
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

    async def on_language_changed(self, message: LanguageChanged) -> None:
        """Relabel everything; the rows are drawn again too (recompose emptied the table)."""
        await self.recompose()
        self.shows = []
        self.on_mount()
