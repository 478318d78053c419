"""Durable messaging: redelivery is harmless, poison messages are dead-lettered, crashes heal."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from backend import BoxOffice, Cash
from backend.audit import audit
from backend.messaging.journal import DELIVERIES, OUTBOX, PROCESSED
from tests.conftest import tomorrow_show


async def _book(office: BoxOffice, seat: str) -> str:
    show = await tomorrow_show(office)
    hold = await office.hold(show.id, [seat])
    booking = await office.book(hold.id, tickets={"adult": 1}, payment=Cash(20000))
    assert await office.wait_for_booking(booking.code)
    assert await office.settle(10)
    return booking.code


async def test_redelivering_processed_messages_changes_nothing(office: BoxOffice, settings, catalog):
    await _book(office, "A1")
    reservation = office.runtime.reservation
    # put every message reservation ever sent back in the delivery queue, as after a crash
    def requeue(conn):
        rows = conn.execute(select(OUTBOX.c.message_id, OUTBOX.c.type)).all()
        from backend.messaging.messages import ROUTES
        conn.execute(
            DELIVERIES.insert(),
            [{"message_id": m, "destination": d} for m, t in rows for d in ROUTES[t]],
        )
        return len(rows)

    before = audit(settings, catalog)
    assert await reservation.store.write(requeue) > 0
    office.runtime.dispatcher.wake()
    assert await office.settle(10)
    after = audit(settings, catalog)
    assert after.ok, after.violations
    assert after.counts == before.counts
    view = await office.history()
    assert len(view) == 1 and view[0].status == "COMPLETED"


async def test_poison_message_is_dead_lettered_and_retryable(office: BoxOffice, settings, catalog):
    cinema = office.runtime.cinema
    original = cinema.on_BookingPaid
    calls = 0

    def broken(tx, env):
        nonlocal calls
        calls += 1
        raise ValueError("cinema cannot read this message")

    cinema.on_BookingPaid = broken  # type: ignore[method-assign]
    show = await tomorrow_show(office)
    hold = await office.hold(show.id, ["A2"])
    booking = await office.book(hold.id, tickets={"adult": 1}, payment=Cash(20000))
    for _ in range(100):
        letters = (await office.dead_letters())["cinema"]
        if letters:
            break
        await asyncio.sleep(0.05)
    assert [d.type for d in letters] == ["BookingPaid"]
    assert "cannot read" in letters[0].error
    assert calls == 2  # tried, retried once, then parked
    assert "dead letter" in (await office.health())["cinema"].last_error
    assert (await office.booking(booking.code)).status == "PAID"

    cinema.on_BookingPaid = original  # type: ignore[method-assign]
    assert await cinema.retry_dead_letter(letters[0].message_id)
    assert await office.wait_for_booking(booking.code, ("COMPLETED",), timeout=10)
    assert (await office.dead_letters())["cinema"] == []
    assert await office.settle(10)
    assert audit(settings, catalog).ok


async def test_crashed_actor_is_restarted_and_loses_nothing(office: BoxOffice, settings, catalog):
    cinema = office.runtime.cinema
    original = cinema.handle_deliveries
    crashes = 0

    async def crash_once(batch):
        nonlocal crashes
        if crashes == 0:
            crashes += 1
            raise RuntimeError("simulated crash of the cinema actor")
        await original(batch)

    cinema.handle_deliveries = crash_once  # type: ignore[method-assign]
    code = await _book(office, "A3")
    assert crashes == 1
    health = (await office.health())["cinema"]
    assert health.restarts == 1 and health.ready
    assert (await office.booking(code)).status == "COMPLETED"
    assert audit(settings, catalog).ok


async def test_processed_ids_are_recorded_with_the_effect(office: BoxOffice):
    await _book(office, "A4")
    info = office.runtime.information
    count = await info.query(lambda c: len(c.execute(select(PROCESSED)).all()))
    assert count >= 6
    # no delivery is left leased or pending anywhere
    for service in office.runtime.services.values():
        rows = await service.query(lambda c: c.execute(select(DELIVERIES)).all())
        assert rows == []


async def test_hung_actor_is_restarted_and_its_mail_redelivered(tmp_path, catalog):
    import asyncio

    from backend import Settings

    settings = Settings(data_dir=tmp_path / "d", hang_after_s=0.5)
    async with BoxOffice.open(settings) as office:  # real time: the watchdog measures it
        cinema = office.runtime.cinema
        original = cinema.handle_deliveries
        hangs = 0

        async def hang_once(batch):
            nonlocal hangs
            if hangs == 0:
                hangs += 1
                await asyncio.sleep(3600)  # stuck, not crashed
            await original(batch)

        cinema.handle_deliveries = hang_once  # type: ignore[method-assign]
        code = await _book(office, "A5")  # completes once the watchdog restarted the cinema
        health = (await office.health())["cinema"]
        assert hangs == 1 and health.restarts == 1
        assert "hung" in health.last_error
        assert (await office.booking(code)).status == "COMPLETED"
    assert audit(settings, catalog).ok


async def test_crash_by_operator_is_healed(office: BoxOffice):
    import asyncio

    office.crash_service("payment")
    for _ in range(200):
        health = (await office.health())["payment"]
        if health.ready and health.restarts == 1:
            break
        await asyncio.sleep(0.02)
    assert health.ready and health.restarts == 1
    await _book(office, "A6")
