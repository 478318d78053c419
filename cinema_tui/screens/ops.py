"""Ops: how the box office's services are doing, and keys to make them misbehave.

For the person running the box office (F5). Every half second a worker reads the
gateway's operational views and the screen shows them:

* ``#ops-services``: each service's state, readiness, mailbox depth, messages handled,
  restarts, undelivered mail and last error. The cursor picks the service the fault keys
  act on: ``s`` stop, ``g`` start ("go"), ``k`` crash ("kill": the supervisor restarts
  it), ``R`` rolling restart; the three that cost sales ask first. Enter shows the row's
  whole last error. The cursors stay where the operator left them, across refreshes, a
  language switch and leaving Ops and coming back (``remembered_cursors``).
* ``#ops-breaker``: the payment circuit breaker (state, failure and slow-call rates,
  calls in its window, refused calls, next trial) and its last transitions; ``b`` resets
  it.
* ``#ops-pool``: the payment worker pool (size of min–max, busy, waiting) and
  ``#ops-pool-chart``, a sparkline of its size over the last minute (resampled from the
  pool's own history, one bar a second).
* ``#ops-knobs``: the payment simulator's knobs; ``+``/``-`` change its latency by
  100 ms, ``f`` cycles its failure rate 0 → 10% → 50% → 0.
* ``#ops-dead-letters``: messages a service gave up on; Enter or ``r`` retries the one
  under the cursor (after its cause was fixed).

The keys' actions are in ``ops_levers.py`` and the payment panels' drawing (breaker,
pool, simulator) in ``ops_panels.py``; this module reads the snapshot and draws the
services and dead letters. Each action answers in ``#ops-message``. Nothing here may crash the app while faults are
being injected: every backend call is guarded and its failure becomes text. Actions run
as app workers, so leaving the screen never cancels a stop or a restart half-way.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from contextlib import suppress
from pathlib import Path
from typing import Any, ClassVar
from weakref import WeakKeyDictionary

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.css.query import NoMatches
from textual.screen import Screen
from textual.widgets import DataTable, Sparkline, Static

from backend.api import SERVICE_NAMES, BoxOfficeAPI, OpsSnapshot
from cinema_tui.app_text import AppText
from cinema_tui.errors import human_message
from cinema_tui.format import fit
from cinema_tui.messages import LanguageChanged
from cinema_tui.screens.ops_levers import OpsLevers
from cinema_tui.screens.ops_panels import OpsPanels, resample
from cinema_tui.widgets.footer import LocalFooter
from cinema_tui.widgets.status_line import SYMBOLS, ServiceStatusLine

#: Refresh period of the screen (s) and how long one read may take before it is reported.
REFRESH_S = 0.5
READ_TIMEOUT_S = 3.0
#: ``f`` walks these payment failure rates.
TRANSITIONS_SHOWN = 3
#: Columns (key, header, width): at most 79 cells with cell padding, at 80 columns (77).
SERVICE_COLUMNS = (
    ("service", "ops.col.service", 11),
    ("state", "ops.col.state", 10),
    ("ready", "ops.col.ready", 4),
    ("mailbox", "ops.col.mailbox", 4),
    ("handled", "ops.col.handled", 6),
    ("restarts", "ops.col.restarts", 3),
    ("pending", "ops.col.pending", 6),
    ("error", "ops.col.error", 17),
)
LETTER_COLUMNS = (
    ("service", "ops.col.service", 11),
    ("type", "ops.col.type", 16),
    ("correlation", "ops.col.correlation", 8),
    ("error", "ops.col.error", 22),
    ("attempts", "ops.col.attempts", 4),
)
#: The tables whose cursor row is remembered.
CURSOR_TABLES = ("#ops-services", "#ops-dead-letters")
#: Each running app's Ops cursors (table -> row key). F5 makes a new ``OpsScreen`` every
#: time, so the row the operator was on is kept here, per app (an SSH server runs many);
#: weak, so a finished session's app is not kept alive by it.
_CURSORS: WeakKeyDictionary[Any, dict[str, str]] = WeakKeyDictionary()


def remembered_cursors(app: Any) -> dict[str, str]:
    """The row key each Ops table's cursor was last on in ``app`` (empty at first)."""
    return _CURSORS.setdefault(app, {})


