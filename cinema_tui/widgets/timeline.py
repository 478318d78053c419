"""A booking's timeline: every step the services reported, in causal order, in words.

``TimelineView`` is a ``DataTable`` with one (two-line) row per step: the local time
(milliseconds shown), the service that reported it, a sentence built from the step's
payload in the clerk's language (with the message type underneath), and the short
correlation id with the step that caused it (``← BookingPaid``).

Steps are put in causal order with ``causal_order``: a step always comes after the step
whose message caused it, then by time, then by the saga's natural order. The backend
orders by time only and steps stamped at the same instant (a frozen test clock, or a
coarse clock) come in no guaranteed order.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from rich.text import Text
from textual.events import Resize
from textual.widgets import DataTable

from backend.api import TimelineStep
from cinema_tui.format import won
from cinema_tui.i18n import t

#: The order a saga's steps naturally happen in; breaks ties between steps stamped at
#: the same instant that do not cause one another.
NATURAL_ORDER = {
    name: i
    for i, name in enumerate(
        (
            "SeatsHeld",
            "BookingRequested",
            "PaymentRefused",
            "PaymentCaptured",
            "BookingFailed",
            "HoldReleased",
            "BookingPaid",
            "SeatsConfirmed",
            "SeatsRejected",
            "BookingCompleted",
            "CancellationRequested",
            "RequestRefund",
            "PaymentRefunded",
            "ReleaseSeats",
            "SeatsReleased",
            "BookingCancelled",
            "BookingRejected",
        )
    )
}

#: Commands never appear in a timeline; a step caused by one names it instead.
HIDDEN_CAUSE = {"PaymentRefunded": "RequestRefund", "SeatsReleased": "ReleaseSeats"}

#: Steps told as "what happened: reason" (``tl.<step>``, with ``{reason}`` and ``{seats}``).
REASON_STEPS = ("PaymentRefused", "BookingFailed", "SeatsRejected", "BookingRejected",
                "RequestRefund")
#: Steps told by their seats alone (``tl.<step>`` with ``{seats}``).
SEAT_STEPS = ("ReleaseSeats", "SeatsReleased", "BookingCancelled")

TIME_WIDTH = 12
STEP_WIDTH = 21  # "CancellationRequested"
MIN_WHAT_WIDTH = 24


def causal_order(steps: Iterable[TimelineStep]) -> list[TimelineStep]:
    """Steps so that each comes after its cause; otherwise by time, then saga order."""
    items = list(steps)
    ids = {s.message_id for s in items}
    children: dict[str, list[int]] = {}
    ready: list[tuple[Any, int, int]] = []
    for i, s in enumerate(items):
        if s.causation_id and s.causation_id in ids and s.causation_id != s.message_id:
            children.setdefault(s.causation_id, []).append(i)
        else:
            heapq.heappush(ready, (s.at, NATURAL_ORDER.get(s.step, 99), i))
    ordered: list[TimelineStep] = []
    placed: set[int] = set()
    while ready:
        _, _, i = heapq.heappop(ready)
        placed.add(i)
        ordered.append(items[i])
        for child in children.get(items[i].message_id, ()):
            c = items[child]
            heapq.heappush(ready, (c.at, NATURAL_ORDER.get(c.step, 99), child))
    # A cause that is itself caused by its own effect cannot happen; keep anything left.
    ordered.extend(items[i] for i in range(len(items)) if i not in placed)
    return ordered


def short_id(identifier: str | None) -> str:
    """``bk_d78f9455…`` → ``bk_d78f94``: the prefix and six characters."""
    if not identifier:
        return "—"
    prefix, _, rest = identifier.partition("_")
    return f"{prefix}_{rest[:6]}" if rest else identifier[:9]


def _seats(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    return str(value or "")


def reason_text(reason: Any, lang: str) -> str:
    """A payment or cinema reason in words (``card_declined`` → "card declined")."""
    text = str(reason or "?")
    translated = t(f"reason.{text}", lang)
    return text if translated.startswith("[") else translated


def tickets_text(tickets: Any, lang: str) -> str:
    """``{"adult": 2, "youth": 1}`` → "Adult 2, Youth 1" (unknown kinds as they are)."""
    if not isinstance(tickets, dict):
        return str(tickets or "")
    parts = []
    for kind, count in tickets.items():
        if not count:
            continue
        name = t(f"ticket.{kind}", lang)
        parts.append(f"{kind if name.startswith('[') else name} {count}")
    return ", ".join(parts) or "—"


def describe(step: TimelineStep, lang: str, tz: Any) -> str:
    """What the step means, in the clerk's language, built from its payload."""
    d = step.data or {}
    name = step.step
    seats = _seats(d.get("seats"))
    if name == "SeatsHeld":
        until = d.get("expires_at") or ""
        try:
            until = datetime.fromisoformat(until).astimezone(tz).strftime("%H:%M:%S")
        except (TypeError, ValueError):
            pass
        return t("tl.SeatsHeld", lang, seats=seats, until=until)
    if name == "HoldReleased":
        reason = d.get("reason")
        if reason in ("released", "expired"):
            return t(f"tl.HoldReleased.{reason}", lang, seats=seats)
        return t("tl.HoldReleased", lang, seats=seats, reason=reason_text(reason, lang))
    if name == "BookingRequested":
        method = d.get("method") or ""
        label = t(f"tl.method.{method}", lang)
        return t(
            "tl.BookingRequested",
            lang,
            code=d.get("code", ""),
            seats=seats,
            tickets=tickets_text(d.get("tickets"), lang),
            amount=won(d.get("amount")),
            method=method if label.startswith("[") else label,
        )
    if name == "PaymentCaptured":
        if d.get("method") == "cash":
            return t(
                "tl.PaymentCaptured.cash",
                lang,
                amount=won(d.get("amount")),
                tendered=won(d.get("tendered")),
                change=won(d.get("change")),
            )
        return t(
            "tl.PaymentCaptured.card",
            lang,
            amount=won(d.get("amount")),
            brand=d.get("brand") or t("tl.method.card", lang),
            last4=d.get("last4") or "????",
        )
    if name in REASON_STEPS:
        return t(f"tl.{name}", lang, reason=reason_text(d.get("reason"), lang), seats=seats)
    if name == "BookingPaid":
        return t("tl.BookingPaid", lang, amount=won(d.get("amount")), seats=seats)
    if name == "SeatsConfirmed":
        return t("tl.SeatsConfirmed", lang, seats=seats, tickets=_seats(d.get("tickets")))
    if name == "BookingCompleted":
        return t("tl.BookingCompleted", lang, n=len(d.get("tickets") or d.get("seats") or ()))
    if name == "CancellationRequested":
        return t("tl.CancellationRequested", lang, code=d.get("code", ""))
    if name == "PaymentRefunded":
        if not d.get("amount"):
            return t("tl.PaymentRefunded.none", lang)
        return t("tl.PaymentRefunded", lang, amount=won(d.get("amount")))
    if name in SEAT_STEPS:
        return t(f"tl.{name}", lang, seats=seats)
    # A step this screen does not know yet: show its payload as it is.
    shown = {k: v for k, v in d.items() if k not in ("booking_id",)}
    return ", ".join(f"{k}={v}" for k, v in shown.items())


