"""An actor: a named task with a bounded mailbox, reached only by ``tell`` and ``ask``.

It is reached in two ways. *Deliveries* are durable messages from other services, put
in the mailbox with ``tell`` (by the dispatcher); the run loop applies them in batches,
one batch at a time, so a service's state changes in the order its mail arrived. *Asks*
are requests with a reply and a deadline (the gateway asking reservation to book,
reservation asking payment to authorise); they never enter the mailbox: each is answered
in the asker's own task, up to ``ask_concurrency`` at once, because an ask may itself
wait on another service and must not stall the deliveries (and a hop through a queue
and a task of the actor's costs a turn of the event loop; see ``Actor.ask``).
Correctness never rests on the order of asks: it rests on each handler's transaction
and the database's unique constraints.

The mailbox is bounded: a full mailbox refuses with ``Busy`` instead of growing without
limit, and asks in flight count against the same bound. The run loop beats a heartbeat
that the supervisor watches.
"""

from __future__ import annotations

import asyncio
import enum
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from backend.errors import BoxOfficeError, Busy, ServiceUnavailable, StorageError
from backend.runtime.clock import Clock, SystemClock
from backend.runtime.tasks import cancel_and_wait

log = logging.getLogger(__name__)


class ActorState(str, enum.Enum):
    """Where an actor is in its life."""

    STOPPED = "stopped"
    STARTING = "starting"
    READY = "ready"
    STOPPING = "stopping"
    RESTARTING = "restarting"
    FAILED = "failed"  # the supervisor gave up restarting it


@dataclass(slots=True)
class Deliver:
    """A durable message handed to this actor by the dispatcher."""

    claimed: Any  # backend.messaging.journal.Claimed
    report: Callable[[Any, bool], None] = field(repr=False)  # (claimed, applied) -> None


class ActorCrashed(Exception):
    """Raised inside an actor to simulate (or report) a crash of its run loop."""


