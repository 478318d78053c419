"""An autoscaling worker pool: how many payments are processed at once.

The original project scaled the payment deployment from 1 to 10 replicas with a
HorizontalPodAutoscaler. Here a "replica" is a worker slot: requests wait for a free
slot, and a scaler grows the pool while requests are waiting (backlog) or slow, and
shrinks it again after a quiet period. Growing is quick (one slot per tick while the
pressure lasts) and shrinking is slow (only after ``quiet_s`` without pressure): the
hysteresis keeps the pool from flapping.

Only asks go through the pool; durable deliveries are applied by the actor's own loop,
one batch at a time, so two workers never apply one delivery and a booking's messages
keep their order.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from backend.runtime.clock import Clock
from backend.runtime.tasks import cancel_and_wait


@dataclass(frozen=True)
class PoolSnapshot:
    """The pool now, and its size over the last minutes (monotonic time, size)."""

    size: int
    busy: int
    waiting: int
    min_size: int
    max_size: int
    history: tuple[tuple[float, int], ...]


class WorkerPool:
    """A resizable number of slots, with a scaler that follows the load."""

    def __init__(
        self,
        clock: Clock,
        *,
        min_size: int = 1,
        max_size: int = 10,
        slow_s: float = 0.3,
        tick_s: float = 0.5,
        quiet_s: float = 5.0,
    ) -> None:
        if not 1 <= min_size <= max_size:
            raise ValueError("need 1 <= min_size <= max_size")
        self.clock = clock
        self.min_size, self.max_size = min_size, max_size
        self.slow_s, self.tick_s, self.quiet_s = slow_s, tick_s, quiet_s
        self.size = min_size
        self.busy = 0
        self._waiters: deque[asyncio.Future[None]] = deque()
        self._recent: deque[float] = deque(maxlen=50)  # durations of recent requests
        self._pressure_since: float | None = None
        self._calm_since: float | None = None
        self.history: deque[tuple[float, int]] = deque(maxlen=600)
        self.history.append((clock.monotonic(), self.size))
        self._scaler: asyncio.Task[None] | None = None

    # --- slots ----------------------------------------------------------------------------

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Hold one worker slot for the duration of the block (waiting for one if needed)."""
        if self.busy >= self.size or self._waiters:
            waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            self._waiters.append(waiter)
            try:
                await waiter
            except BaseException:
                if waiter in self._waiters:
                    self._waiters.remove(waiter)
                elif waiter.done() and not waiter.cancelled():
                    self._release()  # we were handed a slot as we gave up: pass it on
                raise
        else:
            self.busy += 1
        began = self.clock.monotonic()
        try:
            yield
        finally:
            self._recent.append(self.clock.monotonic() - began)
            self._release()

    def _release(self) -> None:
        self.busy -= 1
        self._hand_out()

    def _hand_out(self) -> None:
        while self._waiters and self.busy < self.size:
            waiter = self._waiters.popleft()
            if not waiter.done():
                self.busy += 1
                waiter.set_result(None)

    @property
    def waiting(self) -> int:
        return len(self._waiters)

    # --- scaling ----------------------------------------------------------------------------

    def start(self) -> None:
        if self._scaler is None:
            self._scaler = asyncio.create_task(self._scale_forever(), name="pool-scaler")

    async def stop(self) -> None:
        scaler, self._scaler = self._scaler, None
        await cancel_and_wait(scaler)

    async def _scale_forever(self) -> None:
        while True:
            await asyncio.sleep(self.tick_s)
            self.scale()

    def scale(self) -> int:
        """One scaling decision; returns the new size."""
        now = self.clock.monotonic()
        slow = bool(self._recent) and (
            sorted(self._recent)[int(0.9 * (len(self._recent) - 1))] >= self.slow_s
        )
        pressure = self.waiting > 0 or (slow and self.busy >= self.size)
        if pressure:
            self._calm_since = None
            if self.size < self.max_size:
                self._resize(self.size + 1, now)
        else:
            if self._calm_since is None:
                self._calm_since = now
            elif now - self._calm_since >= self.quiet_s and self.size > self.min_size:
                self._resize(self.size - 1, now)
                self._calm_since = now  # one step per quiet period
        return self.size

    def _resize(self, size: int, now: float) -> None:
        self.size = size
        self.history.append((now, size))
        self._hand_out()

    def snapshot(self) -> PoolSnapshot:
        return PoolSnapshot(self.size, self.busy, self.waiting, self.min_size, self.max_size,
                            tuple(self.history))