class TimelineView(DataTable):
    """The steps of one booking, live-updatable with ``show_steps``.

    Its styles stay in ``DEFAULT_CSS`` (see ``cinema_tui.widgets``).
    """

    DEFAULT_CSS = """
    TimelineView {
        height: 1fr;
        scrollbar-size-vertical: 1;
    }
    """

    def __init__(self, *, id: str | None = "timeline", classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes, cursor_type="row", zebra_stripes=True)
        self.steps: list[TimelineStep] = []
        self._what_width = 0

    # --- the app's language and time zone ---------------------------------------------------

    @property
    def _lang(self) -> str:
        return getattr(self.app, "lang", "en")

    def _t(self, key: str, **fmt: object) -> str:
        return t(key, self._lang, **fmt)

    def on_mount(self) -> None:
        self._columns()

    def _available_width(self) -> int:
        width = self.size.width or self.app.size.width
        return max(
            MIN_WHAT_WIDTH,
            width - TIME_WIDTH - STEP_WIDTH - 2 * 3 - 2,
        )

    def _columns(self) -> None:
        self._what_width = self._available_width()
        self.clear(columns=True)
        self.add_column(self._t("tl.col.time"), key="time", width=TIME_WIDTH)
        self.add_column(self._t("tl.col.service"), key="service", width=STEP_WIDTH)
        self.add_column(self._t("tl.col.what"), key="what", width=self._what_width)

    def on_resize(self, event: Resize) -> None:
        if self.is_mounted and self._available_width() != self._what_width:
            self.relabel()

    def relabel(self) -> None:
        """Rebuild headers and rows (after a language switch or a resize)."""
        steps, self.steps = self.steps, []
        self._columns()
        self.show_steps(steps)

    def show_steps(self, steps: Sequence[TimelineStep]) -> None:
        """Show ``steps`` (any order); keeps the cursor, or follows the newest step."""
        ordered = causal_order(steps)
        if ordered == self.steps and self.row_count == len(ordered):
            return
        at_end = self.row_count == 0 or self.cursor_row >= self.row_count - 1
        selected = None
        if self.row_count and not at_end:
            selected = self.coordinate_to_cell_key((self.cursor_row, 0)).row_key.value
        self.steps = ordered
        self.clear()
        names = {s.message_id: s.step for s in ordered}
        tz = getattr(self.app, "tz", None)
        for step in ordered:
            self.add_row(*self._cells(step, names, tz), key=step.message_id, height=None)
        if not ordered:
            return
        if selected is not None and selected in self.rows:
            self.move_cursor(row=self.get_row_index(selected))
        else:  # following the newest step (or the selected one vanished)
            self.move_cursor(row=len(ordered) - 1)

    def _cells(self, step: TimelineStep, names: dict[str, str], tz: Any) -> tuple[Text, Text, Text]:
        """Time over the short correlation id; service over the message type; what
        happened over the step that caused it."""
        at = step.at.astimezone(tz) if tz is not None else step.at
        time = Text(f"{at:%H:%M:%S}.{at.microsecond // 1000:03d}\n", no_wrap=True)
        time.append(short_id(step.correlation_id), style="cyan")
        service = self._t(f"service.{step.service}")
        if service.startswith("["):
            service = step.service
        kind = Text(service, style="bold", no_wrap=True, overflow="ellipsis")
        kind.append("\n")
        kind.append(step.step, style="dim italic")
        what = Text(describe(step, self._lang, tz))
        what.append("\n")
        what.append_text(self._cause(step, names))
        return time, kind, what

    def _cause(self, step: TimelineStep, names: dict[str, str]) -> Text:
        """The step whose message caused this one (commands are not in the timeline)."""
        if not step.causation_id:
            return Text(self._t("tl.no_cause"), style="dim")
        name = names.get(step.causation_id)
        if name is not None:
            return Text(self._t("tl.cause", step=name), style="dim")
        hidden = HIDDEN_CAUSE.get(step.step)
        if hidden:
            return Text(self._t("tl.cause", step=hidden), style="dim italic")
        return Text(self._t("tl.cause", step=short_id(step.causation_id)), style="dim")

    def step_names(self) -> list[str]:
        """The message types shown, top to bottom (for tests and the clerk's eyes)."""
        return [s.step for s in self.steps]


__all__ = [
    "NATURAL_ORDER",
    "TimelineView",
    "causal_order",
    "describe",
    "reason_text",
    "short_id",
    "tickets_text",
]
