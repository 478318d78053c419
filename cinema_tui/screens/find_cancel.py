"""Find a booking by its code or the customer's phone number, then cancel or reprint it.

One box (``#find-query``) takes either: a booking code in any case, with or without
dashes (``k7m-2qx``), or a phone number (``010-1234-5678``, ``01012345678``). A code
opens that booking; a phone lists the customer's bookings (``#find-results``) when there
are several, and Enter on one opens it. The booking is shown in ``#found-booking`` and
kept fresh every two seconds (another terminal may cancel it).

``x`` cancels after a yes/no question and then says what happened to the money and the
seats (``find_cancelling``); ``r`` reprints the ticket, ``t`` opens the timeline, ``/``
goes back to the search box. Keys that cannot apply to the booking on screen are shown
dimmed, and the card (``widgets.booking_card``) says why (for instance "already
cancelled").
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Button, DataTable, Input, Label, Static

from backend.api import (
    Booking,
    BoxOfficeError,
    InvalidInput,
    NotFound,
    normalise_code,
    normalise_phone,
)
from cinema_tui.errors import human_message
from cinema_tui.format import fit
from cinema_tui.format import seats as seat_list
from cinema_tui.messages import LanguageChanged
from cinema_tui.screens.booking_detail import status_text, title_of, why_not_cancellable
from cinema_tui.screens.find_cancelling import BookingCancelling
from cinema_tui.widgets.booking_card import BookingCard
from cinema_tui.widgets.footer import LocalFooter
from cinema_tui.widgets.status_line import ServiceStatusLine

#: Statuses that have a ticket to print again.
PRINTABLE = frozenset({"PAID", "COMPLETED"})
PHONE_CHARS = re.compile(r"[+\d\s\-().]+")


class FindCancelScreen(BookingCancelling, Screen[None]):
    """Find by code or phone; cancel (with a question) or reprint."""

    CSS_PATH = Path(__file__).with_name("find_cancel.tcss")

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("x", "cancel_booking", "Cancel booking", id="cancel_booking"),
        Binding("r", "reprint", "Reprint", id="reprint"),
        Binding("t", "timeline", "Timeline", id="timeline"),
        Binding("slash", "search", "Search box", id="search", show=False),
        Binding("escape", "back", "Back", id="back"),
    ]

    def __init__(self, query: str | None = None) -> None:
        super().__init__()
        self.initial_query = query
        self.booking: Booking | None = None
        self.results: list[Booking] = []
        self.results_phone = ""
        self.cancelling = False
        self._message: Callable[[], str] = lambda: ""
        self._message_kind = ""

    # --- layout ----------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Static(
            f"{self.tr('app.title')} · {self.tr('find.heading')}",
            id="find-heading",
            classes="heading",
        )
        with Horizontal(id="find-bar"):
            yield Label(self.tr("find.label"), id="find-label")
            yield Input(placeholder=self.tr("find.placeholder"), id="find-query", compact=True)
        yield Static("", id="find-message")
        yield DataTable(id="find-results", cursor_type="row", zebra_stripes=True)
        yield BookingCard("", id="found-booking")
        with Horizontal(id="find-actions"):
            yield Button(
                self.tr("find.button.cancel"), id="cancel-booking", variant="error", compact=True
            )
            yield Button(self.tr("find.button.reprint"), id="reprint-ticket", compact=True)
            yield Button(self.tr("find.button.timeline"), id="open-timeline", compact=True)
        yield Static("", id="find-spacer")
        yield Static(self.tr("find.hint"), id="find-hint", classes="hint")
        yield ServiceStatusLine(id="status-line")
        yield LocalFooter()

    def on_mount(self) -> None:
        self._result_columns()
        self.query_one("#find-results").display = False
        self._render_booking()
        self.query_one("#find-query", Input).focus()
        self.set_interval(2.0, self.refresh_booking)
        if self.initial_query:
            self.query_one("#find-query", Input).value = self.initial_query
            self.search(self.initial_query)

    def on_screen_resume(self) -> None:
        self.refresh_booking()

    def _result_columns(self) -> None:
        table = self.query_one("#find-results", DataTable)
        table.clear(columns=True)
        table.add_column(self.tr("find.col.code"), key="code", width=6)
        table.add_column(self.tr("find.col.sold"), key="sold", width=11)
        table.add_column(self.tr("find.col.film"), key="film", width=18)
        table.add_column(self.tr("find.col.show"), key="show", width=11)
        table.add_column(self.tr("find.col.seats"), key="seats", width=7)
        table.add_column(self.tr("find.col.status"), key="status", width=10)

    # --- messages ------------------------------------------------------------------------------

    def say(self, text: Callable[[], str] | str, kind: str = "") -> None:
        """Show a one-line message; ``text`` may be a function so a language switch redoes it."""
        self._message = text if callable(text) else (lambda: text)
        self._message_kind = kind
        widget = self.query_one("#find-message", Static)
        widget.set_classes(f"-{kind}" if kind else "")
        widget.update(self._message())

    def say_key(self, key: str, kind: str = "", **fmt: object) -> None:
        self.say(lambda: self.tr(key, **fmt), kind)

    def say_error(self, exc: BaseException) -> None:
        self.say(lambda: human_message(exc, self.lang), "error")

    @property
    def message(self) -> str:
        """The message on screen now (for tests)."""
        return self._message()

    # --- searching ---------------------------------------------------------------------------

    @on(Input.Submitted, "#find-query")
    def _submitted(self, event: Input.Submitted) -> None:
        self.search(event.value)

    @work(exclusive=True, exit_on_error=False, group="find-search")
    async def search(self, query: str) -> None:
        """A code opens the booking; a phone lists that customer's bookings."""
        office = self.app.office
        text = query.strip()
        if not text:
            self.say_key("find.empty", "error")
            return
        code = normalise_code(text)
        phone = None
        if code is None:
            if not PHONE_CHARS.fullmatch(text):
                self._forget()
                self.say_key("find.malformed", "error", text=text)
                return
            try:
                phone = normalise_phone(text)
            except InvalidInput:
                self._forget()
                self.say_key("find.malformed", "error", text=text)
                return
        self.say_key("find.searching", "busy")
        try:
            if code is not None:
                booking = await office.booking(code)
                self._show_results([], "")
                self._show(booking, focus=True)
                self.say_key("find.found", "success", code=booking.code)
                return
            found = await office.history(phone=phone)
            if len(found) == 1:
                booking = await office.booking(found[0].code)
        except NotFound:
            self._forget()
            self.say_key("find.not_found", "error", code=code)
            return
        except BoxOfficeError as exc:
            self._forget()
            self.say_error(exc)
            return
        if not found:
            self._forget()
            self.say_key("find.no_phone", "error", phone=phone)
        elif len(found) == 1:
            self._show_results([], "")
            self._show(booking, focus=True)
            self.say_key("find.found", "success", code=booking.code)
        else:
            self.booking = None
            self._render_booking()
            self._show_results(found, phone or "")
            self.say_key("find.several", "success", n=len(found), phone=phone)
            self.query_one("#find-results", DataTable).focus()

    def _forget(self) -> None:
        """Nothing matches: clear what was shown so it is not mistaken for the answer."""
        self.booking = None
        self._render_booking()
        self._show_results([], "")

    def _show_results(self, bookings: list[Booking], phone: str) -> None:
        self.results, self.results_phone = bookings, phone
        table = self.query_one("#find-results", DataTable)
        table.display = bool(bookings)
        table.clear()
        tz = self.app.tz
        for b in bookings:
            sold = f"{b.created_at.astimezone(tz):%m/%d %H:%M}" if b.created_at else ""
            status = status_text(b.status, self.lang)
            status.truncate(10, overflow="ellipsis")  # "Payment unco…", never cut bare
            table.add_row(
                Text(b.code, style="bold"),
                sold,
                fit(title_of(b, self.lang), 18),
                f"{b.starts_at.astimezone(tz):%m/%d %H:%M}" if b.starts_at else "",
                fit(seat_list(b.seats, ","), 7),
                status,
                key=b.code,
            )

    @on(DataTable.RowSelected, "#find-results")
    def _result_chosen(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value:
            self.open_code(event.row_key.value)

    @work(exclusive=True, exit_on_error=False, group="find-search")
    async def open_code(self, code: str) -> None:
        try:
            booking = await self.app.office.booking(code)
        except BoxOfficeError as exc:
            self.say_error(exc)
            return
        self._show(booking, focus=True)
        self.say_key("find.found", "success", code=booking.code)

    @work(exclusive=True, exit_on_error=False, group="find-refresh")
    async def refresh_booking(self) -> None:
        """Keep the shown booking current (a cancellation elsewhere, the cinema's answer)."""
        booking = self.booking
        if booking is None or self.cancelling:
            return
        try:
            fresh = await self.app.office.booking(booking.code)
        except BoxOfficeError:
            return  # the status line already says which service is down
        if self.booking is booking and not self.cancelling and fresh != booking:
            self._show(fresh)

    # --- the booking card ------------------------------------------------------------------

    def _show(self, booking: Booking, *, focus: bool = False) -> None:
        self.booking = booking
        self._render_booking()
        if booking.code in {b.code for b in self.results}:
            self.results = [booking if b.code == booking.code else b for b in self.results]
            self._show_results(self.results, self.results_phone)
            table = self.query_one("#find-results", DataTable)
            table.move_cursor(row=table.get_row_index(booking.code))
        if focus:
            self.query_one("#found-booking", BookingCard).focus()

    def _render_booking(self) -> None:
        card = self.query_one("#found-booking", BookingCard)
        actions = self.query_one("#find-actions")
        booking = self.booking
        card.display = actions.display = booking is not None
        if booking is None:
            card.show_booking(None)
            self.refresh_bindings()
            return
        why = self._why_not(booking)
        card.show_booking(booking, None if self.cancelling else why)
        self.query_one("#cancel-booking", Button).disabled = why is not None or self.cancelling
        self.query_one("#reprint-ticket", Button).disabled = booking.status not in PRINTABLE
        self.refresh_bindings()

    def _why_not(self, booking: Booking) -> str | None:
        return why_not_cancellable(booking, self.app.office.clock.now())

    # --- actions -------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("cancel_booking", "reprint", "timeline"):
            if self.booking is None:
                return False
            if action == "cancel_booking":
                return None if self.cancelling or self._why_not(self.booking) else True
            if action == "reprint":
                return True if self.booking.status in PRINTABLE else None
        return True

    def action_reprint(self) -> None:
        booking = self.booking
        if booking is None:
            return
        if booking.status not in PRINTABLE:
            self.say_key("find.no_reprint", "error")
            return
        from cinema_tui.screens.ticket import ReprintedTicket

        self.app.push_screen(ReprintedTicket(booking))

    def action_timeline(self) -> None:
        if self.booking is None:
            return
        from cinema_tui.screens.booking_detail import BookingDetailScreen

        self.app.push_screen(BookingDetailScreen(self.booking.code, self.booking))

    def action_search(self) -> None:
        box = self.query_one("#find-query", Input)
        box.focus()
        box.select_all()

    def action_back(self) -> None:
        self.app.pop_screen()

    @on(Button.Pressed, "#cancel-booking")
    def _cancel_pressed(self) -> None:
        self.action_cancel_booking()

    @on(Button.Pressed, "#reprint-ticket")
    def _reprint_pressed(self) -> None:
        self.action_reprint()

    @on(Button.Pressed, "#open-timeline")
    def _timeline_pressed(self) -> None:
        self.action_timeline()

    # --- language ------------------------------------------------------------------------------

    def on_language_changed(self, message: LanguageChanged) -> None:
        """Relabel in place, keeping what was typed and found."""
        self.query_one("#find-heading", Static).update(
            f"{self.tr('app.title')} · {self.tr('find.heading')}"
        )
        self.query_one("#find-label", Label).update(self.tr("find.label"))
        self.query_one("#find-query", Input).placeholder = self.tr("find.placeholder")
        self.query_one("#find-hint", Static).update(self.tr("find.hint"))
        self.query_one("#cancel-booking", Button).label = self.tr("find.button.cancel")
        self.query_one("#reprint-ticket", Button).label = self.tr("find.button.reprint")
        self.query_one("#open-timeline", Button).label = self.tr("find.button.timeline")
        self._result_columns()
        self._show_results(self.results, self.results_phone)
        self._render_booking()
        self.say(self._message, self._message_kind)
        self.query_one(LocalFooter).refresh(recompose=True)