class Actor:
    """Base class: subclasses implement ``handle_ask`` and/or ``handle_deliveries``."""

    #: How many deliveries are applied in one transaction at most.
    batch_size = 64
    #: How long (real seconds) the run loop may apply waiting mail before it lets the
    #: rest of the event loop run.
    turn_s = 0.02

    def __init__(
        self,
        name: str,
        *,
        clock: Clock | None = None,
        mailbox_size: int = 2000,
        ask_concurrency: int = 256,
    ) -> None:
        self.name = name
        self.clock = clock or SystemClock()
        self.mailbox_size = mailbox_size
        self.ask_concurrency = ask_concurrency
        self.state = ActorState.STOPPED
        #: set by ``Supervisor.stop`` (an operator's stop): waiting will not bring it back
        self.stopped_on_purpose = False
        self.mailbox: asyncio.Queue[Deliver] = asyncio.Queue(mailbox_size)
        self.handled = 0
        self.last_error: str | None = None
        self.last_beat = 0.0
        #: When the run loop started on the mail it is handling now (None: waiting for mail).
        self.busy_since: float | None = None
        self.crashed: asyncio.Event = asyncio.Event()
        self._loop_task: asyncio.Task[None] | None = None
        self._ask_slots = asyncio.Semaphore(ask_concurrency)
        #: Asks being answered now (in their callers' tasks); see ``ask``.
        self._asking = 0
        self._listeners: list[Callable[[Actor], None]] = []

    # --- life cycle ---------------------------------------------------------------------

    @property
    def ready(self) -> bool:
        return self.state is ActorState.READY

    def add_listener(self, listener: Callable[[Actor], None]) -> None:
        """Be told of every state change (the supervisor and the gateway listen)."""
        self._listeners.append(listener)

    def _set_state(self, state: ActorState) -> None:
        if state is not self.state:
            self.state = state
            for listener in list(self._listeners):
                listener(self)

    async def start(self) -> None:
        """Open resources, start the run loop, become ready (a no-op when running)."""
        if self.state is ActorState.READY and self._loop_task is not None:
            return
        self.stopped_on_purpose = False
        self._set_state(ActorState.STARTING)
        self.crashed = asyncio.Event()
        self.mailbox = asyncio.Queue(self.mailbox_size)
        self._ask_slots = asyncio.Semaphore(self.ask_concurrency)
        try:
            await self.on_start()
        except BaseException:
            self._set_state(ActorState.STOPPED)
            raise
        self.last_beat = self.clock.monotonic()
        self._loop_task = asyncio.create_task(self._run(), name=f"actor:{self.name}")
        self._set_state(ActorState.READY)

    async def drain(self, timeout: float) -> bool:
        """Wait until the mailbox is empty and nothing is being handled (True), or time out.

        Used by a rolling restart: once the new instance takes all new mail, the old one
        finishes what it was given before it stops.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while loop.time() < deadline:
            if self.mailbox.empty() and not self._asking and self.busy_since is None:
                return True
            await asyncio.sleep(0.01)
        return False

    def hung_for(self, now: float) -> float:
        """How long the run loop has been stuck on its current mail (0 when it is not)."""
        return 0.0 if self.busy_since is None else now - self.busy_since

    def crash(self, reason: str) -> None:
        """Fault injection: crash the run loop now, as a bug would (the supervisor restarts
        it). Nothing happens to an actor that is not running."""
        if self.state is ActorState.READY:
            self.last_error = reason
            self.crashed.set()

    def declare_hung(self, seconds: float) -> None:
        """The supervisor's watchdog found the loop stuck: treat it as a crash."""
        self.last_error = f"hung: no progress for {seconds:.0f} s"
        log.error("actor %s is hung (%.1f s on one batch)", self.name, seconds)
        self.crashed.set()

    async def stop(self, *, state: ActorState = ActorState.STOPPED) -> None:
        """Stop taking mail, finish nothing further, give back what the mailbox held.

        Asks in flight run in their callers' tasks and are not cancelled here; one that
        then fails on the closed store fails with the "unavailable" error (see ``ask``).
        """
        if self.state in (ActorState.STOPPED, ActorState.FAILED) and self._loop_task is None:
            self._set_state(state)
            return
        self._set_state(ActorState.STOPPING)
        task, self._loop_task = self._loop_task, None
        await cancel_and_wait(task)
        self._drain_mailbox()
        try:
            await self.on_stop()
        finally:
            self._set_state(state)

    def _drain_mailbox(self) -> None:
        """Undelivered mail goes back to be sent again later."""
        while not self.mailbox.empty():
            item = self.mailbox.get_nowait()
            item.report(item.claimed, False)

    def unavailable(self) -> ServiceUnavailable:
        """The error a caller gets when this actor cannot take requests."""
        if self.state is ActorState.STOPPED and self.stopped_on_purpose:
            return ServiceUnavailable(
                f"The {self.name} service was stopped by an operator; start it again on the "
                "Ops screen (F5, then g).",
                key="service.stopped", service=self.name, state=self.state.value,
            )
        return ServiceUnavailable(
            f"The {self.name} service is {self.state.value}; try again in a moment.",
            key="service.down", service=self.name, state=self.state.value,
        )

    # --- mail ---------------------------------------------------------------------------

    def tell(self, item: Deliver) -> None:
        """Put mail in the mailbox now, or refuse with ``Busy`` if it is full."""
        if self.state is not ActorState.READY:
            raise self.unavailable()
        try:
            self.mailbox.put_nowait(item)
        except asyncio.QueueFull:
            raise Busy(
                f"The {self.name} service has {self.mailbox.qsize()} requests waiting; "
                "try again in a moment."
            ) from None

    async def ask(self, request: Any, timeout: float) -> Any:
        """Send a request and wait for its reply; ``asyncio.TimeoutError`` past ``timeout``.

        The request is answered in the caller's own task rather than in a task of the
        actor's: asks already ran concurrently (up to ``ask_concurrency`` at once), so
        nothing about ordering changes, but each hop through a mailbox and a new task
        costs a full turn of the event loop. Under a rush (a thousand clerks) one turn
        takes a few hundred milliseconds, so a payment that took a third of a
        millisecond was timed by the breaker at over 300 ms and the breaker opened on a
        healthy payment service. Answered here, an ask costs no turn at all unless the
        handler itself waits for something.

        The mailbox bound still holds (in-flight asks count against it: ``Busy`` when
        full), at most ``ask_concurrency`` are answered at once (the others wait their
        turn), and ``drain`` waits for those in flight. If the actor stops while an ask
        runs, the ask fails with the actor's "unavailable" error.
        """
        if self.state is not ActorState.READY:
            raise self.unavailable()
        if self._asking + self.mailbox.qsize() >= self.mailbox_size:
            raise Busy(
                f"The {self.name} service has {self._asking + self.mailbox.qsize()} requests "
                "waiting; try again in a moment."
            )
        slots = self._ask_slots
        self._asking += 1
        try:
            async with asyncio.timeout(timeout):
                async with slots:
                    if self.state is not ActorState.READY:
                        raise self.unavailable()
                    return await self.handle_ask(request)
        except BoxOfficeError as exc:
            if self.state is not ActorState.READY and isinstance(exc, StorageError):
                raise self.unavailable() from exc  # stopped under us: its store closed
            raise
        except (asyncio.CancelledError, TimeoutError):
            raise
        except Exception as exc:
            self.last_error = f"{type(exc).__name__}: {exc}"
            log.exception("actor %s failed answering %r", self.name, request)
            raise
        finally:
            self._asking -= 1
            self.handled += 1

    def free_slots(self) -> int:
        """How much more mail fits."""
        return self.mailbox_size - self.mailbox.qsize()

    # --- the run loop -------------------------------------------------------------------

    async def _run(self) -> None:
        turn_began = time.perf_counter()
        try:
            while True:
                if self.mailbox.empty():
                    item = await self.mailbox.get()
                    turn_began = time.perf_counter()
                else:
                    item = self.mailbox.get_nowait()
                self.last_beat = self.clock.monotonic()
                batch = [item]
                while len(batch) < self.batch_size and not self.mailbox.empty():
                    batch.append(self.mailbox.get_nowait())
                self.busy_since = self.clock.monotonic()
                try:
                    await self.handle_deliveries(batch)
                except BaseException:
                    for d in batch:
                        d.report(d.claimed, False)
                    raise
                finally:
                    self.busy_since = None
                self.handled += len(batch)
                self.last_beat = self.clock.monotonic()
                # A transaction may finish without giving the loop a turn (SQLite runs
                # on the loop's thread). Mail that is waiting is applied at once, batch
                # after batch, for up to ``turn_s``; then the others get the loop. A view
                # that catches up in one turn instead of one batch per turn is what keeps
                # clerks from choosing seats on a stale map during a rush.
                if time.perf_counter() - turn_began >= self.turn_s:
                    await asyncio.sleep(0)
                    turn_began = time.perf_counter()
        except asyncio.CancelledError:
            raise
        except BaseException as exc:  # the actor crashed: tell the supervisor
            self.last_error = f"{type(exc).__name__}: {exc}"
            log.error("actor %s crashed: %s", self.name, self.last_error, exc_info=True)
            self.crashed.set()

    # --- to override --------------------------------------------------------------------

    async def on_start(self) -> None:
        """Open what the actor needs (its store). Raise to refuse to start."""

    async def on_stop(self) -> None:
        """Close what ``on_start`` opened."""

    async def handle_ask(self, request: Any) -> Any:
        raise NotImplementedError(f"{self.name} answers no requests ({request!r})")

    async def handle_deliveries(self, batch: list[Deliver]) -> None:
        raise NotImplementedError(f"{self.name} takes no deliveries")
