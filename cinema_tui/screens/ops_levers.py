"""The Ops screen's levers: stop, start, crash or restart a service, slow or break
payments, reset the breaker, retry a dead letter.

Kept apart from ``ops.py`` (which reads and draws) because acting is a job of its own:
each lever runs as an app worker (leaving the screen never cancels a stop half-way),
one per service at a time, and answers on the screen's message line; a failure becomes
words there, never a crash.

A lever that stops selling or may lose work in progress (stop, crash, rolling restart
of a running service) asks first with ``ConfirmScreen``, whose "No" has the focus: one
stray key on the Ops screen must never stop every sale. The question says what the
box office loses, in the manager's words, and how to undo it. Levers that only bring
things back (start, reset the breaker, retry a dead letter) or turn the demo payment
simulator's knobs (a declined or slow payment keeps its seats and charges nothing) act
at once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from textual.widgets import DataTable

from backend.api import SERVICE_NAMES, BoxOfficeAPI
from cinema_tui.screens.confirm import ConfirmScreen

#: The failure rates ``f`` cycles through.
FAILURE_STEPS = (0.0, 0.1, 0.5)
#: How much ``+``/``-`` change the payment latency.
LATENCY_STEP_MS = 100
#: The states of a service in which a lever does harm (stops selling, or may lose work in
#: progress), so it asks first; in any other state the lever only says why it does nothing.
HARMFUL_IN = {
    "stop": frozenset({"ready", "starting", "restarting"}),
    "crash": frozenset({"ready"}),
    "restart": frozenset({"ready"}),
}
#: Stopping costs each service's part of a sale: the question says which.
STOP_QUESTIONS = {
    "reservation": "ops.ask.stop_reservation",
    "payment": "ops.ask.stop_payment",
    "cinema": "ops.ask.stop_cinema",
    "information": "ops.ask.stop_information",
}
QUESTIONS = {"crash": "ops.ask.crash", "restart": "ops.ask.restart"}
TITLES = {"stop": "ops.ask.title_stop", "crash": "ops.ask.title_crash",
          "restart": "ops.ask.title_restart"}


def next_failure_rate(current: float) -> float:
    """The failure rate after ``current`` in 0 → 0.1 → 0.5 → 0 (from any value)."""
    for step in FAILURE_STEPS:
        if step > current + 1e-9:
            return step
    return FAILURE_STEPS[0]


class OpsLevers:
    """The actions of the Ops screen's keys (mixed into ``OpsScreen``)."""

    app: Any
    health: dict[str, Any]
    letters: list[tuple[str, Any]]
    _busy: set[str]
    is_attached: bool
    is_current: bool
    query_one: Any
    say: Any
    say_error: Any
    poll: Any
    tr: Any
    service_name: Any
    _selected_key: Any

    def selected_service(self) -> str | None:
        return self._selected_key(self.query_one("#ops-services", DataTable))

    def _act(self, job: Callable[[], Awaitable[None]], busy: str | None = None) -> None:
        """Run a backend action as an app worker: it answers in the message line (its
        failure too) and survives leaving the screen, so a stop or a restart never stops
        half-way. One action per service (``busy``) at a time."""
        if busy is not None:
            if busy in self._busy:
                if busy in SERVICE_NAMES:
                    self.say("ops.msg.busy", error=True, service=busy)
                else:
                    self.say("ops.msg.retrying", error=True)
                return
            self._busy.add(busy)

        async def run() -> None:
            try:
                await job()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - told, never raised
                self.say_error(exc)
            finally:
                if busy is not None:
                    self._busy.discard(busy)
            if self.is_attached and self.is_current:
                self.poll()

        self.app.run_worker(run(), name="ops-action", group="ops-action", exit_on_error=False)

    def _service_lever(self, lever: str, run: Callable[[Any, str, str], Awaitable[None]]) -> None:
        """Pull ``lever`` (``run(office, service, its state now)``) on the service under the
        cursor: asked first if, as far as the screen knows, it would do harm; at once if it
        would only say why it does nothing (already stopped, not running)."""
        name = self.selected_service()
        if name is None:
            return
        known = self.health.get(name)
        if known is None or known.state in HARMFUL_IN[lever]:
            self._ask(lever, name, run)
        else:
            self._pull(lever, name, run, confirmed=False)

    def _ask(self, lever: str, name: str, run: Callable[[Any, str, str], Awaitable[None]]) -> None:
        """The confirmation; "No" (the default, Enter, ``n``, Escape) leaves all as it was."""
        if not (self.is_attached and self.is_current):
            return  # the operator has left Ops: nothing was agreed to

        def question() -> str:
            key = STOP_QUESTIONS[name] if lever == "stop" else QUESTIONS[lever]
            return self.tr(key, service=self.service_name(name))

        def answered(yes: bool | None) -> None:
            if yes:
                self._pull(lever, name, run, confirmed=True)
            else:
                self.say("ops.msg.kept", service=name)

        self.app.push_screen(ConfirmScreen(question, title=self.tr(TITLES[lever])), answered)

    def _pull(self, lever: str, name: str, run: Callable[[Any, str, str], Awaitable[None]],
              *, confirmed: bool) -> None:
        office: BoxOfficeAPI = self.app.office

        async def job() -> None:
            state = (await office.health())[name].state
            if not confirmed and state in HARMFUL_IN[lever]:
                self._ask(lever, name, run)  # it came back since the screen looked: ask
                return
            await run(office, name, state)

        self._act(job, name)

    def action_stop(self) -> None:
        async def run(office: Any, name: str, state: str) -> None:
            if state == "stopped":
                self.say("ops.msg.already_stopped", service=name)
                return
            self.say("ops.msg.stopping", service=name)
            await office.stop_service(name)
            self.say("ops.msg.stopped", service=name)

        self._service_lever("stop", run)

    def action_start(self) -> None:
        """Starting only brings selling back: never asked."""
        name = self.selected_service()
        if name is None:
            return

        async def run(office: Any, name: str, state: str) -> None:
            if state == "ready":
                self.say("ops.msg.already_running", service=name)
                return
            self.say("ops.msg.starting", service=name)
            await office.start_service(name)
            self.say("ops.msg.started", service=name)

        self._pull("start", name, run, confirmed=True)

    def action_crash(self) -> None:
        async def run(office: Any, name: str, state: str) -> None:
            if state != "ready":
                self.say("ops.msg.not_running", error=True, service=name)
                return
            office.crash_service(name)
            self.say("ops.msg.crashed", service=name)

        self._service_lever("crash", run)

    def action_restart(self) -> None:
        async def run(office: Any, name: str, state: str) -> None:
            if state != "ready":
                self.say("ops.msg.not_running", error=True, service=name)
                return
            self.say("ops.msg.restarting", service=name)
            await office.restart_service(name)
            self.say("ops.msg.restarted", service=name)

        self._service_lever("restart", run)

    def action_latency(self, direction: int) -> None:
        office = self.app.office

        async def job() -> None:
            # read and set with no await between: quick presses add up, none is lost
            current = office.payment_simulator().latency_ms
            new = max(0, round(current) + direction * LATENCY_STEP_MS)
            knobs = await office.configure_payment_simulator(latency_ms=new)
            self.say("ops.msg.latency", ms=round(knobs["latency_ms"]))

        self._act(job)

    def action_failures(self) -> None:
        office = self.app.office

        async def job() -> None:
            current = office.payment_simulator().failure_rate
            knobs = await office.configure_payment_simulator(
                failure_rate=next_failure_rate(current)
            )
            self.say("ops.msg.failure", pct=round(knobs["failure_rate"] * 100))

        self._act(job)

    def action_reset_breaker(self) -> None:
        office = self.app.office

        async def job() -> None:
            office.reset_breaker()
            self.say("ops.msg.breaker_reset")

        self._act(job)

    def action_retry(self) -> None:
        self._retry(self._selected_key(self.query_one("#ops-dead-letters", DataTable)))

    def _retry(self, key: str | None) -> None:
        found = next(
            ((s, r) for s, r in self.letters if key == f"{s}/{r.message_id}"), None
        ) if key else None
        if found is None:
            self.say("ops.msg.no_letter", error=True)
            return
        service, row = found
        office = self.app.office

        async def job() -> None:
            if await office.retry_dead_letter(service, row.message_id):
                self.say("ops.msg.retried", service=service, type=row.type)
            else:
                self.say("ops.msg.not_retried", error=True, type=row.type)

        self._act(job, f"retry:{row.message_id}")

