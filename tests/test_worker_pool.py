"""The payment worker pool: grows with backlog up to its maximum, shrinks when quiet."""

from __future__ import annotations

import asyncio

import pytest

from backend import BoxOffice, Card, Settings
from backend.audit import audit
from backend.runtime.clock import ManualClock
from backend.runtime.pool import WorkerPool
from tests.conftest import VISA


async def test_slots_limit_concurrency_and_resize_hands_out_waiting_slots():
    pool = WorkerPool(ManualClock(), min_size=1, max_size=3)
    running = 0
    peak = 0
    gate = asyncio.Event()

    async def work() -> None:
        nonlocal running, peak
        async with pool.slot():
            running += 1
            peak = max(peak, running)
            await gate.wait()
            running -= 1

    tasks = [asyncio.create_task(work()) for _ in range(5)]
    await asyncio.sleep(0)
    assert (pool.busy, pool.waiting, peak) == (1, 4, 1)
    assert pool.scale() == 2  # backlog: grow by one per decision
    await asyncio.sleep(0)
    assert (pool.busy, pool.waiting) == (2, 3)
    pool.scale()
    pool.scale()
    assert pool.size == 3  # never beyond the maximum
    gate.set()
    await asyncio.gather(*tasks)
    assert peak == 3 and pool.busy == 0


async def test_shrinks_only_after_a_quiet_period():
    clock = ManualClock()
    pool = WorkerPool(clock, min_size=1, max_size=10, quiet_s=5)
    pool.size = 4
    pool.scale()
    clock.advance(4.9)
    assert pool.scale() == 4  # not quiet long enough: hysteresis
    clock.advance(0.2)
    assert pool.scale() == 3
    clock.advance(1)
    assert pool.scale() == 3  # one step per quiet period
    clock.advance(5)
    assert pool.scale() == 2
    assert [size for _, size in pool.history][-2:] == [3, 2]


async def test_cancelled_waiter_does_not_leak_a_slot():
    pool = WorkerPool(ManualClock(), min_size=1, max_size=1)
    gate = asyncio.Event()

    async def hold() -> None:
        async with pool.slot():
            await gate.wait()

    first = asyncio.create_task(hold())
    await asyncio.sleep(0)
    second = asyncio.create_task(hold())
    await asyncio.sleep(0)
    second.cancel()
    await asyncio.gather(second, return_exceptions=True)
    gate.set()
    await first
    assert (pool.busy, pool.waiting) == (0, 0)


async def test_payment_pool_scales_out_under_slow_payments(tmp_path, clock, catalog):
    settings = Settings(
        data_dir=tmp_path / "d", payment_latency_ms=80, pool_tick_s=0.05, pool_quiet_s=0.3,
        breaker_slow_call_ms=10_000,  # this test is about the pool, not the breaker
    )
    async with BoxOffice.open(settings, clock=clock) as office:
        shows = await office.showtimes(office.days()[1])
        seats = [(s.id, seat.label) for s in shows
                 for seat in catalog.showtime(s.id).hall.seats if not seat.blocked][:40]

        async def sell(show_id: str, seat: str) -> str:
            hold = await office.hold(show_id, [seat])
            booking = await office.book(hold.id, tickets={"adult": 1},
                                        payment=Card(VISA, "12/30", "123"))
            return booking.status

        statuses = await asyncio.gather(*(sell(*s) for s in seats))
        assert set(statuses) == {"PAID"}
        grown = max(size for _, size in office.payment_pool().history)
        assert 1 < grown <= 10
        for _ in range(200):  # real time: the quiet period is 0.3 s per step
            if office.payment_pool().size == 1:
                break
            await asyncio.sleep(0.05)
        assert office.payment_pool().size == 1
        assert await office.settle(10)
    assert audit(settings, catalog, card_numbers=(VISA,)).ok


def test_bad_sizes_are_refused():
    with pytest.raises(ValueError):
        WorkerPool(ManualClock(), min_size=3, max_size=2)
