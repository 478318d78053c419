"""The line that always shows each service's state (running, stopped, restarting...).

It asks the gateway for health every second in a worker; the symbol tells the state
without colour (● running, ○ stopped, ◐ starting/restarting, ✖ failed) and the colour
repeats it for those who can see it.

A database server that is not answering (PostgreSQL restarting, the network down)
comes first: every sale fails until it is back, and the box office retries by itself,
so the line says which services' databases are cut off and that it is retrying; it
goes away with the first transaction that gets through.

A service that is stopped or has failed does not come back by itself, and every sale
that needs it fails meanwhile: the line puts it first, says it was stopped by an
operator (``ServiceHealth.stopped_by_operator``: ``stop_service``; a crash is
``restarting``, a moment between restart attempts is ``stopped`` but not by an operator,
and one the supervisor gave up on is ``failed``) and how to start it again (F5 Ops, ``g``),
on every screen. When that does not fit the width, the running services are summed up
in two words; anything still too long ends in "…".
"""

from __future__ import annotations

from rich.text import Text
from textual import work
from textual.reactive import reactive
from textual.widgets import Static

from backend.api import SERVICE_NAMES, BreakerSnapshot, ServiceHealth
from cinema_tui.app_text import AppText

SYMBOLS = {
    "ready": ("●", "green"),
    "stopped": ("○", "red"),
    "stopping": ("◐", "yellow"),
    "starting": ("◐", "yellow"),
    "restarting": ("◐", "yellow"),
    "failed": ("✖", "bold red"),
}


class ServiceStatusLine(AppText, Static):
    """Each service's state, always visible at the bottom of the screen."""

    health: reactive[dict[str, ServiceHealth]] = reactive(dict, always_update=True)
    breaker: BreakerSnapshot | None = None

    def on_mount(self) -> None:
        self.set_interval(1.0, self.poll)
        self.poll()

    @work(exclusive=True, exit_on_error=False, group="status")
    async def poll(self) -> None:
        office = getattr(self.app, "office", None)
        if office is None or not office.running:
            return
        self.breaker = office.breaker()
        self.health = await office.health()

    def watch_health(self, old: dict[str, ServiceHealth], new: dict[str, ServiceHealth]) -> None:
        self.update(self.render_health(), layout=False)  # always one line: no layout pass
        for name, health in new.items():
            before = old.get(name) if old else None
            if health.state == "failed" and (before is None or before.state != "failed"):
                t = self.app.t
                self.app.notify(
                    t("status.gave_up", service=t(f"service.{name}")),
                    severity="error",
                    timeout=30,
                )

    def on_resize(self) -> None:
        self.update(self.render_health(), layout=False)  # what fits depends on the width

    def render_health(self) -> Text:
        """The whole line, shortened to the widget's width (unknown before layout)."""
        width = self.content_size.width
        text = self._line(compact=False)
        if width and text.cell_len > width:
            text = self._line(compact=True)
            text.truncate(width, overflow="ellipsis")
        return text

    def _needs_operator(self, name: str) -> bool:
        """Failed, or stopped by an operator: it will not come back by itself."""
        h = self.health.get(name)
        if h is None:
            return False
        return h.state == "failed" or (h.state == "stopped" and h.stopped_by_operator)

    def _state(self, name: str) -> str:
        h = self.health.get(name)
        return h.state if h else "starting"

    def _line(self, *, compact: bool) -> Text:
        text = Text()
        t = self.app.t

        def gap() -> None:
            if text:
                text.append("  ")

        cut_off = [name for name in SERVICE_NAMES
                   if (h := self.health.get(name)) is not None and h.database_unreachable]
        if cut_off:
            names = ", ".join(t(f"service.{name}") for name in cut_off)
            text.append(f"! {t('status.database_unreachable', services=names)}",
                        style="bold yellow")
        down = [name for name in SERVICE_NAMES if self._needs_operator(name)]
        stopped = [name for name in down if self._state(name) == "stopped"]
        if stopped:
            gap()
            symbol, colour = SYMBOLS["stopped"]
            names = ", ".join(t(f"service.{name}") for name in stopped)
            text.append(f"{symbol} {t('status.stopped_by_operator', service=names)}",
                        style=colour)
        for name in down:
            if name not in stopped:
                gap()
                symbol, colour = SYMBOLS["failed"]
                text.append(f"{symbol} {t(f'service.{name}')} {t('state.failed')}",
                            style=colour)
        if down:
            hint = "status.start_hint" if len(down) == 1 else "status.start_hint_many"
            text.append(f" {t(hint)}", style="bold")
        running = [name for name in SERVICE_NAMES if name not in down]
        if compact and down and all(self._state(name) == "ready" for name in running):
            gap()
            symbol, colour = SYMBOLS["ready"]
            text.append(f"{symbol} ", style=colour)
            text.append(t("status.others_running"))
            running = []
        for name in running:
            h = self.health.get(name)
            state = self._state(name)
            symbol, colour = SYMBOLS.get(state, ("?", "white"))
            gap()
            text.append(f"{symbol} ", style=colour)
            text.append(t(f"service.{name}"))
            if state != "ready":
                text.append(f" {t('state.' + state)}", style=colour)
            elif h is not None and h.restarts:
                text.append(f" ↻{h.restarts}", style="yellow")
        b = self.breaker
        if b is not None and b.state.value != "closed":
            text.append("  ")
            if b.state.value == "open":
                text.append(t("breaker.open", seconds=max(1, round(b.next_trial_in or 0))),
                            style="bold red")
            else:
                text.append(t("breaker.half_open"), style="yellow")
        return text
