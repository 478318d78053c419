"""Every booking, newest first, filtered by status, day of sale and phone.

The table (``#history-table``) is read from the information view and refreshed every two
seconds, so sales and cancellations made at other terminals appear. Filters sit above
it: status (``#history-status``), day of sale (``#history-day``: the last seven days,
since ``history(day=…)`` filters by the time of sale, and nothing is ever sold in the
future) and phone (``#history-phone``: a whole number is matched exactly, a few digits
match any phone containing them, e.g. the last four; the backend searches every booking
for either, so an old booking is found however many came after it). Tab moves between
the filters and the table; Enter on a row opens the booking's timeline.

The totals above the table count what the box office sold, as ``office.sales()`` does:
a booking is sold once the cinema issued its tickets (a later cancellation is counted
with its refund). Attempts that were never sold (a declined card, seats the cinema
refused) are listed in the table but not counted as bookings; the summary says how
many there are, and how many sales are still being decided.
"""

from __future__ import annotations

import re
from contextlib import suppress
from datetime import date, timedelta
from pathlib import Path
from typing import ClassVar

from rich.cells import cell_len
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.css.query import NoMatches
from textual.events import Resize
from textual.screen import Screen
from textual.widgets import DataTable, Input, Select, Static

from backend.api import Booking, BoxOfficeError, InvalidInput, normalise_phone
from cinema_tui.app_text import AppText
from cinema_tui.errors import human_message
from cinema_tui.format import fit
from cinema_tui.format import seats as seat_list
from cinema_tui.i18n import weekday
from cinema_tui.messages import LanguageChanged
from cinema_tui.screens.booking_detail import (
    NOT_SOLD,
    UNDECIDED,
    BookingDetailScreen,
    status_text,
    title_of,
)
from cinema_tui.widgets.footer import LocalFooter
from cinema_tui.widgets.status_line import ServiceStatusLine

#: The filterable statuses, in the order a clerk looks for them.
STATUSES = (
    "COMPLETED",
    "PAID",
    "CANCELLED",
    "FAILED",
    "REJECTED",
    "PAYMENT_PENDING",
    "CANCELLING",
    "RELEASING",
    "REJECTING",
)
ALL = "all"
LIMIT = 500
#: A sale still under way: paying, or paid and waiting for the cinema's tickets.
DECIDING = UNDECIDED | {"PAID"}
#: Columns: key, header, least width. At 80 columns: 79 cells with padding, plus a
#: 1-cell scrollbar; the seats and status columns grow to what the rows show (up to
#: ``MOST``), and the film column takes whatever width is left (whole titles at 120).
COLUMNS = (
    ("code", "history.col.code", 6),
    ("sold", "history.col.sold", 11),
    ("film", "history.col.film", 14),
    ("show", "history.col.show", 11),
    ("seats", "history.col.seats", 6),
    ("amount", "history.col.amount", 8),
    ("status", "history.col.status", 9),
)
MOST = {"seats": 14, "status": 19}
#: Cells a DataTable puts around each column, and the scrollbar's.
PADDING = 2
SCROLLBAR = 1


def totals(rows: list[Booking]) -> tuple[list[Booking], list[Booking], list[Booking]]:
    """(sold, still being decided, never sold) of ``rows``.

    Sold: the cinema issued the tickets (as ``office.sales`` counts; one cancelled later
    too, with its refund). Being decided: the payment or the cinema has not answered yet.
    Never sold: everything else, mostly failed or refused attempts (``NOT_SOLD``).
    """
    sold = [b for b in rows if b.ticket_numbers and b.status not in NOT_SOLD]
    pending = [b for b in rows if not b.ticket_numbers and b.status in DECIDING]
    counted = {id(b) for b in sold} | {id(b) for b in pending}
    return sold, pending, [b for b in rows if id(b) not in counted]


