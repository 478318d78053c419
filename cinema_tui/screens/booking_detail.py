"""One booking in full: a summary and its live timeline, step by step.

Opened from the history (Enter on a row) or from find (``t``). The summary sits at the
top (``#detail-summary``), the booking's correlation id once in full below it
(``#detail-correlation``), then every step in causal order (``#timeline``). While the
screen is open it follows ``office.watch_booking`` so new steps appear as the services
report them; when the saga rests it keeps looking once a second, so a cancellation made
later (here or at another terminal) shows up too.

The helpers at the top (status colours, payment and ticket wording, why a booking cannot
be cancelled) are shared with the find screen.
"""

from __future__ import annotations

import asyncio
from contextlib import suppress
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.css.query import NoMatches
from textual.screen import Screen
from textual.widgets import Static

from backend.api import Booking, BoxOfficeError, InvalidInput, NotFound
from cinema_tui.app_text import AppText
from cinema_tui.errors import human_message
from cinema_tui.format import seats as seat_list
from cinema_tui.i18n import t, weekday
from cinema_tui.messages import LanguageChanged
from cinema_tui.widgets.footer import LocalFooter
from cinema_tui.widgets.status_line import ServiceStatusLine
from cinema_tui.widgets.timeline import TimelineView, reason_text, tickets_text

STATUS_STYLE = {
    "PAYMENT_PENDING": "yellow",
    "PAYMENT_UNKNOWN": "yellow",
    "PAID": "cyan",
    "COMPLETED": "bold green",
    "FAILED": "red",
    "REJECTING": "yellow",
    "REJECTED": "red",
    "CANCELLING": "yellow",
    "RELEASING": "yellow",
    "CANCELLED": "magenta",
}

#: Statuses ``office.cancel`` accepts.
CANCELLABLE = frozenset({"PAID", "COMPLETED"})
#: Attempts that never became a sale: the payment failed, or the cinema refused the
#: seats and the money went back. They are not bookings in history's totals.
NOT_SOLD = frozenset({"FAILED", "REJECTING", "REJECTED"})
#: Attempts whose payment is still being decided.
UNDECIDED = frozenset({"PAYMENT_PENDING", "PAYMENT_UNKNOWN"})


def sale_time_key(status: str) -> str:
    """How the time a booking was made reads: "sold 11/24 10:00", or for an attempt that
    was never sold "tried … , not sold" (or "requested …" while its payment is decided)."""
    if status in NOT_SOLD:
        return "detail.tried"
    if status in UNDECIDED:
        return "detail.requested"
    return "detail.sold"


def status_text(status: str, lang: str) -> Text:
    """The status in words, coloured (the words alone carry the meaning)."""
    label = t(f"status.{status}", lang)
    return Text(status if label.startswith("[") else label, style=STATUS_STYLE.get(status, ""))


def title_of(booking: Booking, lang: str) -> str:
    return booking.title if lang == "ko" else booking.title_en


def hall_of(booking: Booking, lang: str) -> str:
    return booking.hall if lang == "ko" else booking.hall_en


def show_time(starts_at: datetime | None, lang: str, tz: Any) -> str:
    """``11/25 (Wed) 09:00`` in the cinema's time zone."""
    if starts_at is None:
        return "--/-- --:--"
    local = starts_at.astimezone(tz)
    return f"{local:%m/%d} ({weekday(lang, local.weekday())}) {local:%H:%M}"


def payment_text(booking: Booking, lang: str) -> str:
    """``VISA •••• 4242``, ``Cash · change ₩30,000``, or a dash before payment."""
    if booking.method == "card":
        if booking.last4:
            return f"{booking.brand or t('pay.card', lang)} •••• {booking.last4}"
        return t("pay.card", lang)
    if booking.method == "cash":
        text = t("pay.cash", lang)
        if booking.change:
            text += " · " + t("pay.change", lang, amount=f"₩{booking.change:,}")
        return text
    return t("pay.none", lang)


def why_not_cancellable(booking: Booking, now: datetime) -> str | None:
    """The i18n key explaining why ``cancel`` would refuse, or None if it can go ahead."""
    status = booking.status
    if status in CANCELLABLE:
        if booking.starts_at is not None and booking.starts_at <= now:
            return "why.started"
        return None
    return {
        "CANCELLED": "why.cancelled",
        "CANCELLING": "why.cancelling",
        "RELEASING": "why.cancelling",
        "FAILED": "why.failed",
        "REJECTED": "why.rejected",
        "REJECTING": "why.rejected",
        "PAYMENT_PENDING": "why.pending",
        "PAYMENT_UNKNOWN": "why.pending",
    }.get(status, "why.pending")


def _line(*parts: Text | str) -> Text:
    line = Text(no_wrap=True, overflow="ellipsis")
    for i, part in enumerate(p for p in parts if p):
        if i:
            line.append(" · ", style="dim")
        line.append(part)
    return line


