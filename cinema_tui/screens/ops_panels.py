"""Ops: the payment panels (the circuit breaker, the worker pool and its chart, the
simulator's knobs), drawn from the snapshot ``OpsScreen`` keeps.

A mixin of ``OpsScreen`` (like ``ops_levers.OpsLevers``), so ``ops.py`` stays the screen's
reading and layout; nothing here calls the backend.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.text import Text
from textual.widgets import Sparkline, Static

#: The pool chart: this many bars, one per ``CHART_STEP_S`` seconds.
CHART_SAMPLES = 60
CHART_STEP_S = 1.0
BREAKER_STYLE = {"closed": "green", "open": "bold red", "half_open": "yellow"}


def resample(
    history: Sequence[tuple[float, int]],
    now: float,
    samples: int = CHART_SAMPLES,
    step: float = CHART_STEP_S,
) -> list[int]:
    """The size at each of ``samples`` moments ``step`` apart, ending ``now``.

    ``history`` holds (monotonic time, new size) at each change, oldest first; before its
    first entry the first size is assumed.
    """
    if not history:
        return []
    now = max(now, history[-1][0])
    out: list[int] = []
    i = 0
    size = history[0][1]
    for n in range(samples):
        t = now - (samples - 1 - n) * step
        while i < len(history) and history[i][0] <= t:
            size = history[i][1]
            i += 1
        out.append(size)
    return out


class OpsPanels:
    """Draws ``#ops-breaker``, ``#ops-pool``, ``#ops-pool-chart``, ``#ops-pool-range`` and
    ``#ops-knobs`` from what the screen last read."""

    breaker: Any
    breaker_error: str | None
    transitions: list[Any]
    pool: Any
    pool_error: str | None
    chart: list[int]
    knobs: dict[str, Any] | None
    query_one: Any
    tr: Any

    def _render_breaker(self) -> None:
        widget = self.query_one("#ops-breaker", Static)
        text = Text(self.tr("ops.breaker"), style="bold")
        text.append("\n")
        b = self.breaker
        if b is None:
            text.append(self.tr("ops.unavailable", error=self.breaker_error or "…"), style="red")
            widget.update(text)
            return
        state = b.state.value
        text.append("● ", style=BREAKER_STYLE.get(state, ""))
        text.append(self.tr(f"ops.breaker.{state}"), style=BREAKER_STYLE.get(state, ""))
        text.append("\n")
        text.append(self.tr(
            "ops.breaker.rates", fail=round(b.failure_rate * 100),
            slow=round(b.slow_call_rate * 100), calls=b.calls,
        ))
        text.append("\n")
        trial = (
            self.tr("ops.breaker.trial_in", s=max(1, round(b.next_trial_in)))
            if state == "open" and b.next_trial_in is not None else "—"
        )
        text.append(self.tr("ops.breaker.refused", refused=b.refused, trial=trial))
        if not self.transitions:
            text.append("\n")
            text.append(self.tr("ops.breaker.none"), style="dim")
        for at, tr in self.transitions:
            text.append("\n")
            text.append(f"{at} ", style="dim")
            text.append(self.tr(f"ops.breaker.{tr.old.value}").split(" ")[0],
                        style=BREAKER_STYLE.get(tr.old.value, ""))
            text.append("→")
            text.append(self.tr(f"ops.breaker.{tr.new.value}").split(" ")[0],
                        style=BREAKER_STYLE.get(tr.new.value, ""))
        widget.update(text)

    def _render_pool(self) -> None:
        p = self.pool
        pool_text = (
            Text(self.tr("ops.pool", size=p.size, min=p.min_size, max=p.max_size, busy=p.busy,
                         waiting=p.waiting))
            if p is not None
            else Text(self.tr("ops.unavailable", error=self.pool_error or "…"), style="red")
        )
        self.query_one("#ops-pool", Static).update(pool_text)
        chart = self.query_one("#ops-pool-chart", Sparkline)
        if chart.data != self.chart:
            chart.data = list(self.chart)
        span = (
            self.tr("ops.pool.range", low=min(self.chart), high=max(self.chart))
            if self.chart else ""
        )
        self.query_one("#ops-pool-range", Static).update(Text(span, style="dim"))
        k = self.knobs
        knobs = (
            Text(self.tr("ops.knobs", latency=round(k["latency_ms"]),
                         failure=round(k["failure_rate"] * 100), capacity=k["capacity"]))
            if k is not None else Text("")
        )
        self.query_one("#ops-knobs", Static).update(knobs)
