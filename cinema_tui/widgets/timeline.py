"""A booking's timeline: every step the services reported, in causal order, in words.

``TimelineView`` is a ``DataTable`` with one (two-line) row per step: the local time
(milliseconds shown) over the step's correlation id (whole: the booking's or the hold's),
the service that reported it over the message type, and a sentence built from the step's
payload in the clerk's language over the step that caused it (``← BookingPaid``). It
opens at the first step; Home and End go to the first and the last.

A command (``RequestRefund``, ``ReleaseSeats``) is never a row: the information view only
records events. A step caused by one names the row that asked for it instead
(``← CancellationRequested, via RequestRefund``), so every cause points at a row.
What each step says is built in ``step_words``.

Steps are put in causal order with ``causal_order``: a step always comes after the step
whose message caused it, then by time, then by the saga's natural order. The backend
orders by time only and steps stamped at the same instant (a frozen test clock, or a
coarse clock) come in no guaranteed order.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Sequence
from typing import Any, ClassVar

from rich.cells import cell_len
from rich.text import Text
from textual.binding import Binding, BindingType
from textual.events import Resize
from textual.widgets import DataTable

from backend.api import TimelineStep
from cinema_tui.i18n import t
from cinema_tui.widgets.step_words import (
    CODE_REASONS,
    REASON_STEPS,
    SEAT_STEPS,
    describe,
    reason_text,
    tickets_text,
)

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

#: Commands never appear in a timeline. A step caused by one: (the command, the steps
#: that ask for it, latest first). The refund is asked for with a cancellation or by a
#: rejection; the cinema is asked to release the seats once the money is back.
HIDDEN_CAUSE: dict[str, tuple[str, tuple[str, ...]]] = {
    "PaymentRefunded": ("RequestRefund", ("CancellationRequested", "SeatsRejected")),
    "SeatsReleased": ("ReleaseSeats", ("PaymentRefunded",)),
}


TIME_WIDTH = 12  # "10:00:00.000"
STEP_WIDTH = 21  # "CancellationRequested"
MIN_WHAT_WIDTH = 24


def asked_by(step: TimelineStep, steps: Sequence[TimelineStep]) -> TimelineStep | None:
    """The row that asked for the command that caused ``step`` (None: not such a step,
    or no such row): the latest step of the same saga, at or before ``step``, of a kind
    that asks for that command."""
    known = HIDDEN_CAUSE.get(step.step)
    if known is None or any(s.message_id == step.causation_id for s in steps):
        return None
    askers = [
        s for s in steps
        if s.step in known[1] and s.correlation_id == step.correlation_id and s.at <= step.at
        and s.message_id != step.message_id
    ]
    return max(askers, key=lambda s: (s.at, -known[1].index(s.step)), default=None)


def causal_order(steps: Iterable[TimelineStep]) -> list[TimelineStep]:
    """Steps so that each comes after its cause (or the row that asked for the command
    that caused it); otherwise by time, then saga order."""
    items = list(steps)
    ids = {s.message_id for s in items}
    children: dict[str, list[int]] = {}
    ready: list[tuple[Any, int, int]] = []
    for i, s in enumerate(items):
        asker = asked_by(s, items)
        parent = asker.message_id if asker is not None else s.causation_id
        if parent and parent in ids and parent != s.message_id:
            children.setdefault(parent, []).append(i)
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
    """``bk_d78f9455…`` → ``bk_d78f94``: the prefix and six characters (for a place too
    narrow for the whole id; the timeline shows ids whole)."""
    if not identifier:
        return "—"
    prefix, _, rest = identifier.partition("_")
    return f"{prefix}_{rest[:6]}" if rest else identifier[:9]


def id_width(steps: Iterable[TimelineStep]) -> int:
    """Cells the first column needs to show every step's ids whole (and the time)."""
    return max(
        [TIME_WIDTH]
        + [cell_len(s.correlation_id or "—") for s in steps]
    )


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

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("home", "scroll_top", "First step", show=False, id="timeline_first"),
        Binding("end", "scroll_bottom", "Last step", show=False, id="timeline_last"),
    ]

    def __init__(self, *, id: str | None = "timeline", classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes, cursor_type="row", zebra_stripes=True)
        self.steps: list[TimelineStep] = []
        self._what_width = 0
        self._id_width = TIME_WIDTH

    # --- the app's language and time zone ---------------------------------------------------

    @property
    def _lang(self) -> str:
        return getattr(self.app, "lang", "en")

    def _t(self, key: str, **fmt: object) -> str:
        return t(key, self._lang, **fmt)

    def on_mount(self) -> None:
        self._columns()

    def _available_width(self, id_cells: int | None = None) -> int:
        width = self.size.width or self.app.size.width
        id_cells = self._id_width if id_cells is None else id_cells
        return max(
            MIN_WHAT_WIDTH,
            width - id_cells - STEP_WIDTH - 2 * 3 - 2,
        )

    def _columns(self) -> None:
        self._what_width = self._available_width()
        self.clear(columns=True)
        self.add_column(self._t("tl.col.time"), key="time", width=self._id_width)
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
        """Show ``steps`` (any order). The first time, the cursor is on the first step
        (the top of the story); after that it stays on its step, or follows the newest
        one while it is on the last row (End goes there)."""
        ordered = causal_order(steps)
        if ordered == self.steps and self.row_count == len(ordered):
            return
        first_time = self.row_count == 0
        at_end = not first_time and self.cursor_row >= self.row_count - 1
        selected = None
        if self.row_count and not at_end:
            selected = self.coordinate_to_cell_key((self.cursor_row, 0)).row_key.value
        self.steps = ordered
        wanted = id_width(ordered)
        if wanted != self._id_width:  # ids are shown whole: the first column fits them
            self._id_width = wanted
            self._columns()
        self.clear()
        tz = getattr(self.app, "tz", None)
        for step in ordered:
            self.add_row(*self._cells(step, ordered, tz), key=step.message_id, height=None)
        if not ordered:
            return
        if first_time:
            self.move_cursor(row=0, animate=False)
            self.scroll_home(animate=False)
        elif selected is not None and selected in self.rows:
            self.move_cursor(row=self.get_row_index(selected), animate=False)
        else:  # following the newest step (or the selected one vanished)
            self.move_cursor(row=len(ordered) - 1, animate=False)

    def _cells(
        self, step: TimelineStep, steps: Sequence[TimelineStep], tz: Any
    ) -> tuple[Text, Text, Text]:
        """Time over the (whole) correlation id; service over the message type; what
        happened over the step that caused it."""
        at = step.at.astimezone(tz) if tz is not None else step.at
        time = Text(f"{at:%H:%M:%S}.{at.microsecond // 1000:03d}\n", no_wrap=True)
        time.append(step.correlation_id or "—", style="cyan")
        service = self._t(f"service.{step.service}")
        if service.startswith("["):
            service = step.service
        kind = Text(service, style="bold", no_wrap=True, overflow="ellipsis")
        kind.append("\n")
        kind.append(step.step, style="dim italic")
        what = Text(describe(step, self._lang, tz))
        what.append("\n")
        what.append_text(self._cause(step, steps))
        return time, kind, what

    def _cause(self, step: TimelineStep, steps: Sequence[TimelineStep]) -> Text:
        """The row whose message caused this one; for a step caused by a command (never
        a row), the row that asked for the command, and the command's name."""
        if not step.causation_id:
            return Text(self._t("tl.no_cause"), style="dim")
        cause = next((s for s in steps if s.message_id == step.causation_id), None)
        if cause is not None:
            return Text(self._t("tl.cause", step=cause.step), style="dim")
        hidden = HIDDEN_CAUSE.get(step.step)
        if hidden:
            asker = asked_by(step, steps)
            if asker is not None:
                return Text(
                    self._t("tl.cause_via", step=asker.step, command=hidden[0]), style="dim"
                )
            return Text(self._t("tl.cause_unseen", command=hidden[0]), style="dim italic")
        return Text(self._t("tl.cause_unseen", command=step.causation_id), style="dim")

    def step_names(self) -> list[str]:
        """The message types shown, top to bottom (for tests and the clerk's eyes)."""
        return [s.step for s in self.steps]


__all__ = [
    "CODE_REASONS",
    "NATURAL_ORDER",
    "REASON_STEPS",
    "SEAT_STEPS",
    "TimelineView",
    "asked_by",
    "causal_order",
    "describe",
    "reason_text",
    "short_id",
    "tickets_text",
]