def summary_text(booking: Booking, lang: str, tz: Any) -> Text:
    """Three lines: code, status, film / hall, time, seats, tickets / money and phone."""
    first = Text(no_wrap=True, overflow="ellipsis")
    first.append(booking.code, style="bold reverse")
    first.append("  ")
    first.append_text(status_text(booking.status, lang))
    first.append("  ")
    first.append(title_of(booking, lang), style="bold")
    other = booking.title_en if lang == "ko" else booking.title
    if other and other != title_of(booking, lang):
        first.append(f" ({other})", style="dim")
    if booking.created_at is not None:
        sold = f"{booking.created_at.astimezone(tz):%m/%d %H:%M:%S}"
        first.append(" · " + t(sale_time_key(booking.status), lang, at=sold), style="dim")
    second = _line(
        hall_of(booking, lang),
        show_time(booking.starts_at, lang, tz),
        seat_list(booking.seats),
        tickets_text(booking.tickets, lang),
    )
    money = Text(f"₩{booking.amount:,}", style="bold")
    extras: list[Text | str] = [money, payment_text(booking, lang)]
    if booking.refunded_amount:
        extras.append(
            Text(
                t("detail.refunded", lang, amount=f"₩{booking.refunded_amount:,}"), style="magenta"
            )
        )
    if booking.reason:
        extras.append(
            Text(t("detail.reason", lang, reason=reason_text(booking.reason, lang)), style="red")
        )
    if booking.phone:
        extras.append(booking.phone)
    result = Text("\n", no_wrap=True, overflow="ellipsis").join([first, second, _line(*extras)])
    return result


class BookingDetailScreen(AppText, Screen[None]):
    """A booking's summary and live timeline."""

    CSS_PATH = Path(__file__).with_name("booking_detail.tcss")

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "back", "Back", id="back")]

    def __init__(self, code: str, booking: Booking | None = None) -> None:
        super().__init__()
        self.code = code
        self.booking: Booking | None = booking
        self.live_state = "live"
        self.live_error = ""

    def compose(self) -> ComposeResult:
        tr = self.app.t
        yield Static(tr("detail.heading", code=self.code), id="detail-heading", classes="heading")
        yield Static(tr("detail.loading"), id="detail-summary")
        yield Static("", id="detail-correlation")
        yield TimelineView(id="timeline")
        yield Static("", id="detail-hint", classes="hint")
        yield ServiceStatusLine(id="status-line")
        yield LocalFooter()

    def on_mount(self) -> None:
        self.query_one("#timeline", TimelineView).focus()
        if self.booking is not None:
            self._show(self.booking)
        self._hint()
        self.follow()

    # --- live ------------------------------------------------------------------------------

    @work(exclusive=True, exit_on_error=False, group="detail-follow")
    async def follow(self) -> None:
        """Show the booking now, then every change until the screen closes."""
        office = self.app.office
        while True:
            try:
                self._show(await office.booking(self.code))
                self._set_live("live")
                watch = office.watch_booking(self.code)
                try:
                    async for booking in watch:
                        self._show(booking)
                finally:
                    await watch.aclose()
                # The saga rests; a later cancellation is not followed by watch_booking.
                self._set_live("rested")
                while True:
                    await asyncio.sleep(1.0)
                    fresh = await office.booking(self.code)
                    if fresh != self.booking:
                        self._show(fresh)
                        break
            except (NotFound, InvalidInput) as exc:
                message = (
                    self.app.t("detail.not_found", code=self.code)
                    if isinstance(exc, NotFound)
                    else human_message(exc, self.lang)
                )
                with suppress(NoMatches):
                    summary = self.query_one("#detail-summary", Static)
                    summary.update(Text(message, style="bold red"))
                self._set_live("rested")
                return
            except BoxOfficeError as exc:  # information stopped: say so and try again
                self._set_live("paused", human_message(exc, self.lang))
                await asyncio.sleep(2.0)

    def _set_live(self, state: str, error: str = "") -> None:
        if (state, error) != (self.live_state, self.live_error):
            self.live_state, self.live_error = state, error
            self._hint()

    def _hint(self) -> None:
        with suppress(NoMatches):
            self._draw_hint()

    def _draw_hint(self) -> None:
        tr = self.app.t
        live = Text()
        if self.live_state == "paused":
            live.append(tr("detail.paused", error=self.live_error), style="yellow")
        else:
            live.append(tr(f"detail.{self.live_state}"), style="green")
        line = Text(no_wrap=True, overflow="ellipsis")
        line.append(tr("detail.hint"))
        line.append("   ")
        line.append_text(live)
        self.query_one("#detail-hint", Static).update(line)

    def _show(self, booking: Booking) -> None:
        self.booking = booking
        with suppress(NoMatches):  # mid-recompose (language switch): shown again after it
            self._draw(booking)

    def _draw(self, booking: Booking) -> None:
        tz = self.app.tz
        self.query_one("#detail-summary", Static).update(summary_text(booking, self.lang, tz))
        tr = self.app.t
        corr = Text(no_wrap=True, overflow="ellipsis")
        corr.append(tr("detail.correlation", id=booking.correlation_id))
        if booking.hold_id:
            corr.append(" · " + tr("detail.hold", id=booking.hold_id), style="dim")
        self.query_one("#detail-correlation", Static).update(corr)
        self.query_one("#timeline", TimelineView).show_steps(booking.timeline)

    # --- keys ------------------------------------------------------------------------------

    def action_back(self) -> None:
        self.app.pop_screen()

    async def on_language_changed(self, message: LanguageChanged) -> None:
        await self.recompose()
        self.query_one("#timeline", TimelineView).focus()
        if self.booking is not None:
            self._show(self.booking)
        self._hint()
