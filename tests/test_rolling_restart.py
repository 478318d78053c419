"""Rolling restarts under load: no booking fails, nothing is lost."""

from __future__ import annotations

import asyncio

from backend import BoxOffice, Card, Cash, Settings
from backend.audit import audit
from backend.messaging.messages import SERVICES
from tests.conftest import VISA


async def test_restarting_every_service_under_load_loses_nothing(tmp_path, catalog):
    settings = Settings(data_dir=tmp_path / "d", payment_latency_ms=20)
    async with BoxOffice.open(settings) as office:
        shows = await office.showtimes(office.days()[2])
        seats = [
            (show.id, s.label)
            for show in shows
            for s in catalog.showtime(show.id).hall.seats
            if not s.blocked
        ][:240]
        failures: list[BaseException] = []
        codes: list[str] = []

        async def clerk(mine: list[tuple[str, str]]) -> None:
            for i, (show_id, seat) in enumerate(mine):
                try:
                    hold = await office.hold(show_id, [seat])
                    tender = Card(VISA, "12/30", "123") if i % 2 else Cash(20000)
                    booking = await office.book(hold.id, tickets={"adult": 1}, payment=tender)
                    codes.append(booking.code)
                except Exception as exc:  # noqa: BLE001 - the test counts every failure
                    failures.append(exc)

        sold_at_restart: list[int] = []

        async def operator() -> None:
            for i, name in enumerate(SERVICES):
                while len(codes) < 30 * (i + 1) and not failures:  # restart mid-sale
                    await asyncio.sleep(0.005)
                old = office.runtime.services[name]
                sold_at_restart.append(len(codes))
                await office.restart_service(name)
                assert office.runtime.services[name] is not old
                assert office.runtime.services[name].ready and not old.ready

        await asyncio.gather(*(clerk(seats[i::8]) for i in range(8)), operator())
        # every restart happened while clerks were selling
        assert sold_at_restart == sorted(set(sold_at_restart))
        assert 0 < sold_at_restart[0] and sold_at_restart[-1] < len(seats)
        assert failures == []
        assert len(codes) == len(seats)
        assert await office.settle(30)
        health = await office.health()
        assert all(h.ready and h.restarts == 1 for h in health.values())
    report = audit(settings, catalog, card_numbers=(VISA,))
    assert report.ok, report.violations
    assert report.counts["COMPLETED"] == len(seats)
