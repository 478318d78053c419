"""What the Ops screen shows, read in one call: frozen values, no live objects.

The Ops screen used to reach into the running services (the simulator's knobs, each
actor's state, the breaker's clock) to draw itself. ``BoxOfficeAPI.ops_snapshot()``
hands it everything instead, as plain values: the screen cannot change what it reads,
a fake box office can produce the same values, and a part that cannot be read (a service
stopped mid-look) is reported in ``problems`` while the other parts still show.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from backend.runtime.breaker import BreakerSnapshot, Transition
from backend.runtime.pool import PoolSnapshot
from backend.views import ServiceHealth


@dataclass(frozen=True, slots=True)
class SimulatorSettings:
    """The payment simulator's fault knobs as they are now."""

    latency_ms: float
    failure_rate: float
    capacity: int


@dataclass(frozen=True, slots=True)
class BreakerChange:
    """One state change of the payment breaker, with the wall-clock time it happened."""

    at: datetime
    change: Transition


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """A message a service gave up on, as an operator sees it."""

    service: str
    message_id: str
    type: str
    source: str
    correlation_id: str
    causation_id: str | None
    occurred_at: float
    #: The message's fields as the journal keeps them (a JSON object).
    payload: str
    error: str
    attempts: int
    failed_at: float
    retried: bool


@dataclass(frozen=True, slots=True)
class OpsSnapshot:
    """Everything the Ops screen draws, read at one moment.

    A part that could not be read is ``None`` (or empty) and its error is in
    ``problems`` under the part's name: ``health``, ``breaker``, ``pool``,
    ``simulator`` or ``dead_letters``.
    """

    health: dict[str, ServiceHealth]
    breaker: BreakerSnapshot | None
    breaker_changes: tuple[BreakerChange, ...]
    pool: PoolSnapshot | None
    #: The pool clock's ``monotonic()`` when the pool was read (``pool.history`` is on it).
    pool_now: float
    simulator: SimulatorSettings | None
    dead_letters: tuple[DeadLetter, ...]
    problems: dict[str, Exception] = field(default_factory=dict)
