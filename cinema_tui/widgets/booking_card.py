"""The booking the find screen found, as a card: label/value pairs, two to a line.

Focusable, so the find screen's keys (x cancel, r reprint, t timeline) work on it
without leaving the keyboard. Its styles are the find screen's
(``screens/find_cancel.tcss``).
"""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from backend.api import Booking
from cinema_tui.app_text import AppText
from cinema_tui.format import fit
from cinema_tui.format import seats as seat_list
from cinema_tui.screens.booking_detail import (
    NOT_SOLD,
    UNDECIDED,
    hall_of,
    payment_text,
    show_time,
    status_text,
    title_of,
)
from cinema_tui.widgets.timeline import reason_text, tickets_text


class BookingCard(AppText, Static, can_focus=True):
    """The found booking; focusable so x / r / t work without leaving the keyboard."""

    def show_booking(self, booking: Booking | None, warning: str | None = None) -> None:
        """Show ``booking`` (None: nothing) with an optional ``warning`` (a string key)."""
        self.update("" if booking is None else self.card_text(booking, warning))

    def card_text(self, b: Booking, warning: str | None = None) -> Text:
        """The booking as label/value pairs, two to a line, fitted to 76 cells; then
        ``warning`` (a string key: why the booking cannot be cancelled), if any."""
        lang, tz = self.lang, self.app.tz
        label_w, value_w = 9, 27

        def pair(label: str, value: Text | str, width: int = value_w) -> Text:
            out = Text(fit(self.tr(label), label_w) + " ", style="dim")
            value = value if isinstance(value, Text) else Text(value)
            value.truncate(width, overflow="ellipsis", pad=True)
            out.append_text(value)
            return out

        def row(*pairs: Text) -> Text:
            return Text(" ").join(pairs)

        code = Text(b.code, style="bold reverse")
        film = Text(title_of(b, lang), style="bold")
        other = b.title_en if lang == "ko" else b.title
        if other and other != title_of(b, lang):
            film.append(f" · {other}", style="dim")
        when = f"{show_time(b.starts_at, lang, tz)} · {hall_of(b, lang)}"
        sold = f"{b.created_at.astimezone(tz):%m/%d %H:%M:%S}" if b.created_at else "—"
        lines = [
            row(pair("find.f.code", code), pair("find.f.status", status_text(b.status, lang))),
            pair("find.f.film", film, 66),
            row(pair("find.f.show", when), pair("find.f.seats", seat_list(b.seats))),
            row(
                pair("find.f.tickets", tickets_text(b.tickets, lang)),
                pair("find.f.amount", Text(f"₩{b.amount:,}", style="bold")),
            ),
            row(
                pair("find.f.payment", payment_text(b, lang)), pair("find.f.phone", b.phone or "—")
            ),
        ]
        refunded = Text(f"₩{b.refunded_amount:,}", style="magenta") if b.refunded_amount else "—"
        sold_label = (
            "find.f.tried" if b.status in NOT_SOLD
            else "find.f.requested" if b.status in UNDECIDED else "find.f.sold"
        )
        lines.append(row(pair(sold_label, sold), pair("find.f.refunded", refunded)))
        if b.reason:
            lines.append(pair("find.f.reason", Text(reason_text(b.reason, lang), style="red"), 66))
        if warning is not None:
            lines.append(Text("⚠ " + self.tr(warning), style="yellow"))
        return Text("\n").join(lines)


__all__ = ["BookingCard"]
