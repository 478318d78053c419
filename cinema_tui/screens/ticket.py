"""The ticket: booking code, film, hall, time, seats, what was paid, and a QR code.

Shown after a sale (``app.show_ticket``). If the cinema has not confirmed the seats yet
(the booking is ``PAID``), the screen keeps following the booking and fills in the
ticket numbers when they are issued. ``s`` saves the ticket, QR code included, as a
UTF-8 text file under ``<data_dir>/tickets/``; Enter or Esc goes back to the programme.

Labels are never cut: their column is as wide as the longest label in the clerk's
language, on screen and in the file. A ticket of more than one type says which seat
has which ("E5 Adult, E6 Youth"): the types dealt to the seats the way the box office
priced and charged them (``office.quote``, adult first, in seat order).
"""

from __future__ import annotations

import asyncio
from contextlib import aclosing
from pathlib import Path
from typing import ClassVar

from rich.cells import cell_len
from rich.table import Table
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Static

from backend.api import (
    Booking,
    BoxOfficeError,
    dealt,
    private_directory,
    write_private_text,
)
from cinema_tui.app_text import AppText
from cinema_tui.format import fit, hhmm, seat_key
from cinema_tui.format import seats as seat_list
from cinema_tui.i18n import has, weekday
from cinema_tui.messages import LanguageChanged
from cinema_tui.widgets.footer import LocalFooter
from cinema_tui.widgets.qr import QRCode, qr_lines


def seat_types(booking: Booking) -> list[tuple[str, str]]:
    """(seat, ticket type) of each seat in reading order, as the box office dealt, priced
    and charged them: the backend's one rule (``backend.api.dealt``) over the booking's
    stored seats and counts. A sale made with ``book(seat_types=...)`` stored its seats so
    that this gives each seat the type the clerk chose. [] when the counts do not cover
    the seats. The rule needs no catalogue, so it holds for a show the catalogue no
    longer has."""
    if sum(booking.tickets.values()) != len(booking.seats):
        return []
    return sorted(dealt(booking.seats, booking.tickets), key=lambda pair: seat_key(pair[0]))