class HistoryScreen(AppText, Screen[None]):
    """All bookings with filters; Enter opens one's timeline."""

    CSS_PATH = Path(__file__).with_name("history.tcss")

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="back"),
        Binding("ctrl+r", "load", "Refresh", id="refresh", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[Booking] = []
        self.status_filter = ALL
        self.day_filter = ALL
        self.phone_text = ""
        self._loaded = False
        self._shown_widths: dict[str, int] = {}

    # --- layout ----------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Static(
            f"{self.tr('app.title')} · {self.tr('history.heading')}",
            id="history-heading",
            classes="heading",
        )
        with Horizontal(id="history-filters"):
            yield Select(
                self._status_options(),
                id="history-status",
                allow_blank=False,
                value=self.status_filter,
            )
            yield Select(
                self._day_options(), id="history-day", allow_blank=False, value=self.day_filter
            )
            yield Input(self.phone_text, placeholder=self.tr("history.phone"), id="history-phone")
        yield Static("", id="history-summary")
        yield DataTable(id="history-table", cursor_type="row", zebra_stripes=True)
        yield Static(self.tr("history.hint"), id="history-hint", classes="hint")
        yield ServiceStatusLine(id="status-line")
        yield LocalFooter()

    def _status_options(self) -> list[tuple[str, str]]:
        options = [(self.tr("history.all_statuses"), ALL)]
        options += [(status_text(s, self.lang).plain, s) for s in STATUSES]
        return options

    def sale_days(self) -> list[date]:
        """Today and the six days before it (sales happen now, never in the future)."""
        today = self.app.office.today()
        return [today - timedelta(days=i) for i in range(7)]

    def _day_options(self) -> list[tuple[str, str]]:
        options = [(self.tr("history.all_days"), ALL)]
        for i, day in enumerate(self.sale_days()):
            name = self.tr("history.today") if i == 0 else weekday(self.lang, day.weekday())
            options.append((f"{day:%m/%d} {name}", day.isoformat()))
        return options

    def on_mount(self) -> None:
        self._columns()
        self.query_one("#history-table", DataTable).focus()
        self.set_interval(2.0, self.load)
        self.load()

    def on_screen_resume(self) -> None:
        self.load()

    def _widths(self, rows: list[Booking]) -> dict[str, int]:
        """Each column's width for ``rows`` at the table's width (see ``COLUMNS``)."""
        widths = {key: max(width, cell_len(self.tr(header))) for key, header, width in COLUMNS}
        widths["seats"] = min(MOST["seats"], max(
            [widths["seats"], *(cell_len(seat_list(b.seats, ",")) for b in rows)]))
        widths["status"] = min(MOST["status"], max(
            [widths["status"], *(cell_len(status_text(b.status, self.lang).plain) for b in rows)]))
        table = self.query_one("#history-table", DataTable)
        total = table.size.width or self.size.width or self.app.size.width
        least = {key: width for key, _, width in COLUMNS}
        room = total - SCROLLBAR - PADDING * len(COLUMNS) - sum(widths.values()) + widths["film"]
        for key in ("status", "seats"):  # too narrow: these give back first (cut with "…")
            if room < least["film"]:
                give = min(least["film"] - room, widths[key] - least[key])
                widths[key] -= give
                room += give
        widths["film"] = max(least["film"], room)
        return widths

    def _columns(self, widths: dict[str, int] | None = None) -> None:
        widths = widths or self._widths(self.rows)
        self._shown_widths = widths
        table = self.query_one("#history-table", DataTable)
        table.clear(columns=True)
        for key, header, _ in COLUMNS:
            table.add_column(self.tr(header), key=key, width=widths[key])

    def on_resize(self, event: Resize) -> None:
        if self.is_mounted and self._shown_widths:
            self.call_after_refresh(self._fill)

    # --- filters ----------------------------------------------------------------------------

    @on(Select.Changed, "#history-status")
    def _status_changed(self, event: Select.Changed) -> None:
        value = str(event.value) if event.value is not Select.NULL else ALL
        if value != self.status_filter:
            self.status_filter = value
            self.load()

    @on(Select.Changed, "#history-day")
    def _day_changed(self, event: Select.Changed) -> None:
        value = str(event.value) if event.value is not Select.NULL else ALL
        if value != self.day_filter:
            self.day_filter = value
            self.load()

    @on(Input.Changed, "#history-phone")
    def _phone_changed(self, event: Input.Changed) -> None:
        if event.value != self.phone_text:
            self.phone_text = event.value
            self.load()

    @on(Input.Submitted, "#history-phone")
    def _phone_submitted(self) -> None:
        self.query_one("#history-table", DataTable).focus()

    def phone_filter(self) -> tuple[str | None, str]:
        """(the exact phone for the backend, or None; digits to look for in any phone)."""
        text = self.phone_text.strip()
        if not text:
            return None, ""
        try:
            return normalise_phone(text), ""
        except InvalidInput:
            pass
        digits = re.sub(r"[\s\-().+]", "", text)
        if not re.fullmatch(r"[0-9]{1,11}", digits):  # 0-9 only: isdigit() takes ４ too
            raise InvalidInput(self.tr("history.bad_phone"))
        return None, digits

    # --- loading ------------------------------------------------------------------------------

    @work(exclusive=True, exit_on_error=False, group="history")
    async def load(self) -> None:
        office = self.app.office
        try:
            phone, digits = self.phone_filter()
            rows = await office.history(
                phone=phone,
                phone_digits=digits or None,  # searched over every booking, not the newest
                status=None if self.status_filter == ALL else self.status_filter,
                day=None if self.day_filter == ALL else date.fromisoformat(self.day_filter),
                limit=LIMIT,
            )
        except InvalidInput as exc:
            with suppress(NoMatches):
                self._summary(Text(str(exc), style="bold"), error=True)
            return
        except BoxOfficeError as exc:
            with suppress(NoMatches):
                self._summary(Text(human_message(exc, self.lang)), error=True)
            return
        with suppress(NoMatches):  # mid-recompose (language switch): the next load fills
            if rows != self.rows or not self._loaded:
                self._fill(rows)
                self.rows = rows
                self._loaded = True
            self._count()

    def _summary(self, text: Text, *, error: bool = False) -> None:
        widget = self.query_one("#history-summary", Static)
        widget.set_class(error, "-error")
        widget.update(text)

    def _count(self) -> None:
        if not self.rows:
            self._summary(Text(self.tr("history.empty"), style="dim"))
            return
        sold, pending, failed = totals(self.rows)
        text = Text(
            self.tr(
                "history.count",
                n=len(sold),
                sold=f"₩{sum(b.amount for b in sold):,}",
                refunded=f"₩{sum(b.refunded_amount for b in sold):,}",
            )
        )
        if pending:
            text.append(self.tr("history.pending", n=len(pending)), style="yellow")
        if failed:
            text.append(self.tr("history.not_sold", n=len(failed)), style="dim")
        if len(self.rows) >= LIMIT:
            text.append(self.tr("history.limit", n=LIMIT), style="yellow")
        self._summary(text)

    def _fill(self, rows: list[Booking] | None = None) -> None:
        tz = self.app.tz
        table = self.query_one("#history-table", DataTable)
        selected = None
        if table.row_count and table.cursor_row < table.row_count:
            selected = table.coordinate_to_cell_key((table.cursor_row, 0)).row_key.value
        rows = self.rows if rows is None else rows
        widths = self._widths(rows)
        if widths != self._shown_widths:
            self._columns(widths)
        table.clear()
        for b in rows:
            dim = "dim" if b.status in ("FAILED", "CANCELLED", "REJECTED") else ""
            table.add_row(
                Text(b.code, style="bold"),
                Text(
                    f"{b.created_at.astimezone(tz):%m/%d %H:%M}" if b.created_at else "", style=dim
                ),
                Text(fit(title_of(b, self.lang), widths["film"]), style=dim),
                Text(f"{b.starts_at.astimezone(tz):%m/%d %H:%M}" if b.starts_at else "", style=dim),
                Text(fit(seat_list(b.seats, ","), widths["seats"]), style=dim),
                Text(f"₩{b.amount:,}", justify="right", style=dim),
                self._status_cell(b.status, widths["status"]),
                key=b.code,
            )
        if selected is not None and selected in table.rows:  # else it was filtered out
            table.move_cursor(row=table.get_row_index(selected))

    def _status_cell(self, status: str, width: int) -> Text:
        text = status_text(status, self.lang)
        text.truncate(width, overflow="ellipsis")
        return text

    # --- keys ------------------------------------------------------------------------------

    @on(DataTable.RowSelected, "#history-table")
    def _row_chosen(self, event: DataTable.RowSelected) -> None:
        code = event.row_key.value
        if code:
            booking = next((b for b in self.rows if b.code == code), None)
            self.app.push_screen(BookingDetailScreen(code, booking))

    def action_load(self) -> None:
        self.load()

    def action_back(self) -> None:
        self.app.pop_screen()

    async def on_language_changed(self, message: LanguageChanged) -> None:
        focused = self.focused.id if self.focused else None
        await self.recompose()
        self._columns()
        self._fill()
        self._count()
        if focused:
            try:
                self.query_one(f"#{focused}").focus()
            except Exception:  # noqa: BLE001
                self.query_one("#history-table", DataTable).focus()
