"""How much one SSH server lets people use: connections per address, sessions at once.

Kept apart from the protocol code so the rules are plain functions of time, testable
with any clock.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable


class ConnectionRateLimit:
    """At most ``per_minute`` new connections from one address in any 60-second window.

    A sliding log per address (deques of timestamps); addresses that have been quiet for a
    minute are forgotten so the table cannot grow without bound.
    """

    WINDOW_S = 60.0

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_minute = per_minute
        self._clock = clock
        self._seen: dict[str, deque[float]] = {}

    def admit(self, address: str) -> bool:
        """Record a connection attempt; False when it is one too many."""
        now = self._clock()
        self._forget_before(now - self.WINDOW_S)
        log = self._seen.setdefault(address, deque())
        if len(log) >= self.per_minute:
            return False
        log.append(now)
        return True

    def retry_after_s(self, address: str) -> float:
        """Seconds until ``address`` may connect again (0 when it may now)."""
        log = self._seen.get(address)
        if not log or len(log) < self.per_minute:
            return 0.0
        return max(0.0, log[0] + self.WINDOW_S - self._clock())

    def _forget_before(self, cutoff: float) -> None:
        for address in list(self._seen):
            log = self._seen[address]
            while log and log[0] <= cutoff:
                log.popleft()
            if not log:
                del self._seen[address]


class SessionSlots:
    """A counter of running app sessions with a ceiling."""

    def __init__(self, maximum: int) -> None:
        self.maximum = maximum
        self.in_use = 0

    def take(self) -> bool:
        if self.in_use >= self.maximum:
            return False
        self.in_use += 1
        return True

    def give_back(self) -> None:
        self.in_use = max(0, self.in_use - 1)
