"""Time, injectable.

Everything in the backend that asks "what time is it" asks a ``Clock``: hold expiry,
the schedule's "today", timeline stamps, breaker windows. Tests and the simulation pass
a ``ManualClock`` to make time deterministic; production uses ``SystemClock``.
Wall time (``now``) and elapsed time (``monotonic``) are separate because hold expiry is
stored in databases (wall time, shared by processes) while timeouts are local.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone
from typing import Protocol


def to_epoch(when: datetime) -> float:
    """Seconds since the epoch, as stored in the databases."""
    return when.timestamp()


def from_epoch(seconds: float) -> datetime:
    """A stored epoch time back as an aware UTC datetime."""
    return datetime.fromtimestamp(seconds, timezone.utc)


class Clock(Protocol):
    """Source of wall-clock and monotonic time."""

    def now(self) -> datetime:
        """Current wall time, timezone-aware (UTC)."""
        ...

    def monotonic(self) -> float:
        """Seconds from an arbitrary origin that never goes backwards."""
        ...


class SystemClock:
    """The real clock."""

    def now(self) -> datetime:
        return datetime.now(timezone.utc)

    def monotonic(self) -> float:
        return time.monotonic()


class ManualClock:
    """A clock that only moves when told to; for tests and replayable simulations."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2026, 11, 24, 1, 0, tzinfo=timezone.utc)
        if self._now.tzinfo is None:
            raise ValueError("ManualClock needs a timezone-aware start time")
        self._mono = 0.0

    def now(self) -> datetime:
        return self._now

    def monotonic(self) -> float:
        return self._mono

    def advance(self, seconds: float) -> None:
        """Move both wall and monotonic time forward."""
        self._now += timedelta(seconds=seconds)
        self._mono += seconds

    def set(self, when: datetime) -> None:
        """Jump wall time (monotonic follows forward only)."""
        delta = (when - self._now).total_seconds()
        self._now = when
        if delta > 0:
            self._mono += delta