class OpsScreen(OpsPanels, OpsLevers, AppText, Screen[None]):
    """Services, breaker, pool, dead letters, and the fault keys."""

    CSS_PATH = Path(__file__).with_name("ops.tcss")

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="back", show=False),
        Binding("s", "stop", "Stop", id="ops-stop"),
        Binding("g", "start", "Start", id="ops-start"),
        Binding("k", "crash", "Crash", id="ops-crash"),
        Binding("R", "restart", "Restart", id="ops-restart"),
        Binding("plus", "latency(1)", "Slower", id="ops-slower"),
        Binding("minus", "latency(-1)", "Faster", id="ops-faster"),
        Binding("f", "failures", "Failures", id="ops-failures"),
        Binding("b", "reset_breaker", "Reset breaker", id="ops-breaker"),
        Binding("r", "retry", "Retry", id="ops-retry"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.health: dict[str, Any] = {}
        self.health_error: str | None = None
        self.breaker: Any = None
        self.breaker_error: str | None = None
        self.transitions: list[tuple[str, Any]] = []  # (HH:MM:SS, Transition)
        self.pool: Any = None
        self.pool_error: str | None = None
        self.chart: list[int] = []
        self.knobs: dict[str, Any] | None = None
        self.letters: list[tuple[str, Any]] = []  # (service, DeadLetterRow)
        self.letters_error: str | None = None
        self._letters_shown: tuple[Any, ...] | None = None
        #: What the message line says, as a function of the language (it follows F8).
        self._message: tuple[Callable[[], str], bool] | None = None
        self._busy: set[str] = set()

    # --- text ------------------------------------------------------------------------------

    def service_name(self, name: str) -> str:
        return self.tr(f"service.{name}")

    # --- layout ----------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Static(
            f"{self.tr('app.title')} · {self.tr('ops.heading')}", id="ops-heading",
            classes="heading",
        )
        with VerticalScroll(id="ops-body"):
            yield Static(self.tr("ops.services"), id="ops-services-title", classes="ops-title")
            yield DataTable(id="ops-services", cursor_type="row", zebra_stripes=True)
            with Horizontal(id="ops-middle"):
                yield Static("", id="ops-breaker")
                with Vertical(id="ops-pool-box"):
                    yield Static("", id="ops-pool")
                    yield Sparkline([], id="ops-pool-chart")
                    yield Static("", id="ops-pool-range")
                    yield Static("", id="ops-knobs")
            yield Static("", id="ops-dead-title", classes="ops-title")
            yield DataTable(id="ops-dead-letters", cursor_type="row", zebra_stripes=True)
        yield Static("", id="ops-message")
        yield ServiceStatusLine(id="status-line")
        yield LocalFooter()

    def on_mount(self) -> None:
        self._columns()
        self.query_one("#ops-services", DataTable).focus()
        if self._message is None:
            self.say("ops.msg.ready")
        self._render_all()
        self._restore_cursors(dict(remembered_cursors(self.app)))
        self.set_interval(REFRESH_S, self._tick)
        self.poll()

    def _restore_cursors(self, cursors: dict[str, str | None]) -> None:
        """Put each table's cursor back on the row it was on, if that row is still there."""
        for selector, key in cursors.items():
            table = self.query_one(selector, DataTable)
            if key is not None and key in table.rows:
                table.move_cursor(row=table.get_row_index(key))

    @on(DataTable.RowHighlighted)
    def _remember_cursor(self, event: DataTable.RowHighlighted) -> None:
        """Every move of a cursor is remembered for the next visit to Ops."""
        table_id = event.data_table.id
        if event.row_key.value is not None and f"#{table_id}" in CURSOR_TABLES:
            remembered_cursors(self.app)[f"#{table_id}"] = event.row_key.value

    def _columns(self) -> None:
        for selector, columns in (
            ("#ops-services", SERVICE_COLUMNS), ("#ops-dead-letters", LETTER_COLUMNS)
        ):
            table = self.query_one(selector, DataTable)
            table.clear(columns=True)
            for key, header, width in columns:
                table.add_column(self.tr(header), key=key, width=width)
        self._letters_shown = None

    # --- reading -----------------------------------------------------------------------------

    def _tick(self) -> None:
        """Refresh while shown; never start a read while the last one is still running."""
        if not self.is_current:
            return
        if any(w.node is self and w.group == "ops-poll" and w.is_running for w in self.workers):
            return
        self.poll()

    async def _read(self, call: Callable[[], Awaitable[Any]]) -> tuple[Any, str | None]:
        """(value, None) or (None, what went wrong): never raises (bar cancellation)."""
        try:
            return await asyncio.wait_for(call(), READ_TIMEOUT_S), None
        except TimeoutError:
            return None, self.tr("ops.timeout")
        except Exception as exc:  # noqa: BLE001 - shown as text, the screen keeps going
            return None, human_message(exc, self.lang)

    @work(exclusive=True, exit_on_error=False, group="ops-poll")
    async def poll(self) -> None:
        """Read the office's Ops snapshot; a part that could not be read says why."""
        office: BoxOfficeAPI = self.app.office
        snapshot, error = await self._read(office.ops_snapshot)
        if snapshot is None:  # nothing could be read: every part says why
            self.health_error = self.breaker_error = self.pool_error = error
            self.letters_error = error
            self.breaker, self.transitions, self.pool, self.chart = None, [], None, []
        else:
            self._take(snapshot)
        with suppress(NoMatches):  # mid-recompose (language switch): the next poll fills
            self._render_all()

    def _take(self, snapshot: OpsSnapshot) -> None:
        problems = {part: human_message(exc, self.lang) for part, exc in snapshot.problems.items()}
        if "health" not in problems:
            self.health = snapshot.health
        self.health_error = problems.get("health")
        self.breaker, self.breaker_error = snapshot.breaker, problems.get("breaker")
        tz = self.app.tz
        self.transitions = [
            (c.at.astimezone(tz).strftime("%H:%M:%S"), c.change)
            for c in snapshot.breaker_changes[-TRANSITIONS_SHOWN:]
        ]
        self.pool, self.pool_error = snapshot.pool, problems.get("pool")
        self.chart = resample(self.pool.history, snapshot.pool_now) if self.pool else []
        if snapshot.simulator is not None:
            k = snapshot.simulator
            self.knobs = {"latency_ms": k.latency_ms, "failure_rate": k.failure_rate,
                          "capacity": k.capacity}
        if "dead_letters" not in problems:
            self.letters = [
                (service, row) for service in SERVICE_NAMES
                for row in snapshot.dead_letters if row.service == service
            ]
        self.letters_error = problems.get("dead_letters")

    # --- drawing -----------------------------------------------------------------------------

    def _render_all(self) -> None:
        self._render_services()
        self._render_breaker()
        self._render_pool()
        self._render_letters()

    def _render_services(self) -> None:
        table = self.query_one("#ops-services", DataTable)
        widths = {key: width for key, _, width in SERVICE_COLUMNS}
        for name in SERVICE_NAMES:
            h = self.health.get(name)
            if h is None:
                cells = [Text(self.service_name(name), style="bold"), Text("…", style="dim")]
                cells += [Text("")] * (len(SERVICE_COLUMNS) - 2)
            else:
                symbol, colour = SYMBOLS.get(h.state, ("?", "white"))
                error = h.last_error or ""
                cells = [
                    Text(self.service_name(name), style="bold"),
                    Text(f"{symbol} {self.tr('state.' + h.state)}", style=colour),
                    Text("✓", style="green") if h.ready else Text("✗", style="red"),
                    Text(str(h.mailbox_depth), justify="right",
                         style="yellow" if h.mailbox_depth else ""),
                    Text(str(h.handled), justify="right"),
                    Text(str(h.restarts), justify="right", style="yellow" if h.restarts else ""),
                    Text("?" if h.pending_deliveries is None else str(h.pending_deliveries),
                         justify="right", style="yellow" if h.pending_deliveries else "dim"),
                    Text(fit(error, widths["error"]) if error else "—",
                         style="red" if error else "dim"),
                ]
            if name in table.rows:
                for (key, _, _), cell in zip(SERVICE_COLUMNS, cells):
                    table.update_cell(name, key, cell)
            else:
                table.add_row(*cells, key=name)
        title = self.query_one("#ops-services-title", Static)
        text = Text(self.tr("ops.services"))
        if self.health_error:
            text.append("  " + self.tr("ops.unavailable", error=self.health_error), style="red")
        title.update(text)

    def _render_letters(self) -> None:
        title = Text(
            self.tr("ops.dead", n=len(self.letters)) if self.letters else self.tr("ops.dead.none")
        )
        if self.letters_error:
            title.append("  " + self.tr("ops.unavailable", error=self.letters_error), style="red")
        self.query_one("#ops-dead-title", Static).update(title)
        shown = tuple((s, r.message_id, r.attempts, r.error) for s, r in self.letters)
        if shown == self._letters_shown:
            return
        self._letters_shown = shown
        table = self.query_one("#ops-dead-letters", DataTable)
        selected = self._selected_key(table)
        table.clear()
        widths = {key: width for key, _, width in LETTER_COLUMNS}
        for service, row in self.letters:
            table.add_row(
                Text(self.service_name(service), style="bold"),
                Text(fit(row.type, widths["type"])),
                Text(str(row.correlation_id)[:8], style="dim"),
                Text(fit(row.error or "", widths["error"]), style="red"),
                Text(str(row.attempts), justify="right"),
                key=f"{service}/{row.message_id}",
            )
        if selected is not None and selected in table.rows:
            table.move_cursor(row=table.get_row_index(selected))

    @staticmethod
    def _selected_key(table: DataTable) -> str | None:
        if not table.row_count or table.cursor_row >= table.row_count:
            return None
        return table.coordinate_to_cell_key((table.cursor_row, 0)).row_key.value

    # --- the message line ------------------------------------------------------------------

    def say(self, key: str, *, error: bool = False, service: str | None = None,
            **fmt: object) -> None:
        """Answer an action in ``#ops-message``: string ``key`` with ``fmt``, and the
        service's name in the current language (so it follows a language switch)."""

        def text() -> str:
            names = {} if service is None else {"service": self.service_name(service)}
            return self.tr(key, **names, **fmt)

        self._message = (text, error)
        self._show_message()

    def say_error(self, exc: BaseException) -> None:
        self._message = (lambda: human_message(exc, self.lang), True)
        self._show_message()

    def _show_message(self) -> None:
        if self._message is None:
            return
        with suppress(NoMatches):
            text, error = self._message
            widget = self.query_one("#ops-message", Static)
            widget.set_class(error, "-error")
            widget.update(Text(text()))

    # --- the levers' keys (OpsLevers) answer here too ----------------------------------------

    @on(DataTable.RowSelected, "#ops-dead-letters")
    def _letter_chosen(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self._retry(event.row_key.value)

    @on(DataTable.RowSelected, "#ops-services")
    def _service_chosen(self, event: DataTable.RowSelected) -> None:
        """Enter on a service: its whole last error (the table cuts it short)."""
        event.stop()
        name = event.row_key.value
        if name is None:
            return
        h = self.health.get(name)
        if h is None or not h.last_error:
            self.say("ops.msg.no_error", service=name)
        else:
            self.say("ops.msg.error_of", error=True, service=name, error_text=h.last_error)

    def action_back(self) -> None:
        self.app.pop_screen()

    def on_screen_resume(self) -> None:
        self.poll()

    async def on_language_changed(self, message: LanguageChanged) -> None:
        """Relabel in the new language, keeping the cursors, the focus and the message."""
        focused = self.focused.id if self.focused else None
        cursors = {
            selector: self._selected_key(self.query_one(selector, DataTable))
            for selector in CURSOR_TABLES
        }
        await self.recompose()
        self._columns()
        self._render_all()
        self._restore_cursors(cursors)
        self._show_message()
        try:
            self.query_one(f"#{focused or 'ops-services'}").focus()
        except NoMatches:
            self.query_one("#ops-services", DataTable).focus()