class TicketScreen(AppText, Screen[None]):
    """One booking, as a ticket."""

    CSS_PATH = Path(__file__).with_name("ticket.tcss")

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("s", "save_ticket", "Save as text", id="save_ticket"),
        Binding("enter,escape", "done", "Done", id="ticket_done"),
    ]

    def __init__(self, booking: Booking) -> None:
        super().__init__()
        self.booking = booking

    def compose(self) -> ComposeResult:
        yield Static("", id="ticket-heading", classes="heading")
        with Horizontal(id="ticket-body"):
            with VerticalScroll(id="ticket-info"):
                yield Static("", id="ticket-code")
                yield Static("", id="ticket-details")
            with Vertical(id="ticket-side"):
                yield QRCode(self.booking.code, id="ticket-qr")
                yield Static("", id="ticket-scan")
        yield Static("", id="ticket-hint", classes="hint")
        yield LocalFooter()

    def on_mount(self) -> None:
        self._draw()
        self.follow()

    def on_language_changed(self, message: LanguageChanged) -> None:
        self._draw()
        footer = self.query_one(LocalFooter)
        footer.call_later(footer.recompose)  # in the footer's own context (it binds data)

    # --- content ------------------------------------------------------------------------------

    def rows(self) -> list[tuple[str, str]]:
        """(label, value) of every detail, in the current language (screen and file)."""
        b = self.booking
        t = self.tr
        won = self.app.won
        lang = self.app.lang
        tz = self.app.tz
        rows: list[tuple[str, str]] = []
        film = b.title if b.title == b.title_en else f"{b.title} / {b.title_en}"
        hall = b.hall if b.hall == b.hall_en else f"{b.hall} / {b.hall_en}"
        rows.append((t("ticket.film"), film))
        rows.append((t("ticket.hall"), hall))
        if b.starts_at is not None:
            start = b.starts_at.astimezone(tz)
            rows.append(
                (t("ticket.starts"),
                 f"{start:%Y-%m-%d} ({weekday(lang, start.weekday())}) {hhmm(start, tz)}")
            )
        rows.append((t("ticket.seats"), seat_list(b.seats)))
        rows.append((t("ticket.types"), self.types_text()))
        amount = won(b.amount)
        if b.refunded_amount:
            amount += f" ({t('ticket.refunded', amount=won(b.refunded_amount))})"
        rows.append((t("ticket.amount"), amount))
        if b.method == "card":
            payment = f"{b.brand or ''} •••• {b.last4 or '????'}".strip()
        elif b.change is not None:
            payment = t("ticket.cash_detail", tendered=won(b.amount + b.change), change=won(b.change))
        else:
            payment = t("ticket.cash")
        rows.append((t("ticket.payment"), payment))
        if b.phone:
            rows.append((t("ticket.phone"), b.phone))
        numbers = ", ".join(b.ticket_numbers) if b.ticket_numbers else t("ticket.numbers_pending")
        rows.append((t("ticket.numbers"), numbers))
        status = t(f"status.{b.status}") if has(f"status.{b.status}") else b.status
        rows.append((t("ticket.status"), status))
        rows.append((t("ticket.id"), b.id))
        return rows

    def type_name(self, kind: str) -> str:
        return self.tr(f"ticket.{kind}") if has(f"ticket.{kind}") else kind

    def types_text(self) -> str:
        """"Adult ×2" for one type; "E5 Adult, E6 Youth" when the types differ."""
        b = self.booking
        kinds = [kind for kind, count in b.tickets.items() if count]
        by_seat = seat_types(b) if len(kinds) > 1 else []
        if by_seat:
            return ", ".join(f"{seat} {self.type_name(kind)}" for seat, kind in by_seat)
        return ", ".join(f"{self.type_name(kind)} ×{b.tickets[kind]}" for kind in kinds)

    def label_cells(self) -> int:
        """The label column's width: the longest label, whole."""
        labels = [self.tr("ticket.code"), *(label for label, _ in self.rows())]
        return max(cell_len(label) for label in labels)

    def _details(self) -> Table:
        grid = Table.grid(padding=(0, 1))
        grid.add_column(no_wrap=True, style="dim")
        grid.add_column(overflow="fold")
        status = self.booking.status
        for label, value in self.rows():
            style = ""
            if label == self.tr("ticket.status"):
                style = "bold green" if status == "COMPLETED" else (
                    "bold yellow" if status == "PAID" else "bold red"
                )
            elif label == self.tr("ticket.film"):
                style = "bold"
            grid.add_row(label, Text(value, style=style))
        return grid

    def _draw(self) -> None:
        b = self.booking
        self.query_one("#ticket-heading", Static).update(
            f"{self.tr('app.title')} · {self.tr('ticket.heading')}"
        )
        code = self.query_one("#ticket-code", Static)
        code.update(Text(" ".join(b.code), style="bold"))
        code.border_title = self.tr("ticket.code")
        code.set_class(b.status == "PAID", "-paid")
        code.set_class(b.status not in ("PAID", "COMPLETED"), "-void")
        self.query_one("#ticket-details", Static).update(self._details())
        self.query_one("#ticket-scan", Static).update(self.tr("ticket.scan"))
        self.query_one("#ticket-hint", Static).update(self.tr("ticket.hint"))

    # --- following the booking (the cinema may confirm after the ticket is shown) ------------

    @work(exclusive=True, exit_on_error=False, group="ticket")
    async def follow(self) -> None:
        office = self.app.office
        try:
            fresh = await office.booking(self.booking.code)
            self._update(fresh)
            if fresh.status == "COMPLETED" and fresh.ticket_numbers:
                return
            async with aclosing(office.watch_booking(self.booking.code)) as stream:
                async for current in stream:
                    self._update(current)
        except BoxOfficeError as exc:
            # The ticket already shows what the sale returned; a stale view is no error.
            self.log.warning(f"ticket not refreshed: {exc}")

    def _update(self, booking: Booking) -> None:
        if booking != self.booking:
            self.booking = booking
            self._draw()

    # --- saving -------------------------------------------------------------------------------

    def ticket_text(self) -> str:
        """The ticket as plain text, QR drawing included."""
        b = self.booking
        title = f"{self.tr('ticket.file_title')}"
        lines = [title, "=" * max(cell_len(title), 40), ""]
        cells = self.label_cells()
        lines.append(f"{fit(self.tr('ticket.code'), cells)}  {b.code}")
        for label, value in self.rows():
            lines.append(f"{fit(label, cells)}  {value}")
        lines.append("")
        lines.extend(qr_lines(b.code))
        lines.append("")
        return "\n".join(lines)

    def action_save_ticket(self) -> None:
        self.save_ticket()

    @work(exclusive=True, exit_on_error=False, group="save")
    async def save_ticket(self) -> Path:
        folder = Path(self.app.settings.data_dir).expanduser() / "tickets"
        path = folder / f"{self.booking.code}.txt"
        text = self.ticket_text()

        def write() -> None:  # a booking code is enough to cancel: private to the owner
            write_private_text(private_directory(folder) / path.name, text)

        await asyncio.to_thread(write)
        self.app.notify(self.tr("ticket.saved", path=str(path)), timeout=6)
        return path

    async def action_done(self) -> None:
        await self.app.action_home()


class ReprintedTicket(TicketScreen):
    """The ticket again (reprinted from find): "done" goes back to find rather than to
    the programme."""

    async def action_done(self) -> None:
        self.app.pop_screen()
