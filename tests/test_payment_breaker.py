"""The breaker around payment: slow payments trip it, refusals are instant, it recovers."""

from __future__ import annotations

import pytest

from backend import BoxOffice, Card, PaymentUnavailable, Settings
from backend.audit import audit
from backend.runtime.breaker import BreakerState
from tests.conftest import VISA, tomorrow_show


async def test_slow_payment_opens_the_breaker_and_refusals_keep_the_hold(tmp_path, clock, catalog):
    settings = Settings(
        data_dir=tmp_path / "d",
        payment_latency_ms=450,  # slower than the 300 ms slow-call threshold
        breaker_window_size=4,
        breaker_minimum_calls=4,
        breaker_wait_open_s=0.6,
        breaker_half_open_calls=1,
    )
    async with BoxOffice.open(settings, clock=clock) as office:
        show = await tomorrow_show(office)
        for seat in ("A1", "A2", "A3", "A4"):
            hold = await office.hold(show.id, [seat])
            booking = await office.book(hold.id, tickets={"adult": 1},
                                        payment=Card(VISA, "12/30", "123"))
            assert booking.status == "PAID"  # slow, but paid
        assert office.breaker().state is BreakerState.OPEN
        assert office.breaker_transitions[-1].slow_call_rate == pytest.approx(1.0)

        hold = await office.hold(show.id, ["B1"])
        with pytest.raises(PaymentUnavailable, match="Try again in") as info:
            await office.book(hold.id, tickets={"adult": 1}, payment=Card(VISA, "12/30", "123"))
        assert 0 < info.value.retry_after <= 0.6
        assert info.value.booking_id is None  # refused before a booking was even written
        assert len(await office.history()) == 4
        assert (await office.seat_map(show.id)).seat("B1").state == "held"

        # after the wait, one trial goes through; a fast payment closes the breaker
        await office.configure_payment_simulator(latency_ms=0)
        import asyncio

        await asyncio.sleep(0.7)
        booking = await office.book(hold.id, tickets={"adult": 1},
                                    payment=Card(VISA, "12/30", "123"))
        assert booking.status == "PAID"
        assert office.breaker().state is BreakerState.CLOSED
        assert [t.new for t in office.breaker_transitions] == [
            BreakerState.OPEN, BreakerState.HALF_OPEN, BreakerState.CLOSED,
        ]
        assert await office.settle(10)
    assert audit(settings, catalog, card_numbers=(VISA,)).ok


async def test_declines_do_not_trip_the_breaker(tmp_path, clock):
    from backend import PaymentDeclined

    settings = Settings(data_dir=tmp_path / "d", breaker_window_size=3, breaker_minimum_calls=3)
    async with BoxOffice.open(settings, clock=clock) as office:
        show = await tomorrow_show(office)
        hold = await office.hold(show.id, ["C1"])
        for _ in range(5):
            with pytest.raises(PaymentDeclined):
                await office.book(hold.id, tickets={"adult": 1},
                                  payment=Card("4000000000000002", "12/30", "123"))
        assert office.breaker().state is BreakerState.CLOSED
