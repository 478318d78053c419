"""A circuit breaker with resilience4j's semantics, around the payment ask.

Why written here: the Python breakers at hand (pybreaker, purgatory) count consecutive
failures and let every concurrent call through when half-open. The original project
used Hystrix/resilience4j semantics, which matter under load:

* a sliding window over the last N calls (count-based) or the last N seconds
  (time-based);
* no verdict before ``minimum_calls`` calls are in the window;
* it opens when the failure rate *or* the slow-call rate (calls slower than
  ``slow_call_s``, 300 ms as in the original) reaches its threshold;
* open, it refuses every call at once for ``wait_open_s``, then goes half-open;
* half-open, exactly ``half_open_calls`` trial calls are let through and every other
  call is refused while they run; their outcome closes it again or re-opens it.

Time comes from an injectable clock, so tests and the simulation are deterministic.
"""

from __future__ import annotations

import enum
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from backend.errors import PaymentUnavailable
from backend.runtime.clock import Clock

T = TypeVar("T")


class BreakerState(str, enum.Enum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


@dataclass(frozen=True)
class BreakerConfig:
    """The breaker's knobs (defaults follow the original project where it had one)."""

    window: str = "count"  # "count": last window_size calls; "time": last window_size s
    window_size: int = 20
    minimum_calls: int = 10
    failure_rate: float = 0.5  # open at >= 50% failed calls
    slow_call_s: float = 0.3  # a call slower than this is slow (300 ms)
    slow_call_rate: float = 0.5  # open at >= 50% slow calls
    wait_open_s: float = 5.0
    half_open_calls: int = 3

    def __post_init__(self) -> None:
        if self.window not in ("count", "time"):
            raise ValueError("window must be 'count' or 'time'")
        if self.window_size < 1 or self.minimum_calls < 1 or self.half_open_calls < 1:
            raise ValueError("window_size, minimum_calls and half_open_calls must be >= 1")
        if not (0 < self.failure_rate <= 1 and 0 < self.slow_call_rate <= 1):
            raise ValueError("rates are fractions in (0, 1]")


@dataclass(frozen=True)
class Transition:
    """A change of state, for whoever shows it (the app's Ops screen, the log)."""

    name: str
    old: BreakerState
    new: BreakerState
    at: float  # monotonic
    failure_rate: float
    slow_call_rate: float


@dataclass(frozen=True)
class BreakerSnapshot:
    """What the breaker looks like now."""

    state: BreakerState
    calls: int
    failure_rate: float
    slow_call_rate: float
    next_trial_in: float | None  # seconds until half-open (when open)
    refused: int


class BreakerOpen(PaymentUnavailable):
    """The breaker refused the call without making it."""


class _Outcome:
    __slots__ = ("at", "failed", "slow")

    def __init__(self, at: float, failed: bool, slow: bool) -> None:
        self.at, self.failed, self.slow = at, failed, slow


class CircuitBreaker:
    """Guards calls to one dependency."""

    def __init__(
        self,
        name: str,
        config: BreakerConfig,
        clock: Clock,
        on_transition: Callable[[Transition], None] | None = None,
        is_failure: Callable[[BaseException], bool] = lambda exc: True,
        ignore: tuple[type[BaseException], ...] = (),
    ) -> None:
        self.name = name
        self.config = config
        self.clock = clock
        self.on_transition = on_transition
        self.is_failure = is_failure
        #: Exceptions that say nothing about the dependency's health (resilience4j's
        #: ``ignoreExceptions``): a malformed request is the caller's fault. A call that
        #: raises one is neither a success nor a failure and gives its permit back.
        self.ignore = ignore
        self.state = BreakerState.CLOSED
        self.refused = 0
        self._window: deque[_Outcome] = deque()
        self._opened_at = 0.0
        self._trials_started = 0
        self._trials: list[_Outcome] = []

    # --- the guarded call ----------------------------------------------------------------

    async def call(self, fn: Callable[[], Awaitable[T]]) -> T:
        """Run ``fn`` if the breaker allows it and record how it went."""
        self.acquire()
        start = self.clock.monotonic()
        try:
            result = await fn()
        except BaseException as exc:
            self.record_error(self.clock.monotonic() - start, exc)
            raise
        self.record(self.clock.monotonic() - start, failed=False)
        return result

    def ignores(self, exc: BaseException) -> bool:
        """Whether ``exc`` is the caller's fault and so no news of the dependency."""
        return isinstance(exc, self.ignore)

    def record_error(self, duration: float, exc: BaseException) -> None:
        """Report a permitted call that raised ``exc``: an ignored exception is not
        counted at all (its permit is given back); any other is a failure if
        ``is_failure`` says so, and a success otherwise."""
        if self.ignores(exc):
            self.cancel()
            return
        self.record(duration, failed=self.is_failure(exc))

    def refuse_if_open(self) -> None:
        """Refuse at once, without taking a permit, while the breaker is open and waiting.

        The gateway calls this before a booking even reaches reservation's mailbox, so a
        refusal costs nothing however busy reservation is; ``acquire`` stays the real gate.
        """
        if self.state is BreakerState.OPEN:
            wait = self._opened_at + self.config.wait_open_s - self.clock.monotonic()
            if wait > 0:
                self.refused += 1
                raise BreakerOpen(
                    "Payment is overloaded, so new payments are paused for a moment; nothing "
                    f"was charged and the seats are kept. Try again in {max(1, round(wait))} s.",
                    retry_after=wait,
                )

    def acquire(self) -> None:
        """Take permission for one call, or raise ``BreakerOpen`` at once."""
        now = self.clock.monotonic()
        if self.state is BreakerState.OPEN:
            wait = self._opened_at + self.config.wait_open_s - now
            if wait > 0:
                self.refused += 1
                raise BreakerOpen(
                    "Payment is overloaded, so new payments are paused for a moment; nothing "
                    f"was charged and the seats are kept. Try again in {max(1, round(wait))} s.",
                    retry_after=wait,
                )
            self._move(BreakerState.HALF_OPEN, now)
        if self.state is BreakerState.HALF_OPEN:
            if self._trials_started >= self.config.half_open_calls:
                self.refused += 1
                raise BreakerOpen(
                    "Payment is recovering and is taking only a few trial payments; nothing "
                    "was charged and the seats are kept. Try again in a second.",
                    retry_after=1.0,
                )
            self._trials_started += 1

    def cancel(self) -> None:
        """Give back a permission that was not used (the call was never made)."""
        if self.state is BreakerState.HALF_OPEN and self._trials_started > len(self._trials):
            self._trials_started -= 1

    def record(self, duration: float, *, failed: bool) -> None:
        """Report one permitted call's outcome."""
        now = self.clock.monotonic()
        outcome = _Outcome(now, failed, duration >= self.config.slow_call_s)
        if self.state is BreakerState.HALF_OPEN:
            self._trials.append(outcome)
            if len(self._trials) >= self.config.half_open_calls:
                failure, slow = _rates(self._trials)
                tripped = self._tripped(failure, slow)
                self._move(BreakerState.OPEN if tripped else BreakerState.CLOSED, now)
            return
        if self.state is BreakerState.OPEN:
            return  # a call that started before the breaker opened: its news is stale
        self._window.append(outcome)
        self._trim(now)
        if len(self._window) >= self.config.minimum_calls:
            failure, slow = _rates(self._window)
            if self._tripped(failure, slow):
                self._move(BreakerState.OPEN, now)

    # --- state -------------------------------------------------------------------------------

    def _tripped(self, failure: float, slow: float) -> bool:
        return failure >= self.config.failure_rate or slow >= self.config.slow_call_rate

    def _trim(self, now: float) -> None:
        if self.config.window == "count":
            while len(self._window) > self.config.window_size:
                self._window.popleft()
        else:
            while self._window and now - self._window[0].at > self.config.window_size:
                self._window.popleft()

    def _move(self, new: BreakerState, now: float) -> None:
        old = self.state
        failure, slow = _rates(self._trials if old is BreakerState.HALF_OPEN else self._window)
        self.state = new
        if new is BreakerState.OPEN:
            self._opened_at = now
        if new is BreakerState.HALF_OPEN:
            self._trials_started = 0
            self._trials = []
        if new is BreakerState.CLOSED:
            self._window.clear()
        if self.on_transition is not None and old is not new:
            self.on_transition(Transition(self.name, old, new, now, failure, slow))

    def snapshot(self) -> BreakerSnapshot:
        now = self.clock.monotonic()
        self._trim(now)
        failure, slow = _rates(self._window)
        next_trial = None
        if self.state is BreakerState.OPEN:
            next_trial = max(0.0, self._opened_at + self.config.wait_open_s - now)
        return BreakerSnapshot(self.state, len(self._window), failure, slow, next_trial,
                               self.refused)

    def reset(self) -> None:
        """Close the breaker and forget the window (an operator's action)."""
        self._move(BreakerState.CLOSED, self.clock.monotonic())


def _rates(outcomes: deque[_Outcome] | list[_Outcome]) -> tuple[float, float]:
    if not outcomes:
        return 0.0, 0.0
    n = len(outcomes)
    return sum(o.failed for o in outcomes) / n, sum(o.slow for o in outcomes) / n
