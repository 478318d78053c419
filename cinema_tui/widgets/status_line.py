"""The line that always shows each service's state (running, stopped, restarting...).

It asks the gateway for health every second in a worker; the symbol tells the state
without colour (● running, ○ stopped, ◐ starting/restarting, ✖ failed) and the colour
repeats it for those who can see it.
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

    def render_health(self) -> Text:
        text = Text()
        t = self.app.t
        for name in SERVICE_NAMES:
            h = self.health.get(name)
            state = h.state if h else "starting"
            symbol, colour = SYMBOLS.get(state, ("?", "white"))
            if text:
                text.append("  ")
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
