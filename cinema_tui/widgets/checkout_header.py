"""What is being sold and for how long: the checkout's header bar and show summary.

The header carries the hold's countdown because it is the one thing the clerk must not
miss (it turns yellow in the last minute and names the key that gives more time, says
"Not held" in red once the hold has run out, green once sold); the summary
repeats show, time and seats so the clerk can read them back to the customer. Both only
draw what the checkout tells them: the countdown's clock and what happens at zero
belong to the sale.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Static

from backend.api import HoldInfo, ShowtimeSummary
from cinema_tui.app_text import AppText
from cinema_tui.format import hhmm
from cinema_tui.i18n import weekday


class CheckoutHeader(AppText, Horizontal):
    """The title bar: app and screen name on the left, the hold's countdown on the right."""

    def compose(self) -> ComposeResult:
        yield Static("", id="checkout-heading", classes="heading")
        yield Static("", id="hold-countdown")

    def relabel(self) -> None:
        self.query_one("#checkout-heading", Static).update(
            f"{self.tr('app.title')} · {self.tr('checkout.heading')}"
        )

    def show_remaining(self, seconds: int, extend_key: str = "") -> None:
        """``seconds`` left on the hold, as MM:SS; in the last minute, with the key that
        gives more time (``extend_key``, as bound)."""
        label = self.query_one("#hold-countdown", Static)
        minutes, secs = divmod(seconds, 60)
        time = f"{minutes:02d}:{secs:02d}"
        low = 0 < seconds <= 60
        if low and extend_key:
            label.update(self.tr("checkout.hold_low", time=time, press=extend_key))
        else:
            label.update(self.tr("checkout.hold", time=time))
        label.set_class(low, "-low")
        label.set_class(seconds == 0, "-over")

    def show_lapsed(self) -> None:
        """The hold ran out: the seats are no longer set aside for this sale."""
        label = self.query_one("#hold-countdown", Static)
        label.set_classes("-over")
        label.update(self.tr("checkout.hold_lapsed"))

    def show_sold(self) -> None:
        """The hold has become a sale: the countdown no longer matters."""
        label = self.query_one("#hold-countdown", Static)
        label.set_classes("-sold")
        label.update(f"✔ {self.tr('checkout.hold_sold')}")


class ShowSummary(AppText, Static):
    """Rating, film, hall, day and time, and the held seats."""


    def __init__(self, show: ShowtimeSummary, hold: HoldInfo, *, id: str | None = None) -> None:
        super().__init__("", id=id)
        self.show = show
        self.hold = hold

    def relabel(self) -> None:
        self.update(self.summary())

    def summary(self) -> Text:
        show, lang, tz = self.show, self.app.lang, self.app.tz
        start = show.starts_at.astimezone(tz)
        text = Text()
        text.append(f"{self.tr('rating.' + show.rating)} ", style="bold")
        text.append(show.title if lang == "ko" else show.title_en, style="bold")
        text.append(f"\n{show.hall if lang == 'ko' else show.hall_en} · ")
        text.append(f"{start:%m/%d} {weekday(lang, start.weekday())} ")
        text.append(f"{hhmm(show.starts_at, tz)}–{hhmm(show.ends_at, tz)}", style="bold")
        text.append("\n")
        seats = self.hold.seats
        text.append(self.tr("checkout.seats", seats=", ".join(seats), n=len(seats)))
        return text
