"""A one-for-one supervisor: a crashed actor is restarted alone, with backoff.

Like OTP's ``one_for_one`` with restart intensity: at most ``max_restarts`` within
``period`` seconds; past that the supervisor gives up on the actor, marks it FAILED
and reports it (escalates) instead of restarting it in a tight loop. Deliberate stops
(an operator stopping the cinema) are not crashes and are never undone by it.
``asyncio.TaskGroup`` is one-for-all (one failure cancels the rest), so it is not used.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from backend.runtime.actor import Actor, ActorState
from backend.runtime.tasks import cancel_and_wait

log = logging.getLogger(__name__)


@dataclass
class RestartRecord:
    """What the supervisor knows of one actor's restarts."""

    restarts: int = 0
    recent: deque[float] = field(default_factory=deque)
    escalated: bool = False


class Supervisor:
    """Owns actors: starts them, stops them, restarts the ones that crash."""

    def __init__(
        self,
        actors: list[Actor],
        *,
        max_restarts: int = 5,
        period: float = 30.0,
        backoff_base: float = 0.05,
        backoff_max: float = 2.0,
        on_escalate: Callable[[Actor], None] | None = None,
        hang_after: float = 30.0,
        watch_every: float = 1.0,
    ) -> None:
        self.actors = {a.name: a for a in actors}
        self.max_restarts = max_restarts
        self.period = period
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        self.on_escalate = on_escalate
        self.records = {a.name: RestartRecord() for a in actors}
        self._watchers: dict[str, asyncio.Task[None]] = {}
        self.hang_after = hang_after
        self.watch_every = watch_every
        self._watchdog: asyncio.Task[None] | None = None
        self._locks: dict[str, asyncio.Lock] = {}
        #: Told (name, new actor) when a rolling restart switches instances.
        self.on_switch: Callable[[str, Actor], None] | None = None

    async def start_all(self) -> None:
        for name in self.actors:
            await self.start(name)
        self._watchdog = asyncio.create_task(self._watch_liveness(), name="watchdog")

    async def stop_all(self) -> None:
        watchdog, self._watchdog = self._watchdog, None
        await cancel_and_wait(watchdog)
        for name in reversed(list(self.actors)):
            await self.stop(name)

    async def _watch_liveness(self) -> None:
        """Liveness probe: an actor stuck on one batch for ``hang_after`` s is restarted.

        The heartbeat is the run loop itself: between batches it waits on the mailbox
        (alive, idle); a batch that never finishes (a handler waiting forever) is a hang.
        """
        while True:
            await asyncio.sleep(self.watch_every)
            for actor in self.actors.values():
                if actor.state is not ActorState.READY or actor.crashed.is_set():
                    continue
                stuck = actor.hung_for(actor.clock.monotonic())
                if stuck >= self.hang_after:
                    actor.declare_hung(stuck)

    def _lock(self, name: str) -> asyncio.Lock:
        """One life-cycle change at a time per service (start, stop, restart, replace)."""
        lock = self._locks.get(name)
        if lock is None:
            lock = self._locks[name] = asyncio.Lock()
        return lock

    async def start(self, name: str) -> None:
        """Start (or restart by hand) one actor and watch it; a no-op if it is running."""
        async with self._lock(name):
            actor = self.actors[name]
            self.records[name].escalated = False
            await actor.start()
            if name not in self._watchers:
                self._watch(actor)

    async def stop(self, name: str) -> None:
        """Stop one actor on purpose; it stays stopped until started."""
        await cancel_and_wait(self._watchers.pop(name, None))
        async with self._lock(name):
            self.actors[name].stopped_on_purpose = True
            await self.actors[name].stop()

    async def replace(self, name: str, new: Actor, drain_timeout: float = 15.0) -> None:
        """Rolling restart: start ``new``, switch to it, let the old one drain, stop it.

        The caller switches the directory its peers look services up in (``switch``)
        between the new one becoming ready and the old one draining.
        """
        await cancel_and_wait(self._watchers.pop(name, None))
        async with self._lock(name):
            old = self.actors[name]
            try:
                await new.start()  # if this fails, the old instance keeps serving
            except BaseException:
                self._watch(old)
                raise
            self.actors[name] = new
            self._watch(new)
            if self.on_switch is not None:
                self.on_switch(name, new)
            drained = await old.drain(drain_timeout)
            if not drained:
                log.warning("%s: old instance still busy after %.0f s; stopping it", name,
                            drain_timeout)
            await old.stop()
            self.records[name].restarts += 1

    def _watch(self, actor: Actor) -> None:
        old = self._watchers.pop(actor.name, None)
        if old is not None:
            old.cancel()
        self._watchers[actor.name] = asyncio.create_task(
            self._guard(actor), name=f"supervise:{actor.name}"
        )

    async def _guard(self, actor: Actor) -> None:
        """Wait for a crash, then restart with backoff, within the restart intensity."""
        while True:
            await actor.crashed.wait()
            async with self._lock(actor.name):
                if self.actors.get(actor.name) is not actor:
                    return  # replaced meanwhile: the new instance has its own guard
                if not await self._restart(actor):
                    return

    async def _restart(self, actor: Actor) -> bool:
        """Restart a crashed actor with backoff; False once it has been given up on."""
        record = self.records[actor.name]
        loop = asyncio.get_running_loop()
        now = loop.time()
        record.recent.append(now)
        while record.recent and now - record.recent[0] > self.period:
            record.recent.popleft()
        await actor.stop(state=ActorState.RESTARTING)
        if len(record.recent) > self.max_restarts:
            record.escalated = True
            await actor.stop(state=ActorState.FAILED)
            log.error(
                "%s crashed %d times in %.0f s; giving up (last error: %s)",
                actor.name, len(record.recent), self.period, actor.last_error,
            )
            if self.on_escalate is not None:
                self.on_escalate(actor)
            return False
        delay = min(self.backoff_max, self.backoff_base * 2 ** (len(record.recent) - 1))
        await asyncio.sleep(delay)
        while True:
            try:
                await actor.start()
                break
            except Exception as exc:  # e.g. its database still locked: back off, retry
                actor.last_error = f"{type(exc).__name__}: {exc}"
                record.recent.append(loop.time())
                if len(record.recent) > self.max_restarts:
                    record.escalated = True
                    await actor.stop(state=ActorState.FAILED)
                    if self.on_escalate is not None:
                        self.on_escalate(actor)
                    return False
                await asyncio.sleep(self.backoff_max)
        record.restarts += 1
        log.warning("%s restarted (restart %d)", actor.name, record.restarts)
        return True
