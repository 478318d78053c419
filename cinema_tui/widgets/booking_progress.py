"""The booking saga, step by step, as the services report it.

Seats held → booking requested → payment captured → booking paid → confirmed by the
cinema → completed. Each step gets a tick (and the service that reported it) once it is
in the booking's timeline; the step being waited for spins; a refusal shows a cross
and why, as a sentence in the clerk's language ("Payment not taken: card declined"),
never the service's code (``card_declined``). The booking's correlation id (its ``id``)
is shown so a clerk can quote it.
"""

from __future__ import annotations

from collections.abc import Iterable

from rich.text import Text
from textual.widgets import Static

from backend.api import Booking, TimelineStep
from cinema_tui.app_text import AppText
from cinema_tui.widgets.step_words import reason_text

#: The happy path, in order, with the service that normally reports each step.
STEPS: tuple[tuple[str, str], ...] = (
    ("SeatsHeld", "reservation"),
    ("BookingRequested", "reservation"),
    ("PaymentCaptured", "payment"),
    ("BookingPaid", "reservation"),
    ("SeatsConfirmed", "cinema"),
    ("BookingCompleted", "reservation"),
)

#: Steps that end the happy path, and the happy step each one replaces.
FAILURES = {
    "PaymentRefused": "PaymentCaptured",
    "BookingFailed": "BookingPaid",
    "SeatsRejected": "SeatsConfirmed",
    "BookingRejected": "BookingCompleted",
}

#: What a happy step that did not happen says, with ``{reason}`` in words.
NOT_HAPPENED = {
    "PaymentCaptured": "progress.no_payment",
    "BookingPaid": "progress.not_paid",
    "SeatsConfirmed": "progress.seats_refused",
    "BookingCompleted": "progress.not_completed",
}

SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"


class BookingProgress(AppText, Static):
    """Where a sale is in its saga. Feed it timelines; it draws ticks.

    Its styles stay in ``DEFAULT_CSS`` (see ``cinema_tui.widgets``).
    """

    DEFAULT_CSS = """
    BookingProgress {
        height: auto;
        border: round $accent;
        border-title-color: $text;
        padding: 0 1;
    }
    BookingProgress.-failed {
        border: round $error;
    }
    BookingProgress.-done {
        border: round $success;
    }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__("", id=id, classes=classes)
        self.correlation_id: str | None = None
        self.done: dict[str, str] = {}  # step -> the service that reported it
        #: happy step -> why it did not happen, as the service said it (a code such as
        #: ``card_declined``, a cinema's sentence, or ""); put into words when drawn.
        self.failed: dict[str, str] = {}
        self.note = ""
        self.active = False
        self._frame = 0

    def on_mount(self) -> None:
        self.border_title = self.tr("progress.title")
        self._spin = self.set_interval(0.15, self._tick, pause=True)
        self._draw()

    # --- feeding -------------------------------------------------------------------------

    def start(self) -> None:
        """A payment is being asked for: the hold is the first step done."""
        self.correlation_id = None
        self.done = {"SeatsHeld": "reservation"}
        self.failed = {}
        self.note = ""
        self.active = True
        self._changed()

    def set_booking(self, booking: Booking) -> None:
        """Take what a booking (from ``book()`` or ``watch_booking()``) says."""
        self.correlation_id = booking.id
        if booking.timeline:
            self.apply(booking.timeline)
        elif booking.status in ("PAID", "COMPLETED"):
            # book() answers from the write side: no timeline, but paid means these happened.
            for step, service in STEPS[:4]:
                self.done.setdefault(step, service)
        finished = booking.status == "COMPLETED" and "BookingCompleted" in self.done
        if finished or booking.status in ("FAILED", "REJECTED", "CANCELLED"):
            self.active = False
        self._changed()

    def apply(self, timeline: Iterable[TimelineStep]) -> None:
        for step in timeline:
            if (
                self.correlation_id is not None
                and step.step != "SeatsHeld"
                and step.correlation_id != self.correlation_id
            ):
                continue  # another attempt on the same hold (e.g. a declined card)
            if step.step in FAILURES:
                reason = str(step.data.get("reason") or "") if step.data else ""
                self.failed.setdefault(FAILURES[step.step], reason)
            elif any(step.step == name for name, _ in STEPS):
                self.done[step.step] = step.service
            if self.correlation_id is None and step.step != "SeatsHeld":
                self.correlation_id = step.correlation_id
        self._changed()

    def fail(self, step: str, reason: str, booking_id: str | None = None) -> None:
        """A happy step that will not happen (e.g. the card was declined); ``reason`` as
        the service gave it (``card_declined``), shown in words."""
        self.failed[step] = reason
        if booking_id:
            self.correlation_id = booking_id
            self.done.setdefault("BookingRequested", "reservation")
        self.active = False
        self._changed()

    def set_note(self, note: str) -> None:
        self.note = note
        self._draw()

    def stop(self) -> None:
        self.active = False
        self._changed()

    @property
    def completed(self) -> bool:
        return "BookingCompleted" in self.done

    # --- drawing -------------------------------------------------------------------------

    def _changed(self) -> None:
        self.set_class(bool(self.failed), "-failed")
        self.set_class(self.completed and not self.failed, "-done")
        if self.is_mounted:
            if self.active:
                self._spin.resume()
            else:
                self._spin.pause()
            self._draw()

    def _tick(self) -> None:
        self._frame = (self._frame + 1) % len(SPINNER)
        self._draw()

    def refresh_language(self) -> None:
        self.border_title = self.tr("progress.title")
        self._draw()

    def _draw(self) -> None:
        self.update(self.render_steps())

    def _service(self, name: str) -> str:
        """A service's name in the clerk's language ("예약" for reservation)."""
        text = self.tr(f"service.{name}")
        return name if text.startswith("[") else text

    def failure_text(self, step: str) -> str:
        """Why the happy ``step`` did not happen, in a sentence of the clerk's language."""
        reason = reason_text(self.failed.get(step) or "failed", self.lang)
        return self.tr(NOT_HAPPENED.get(step, "progress.not_completed"), reason=reason)

    def render_steps(self) -> Text:
        text = Text()
        waiting_shown = False
        for step, service in STEPS:
            if step in self.done:
                text.append("✔ ", style="bold green")
                text.append(self.tr(f"progress.{step}"))
                text.append(f" · {self._service(self.done[step])}", style="dim")
            elif step in self.failed:
                text.append("✖ ", style="bold red")
                text.append(self.failure_text(step), style="red")
            elif self.active and not waiting_shown and not self.failed:
                waiting_shown = True
                text.append(f"{SPINNER[self._frame]} ", style="bold yellow")
                text.append(self.tr(f"progress.{step}"), style="yellow")
                text.append(f" · {self._service(service)}", style="dim")
            else:
                text.append("○ ", style="dim")
                text.append(self.tr(f"progress.{step}"), style="dim")
            text.append("\n")
        text.append(f"{self.tr('progress.id')} ", style="dim")
        text.append(self.correlation_id or self.tr("progress.waiting_id"), style="bold")
        if self.note:
            text.append("\n")
            text.append(self.note, style="yellow")
        return text
