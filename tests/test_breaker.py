"""The circuit breaker's semantics, on a manual clock."""

from __future__ import annotations

import asyncio

import pytest

from backend.runtime.breaker import (
    BreakerConfig,
    BreakerOpen,
    BreakerState,
    CircuitBreaker,
    Transition,
)
from backend.runtime.clock import ManualClock


def make(**config) -> tuple[CircuitBreaker, ManualClock, list[Transition]]:
    clock = ManualClock()
    seen: list[Transition] = []
    base = dict(window_size=10, minimum_calls=5, failure_rate=0.5, slow_call_s=0.3,
                slow_call_rate=0.5, wait_open_s=5, half_open_calls=2)
    base.update(config)
    return CircuitBreaker("payment", BreakerConfig(**base), clock, seen.append), clock, seen


def ok(b: CircuitBreaker, duration: float = 0.01) -> None:
    b.acquire()
    b.record(duration, failed=False)


def bad(b: CircuitBreaker) -> None:
    b.acquire()
    b.record(0.01, failed=True)


def test_no_verdict_before_minimum_calls():
    b, _, _ = make()
    for _ in range(4):
        bad(b)
    assert b.state is BreakerState.CLOSED
    bad(b)
    assert b.state is BreakerState.OPEN


def test_opens_on_failure_rate_and_refuses_at_once():
    b, clock, seen = make()
    for _ in range(3):
        ok(b)
    for _ in range(2):
        bad(b)
    assert b.state is BreakerState.CLOSED  # 2/5 = 40% < 50%
    bad(b)  # 3/6 = 50%
    assert b.state is BreakerState.OPEN
    with pytest.raises(BreakerOpen) as info:
        b.acquire()
    assert info.value.retry_after == pytest.approx(5)
    assert "Try again in 5 s" in str(info.value)
    assert [t.new for t in seen] == [BreakerState.OPEN]
    assert seen[0].failure_rate == pytest.approx(0.5)


def test_opens_on_slow_calls_of_300_ms():
    b, _, _ = make()
    for _ in range(2):
        ok(b, 0.299)
    for _ in range(3):
        ok(b, 0.3)
    assert b.state is BreakerState.OPEN
    assert b.snapshot().slow_call_rate == pytest.approx(0.6)


def test_half_open_lets_exactly_the_trial_calls_through():
    b, clock, seen = make()
    for _ in range(5):
        bad(b)
    clock.advance(4.9)
    with pytest.raises(BreakerOpen):
        b.acquire()
    clock.advance(0.2)
    b.acquire()
    assert b.state is BreakerState.HALF_OPEN
    b.acquire()
    with pytest.raises(BreakerOpen, match="trial"):
        b.acquire()  # a third concurrent call is refused while the trials run
    b.record(0.01, failed=False)
    b.record(0.01, failed=False)
    assert b.state is BreakerState.CLOSED
    assert [t.new for t in seen] == [BreakerState.OPEN, BreakerState.HALF_OPEN,
                                     BreakerState.CLOSED]


def test_failed_trials_reopen():
    b, clock, _ = make()
    for _ in range(5):
        bad(b)
    clock.advance(5)
    b.acquire()
    b.acquire()
    b.record(0.01, failed=True)
    b.record(0.01, failed=False)
    assert b.state is BreakerState.OPEN
    assert b.snapshot().next_trial_in == pytest.approx(5)


def test_count_window_forgets_old_calls():
    b, _, _ = make(window_size=5, minimum_calls=5)
    for _ in range(2):
        bad(b)
    for _ in range(5):
        ok(b)
    bad(b)
    bad(b)
    assert b.state is BreakerState.CLOSED  # the window holds 3 ok + 2 bad


def test_time_window_forgets_old_calls():
    b, clock, _ = make(window="time", window_size=10, minimum_calls=4)
    for _ in range(3):
        bad(b)
    clock.advance(11)
    for _ in range(3):
        ok(b)
    bad(b)
    assert b.state is BreakerState.CLOSED  # only 1 of the 4 calls in the last 10 s failed


async def test_call_measures_and_classifies_exceptions():
    clock = ManualClock()
    b = CircuitBreaker(
        "payment",
        BreakerConfig(minimum_calls=2, window_size=2),
        clock,
        is_failure=lambda exc: not isinstance(exc, KeyError),
    )

    async def declined():
        raise KeyError("a decline is an answer, not a failure")

    async def slow():
        clock.advance(0.5)
        return "paid"

    for _ in range(2):
        with pytest.raises(KeyError):
            await b.call(declined)
    assert b.state is BreakerState.CLOSED
    assert await b.call(slow) == "paid"  # window: one fast answer, one slow call = 50% slow
    assert b.state is BreakerState.OPEN
    with pytest.raises(BreakerOpen):
        await asyncio.wait_for(b.call(slow), 0.01)


def test_bad_config_is_refused():
    with pytest.raises(ValueError):
        BreakerConfig(window="sliding")
    with pytest.raises(ValueError):
        BreakerConfig(failure_rate=0)


def test_refuse_if_open_takes_no_permit():
    b, clock, _ = make()
    b.refuse_if_open()  # closed: nothing happens
    for _ in range(5):
        bad(b)
    with pytest.raises(BreakerOpen):
        b.refuse_if_open()
    clock.advance(5)
    b.refuse_if_open()  # the wait is over: let it through to acquire the trial permit
    assert b.state is BreakerState.OPEN
    b.acquire()
    assert b.state is BreakerState.HALF_OPEN
