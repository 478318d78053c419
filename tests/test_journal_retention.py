"""Journal retention: old, delivered messages are compacted and nothing a clerk needs goes.

Each test sells with an injected clock, moves it past the window (one day here, set by
``journal_retention_days``) and runs one retention pass by hand
(``runtime.keeper.compact()``), as the background task does every
``journal_retention_every_s``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from backend import BoxOffice, ManualClock, Settings
from backend.audit import audit
from backend.integrity import check_at_start
from backend.messaging.envelope import Envelope
from backend.messaging.retention import KEEP_NEWEST
from backend.runtime.clock import from_epoch
from backend.sql import SQL, run
from tests.aging import sell

PHONE = "010-5555-{:04d}"


async def _sell(office: BoxOffice, n: int, day: int = 5) -> list[str]:
    return await sell(office, n, PHONE, day)


async def _count(office: BoxOffice, service: str, table: str) -> int:
    store = office.runtime.services[service].store
    return await store.read(lambda c: run(c, SQL.of(f"SELECT count(*) FROM {table}")).scalar_one())


async def _outbox(office: BoxOffice, service: str) -> list[Envelope]:
    rows = await office.runtime.services[service].store.read(
        lambda c: run(c, SQL("SELECT * FROM outbox ORDER BY seq")).all())
    return [Envelope.from_row(message_id=r.message_id, type=r.type, source=r.source,
                              correlation_id=r.correlation_id, causation_id=r.causation_id,
                              occurred_at=from_epoch(r.occurred_at), payload=r.payload,
                              seq=r.seq) for r in rows]


async def _stories(office: BoxOffice, codes: list[str]) -> dict[str, Any]:
    return {code: await office.booking(code) for code in codes}


async def test_old_delivered_messages_go_and_every_booking_stays_whole(
        retention_settings: Settings, clock: ManualClock):
    async with BoxOffice.open(retention_settings, clock=clock) as office:
        codes = await _sell(office, 80)
        cancelled = codes[::10]
        for code in cancelled:
            await office.cancel(code)
        assert await office.settle(20)
        before = await _stories(office, codes)
        sent = {s: await _count(office, s, "outbox") for s in office.runtime.services}

        clock.advance(25 * 3600)
        done = await office.runtime.keeper.compact()

        for service, count in sent.items():
            left = await _count(office, service, "outbox")
            assert left == min(count, KEEP_NEWEST), (service, count, left)
        assert done.total > 0
        for service in ("reservation", "cinema", "information"):  # the receivers
            assert done.processed.get(service, 0) > 0, done
        # every booking, its timeline to the last step, by code and by phone
        assert await _stories(office, codes) == before
        for i, code in enumerate(codes):
            found = await office.history(PHONE.format(i))
            assert [b.code for b in found] == [code]
        # and what is left to do can still be done
        await office.cancel(codes[1])
        assert await office.settle(20)
        assert (await office.booking(codes[1])).status == "CANCELLED"
        catalog = office.catalog
    check_at_start(retention_settings)  # the start-up check: no database looks restored
    report = audit(retention_settings, catalog)
    assert report.ok, report.violations
    async with BoxOffice.open(retention_settings, clock=clock) as office:  # starts again
        assert (await office.booking(codes[2])).status == "COMPLETED"


async def test_a_message_still_to_be_applied_is_never_compacted(
        retention_settings: Settings, clock: ManualClock):
    async with BoxOffice.open(retention_settings, clock=clock) as office:
        await office.stop_service("information")
        codes = await _sell(office, 60)
        # the sagas finish without information (only its mail waits): then nothing new
        # is written, and what the outbox holds now is all there will be
        reservation = office.runtime.reservation
        for code in codes:
            done = await reservation.wait_for_status(
                (await reservation.booking_by_code(code)).id, frozenset({"COMPLETED"}), 20)
            assert done is not None, code
        waiting = await _count(office, "reservation", "deliveries")
        assert waiting > 0
        kept = {e.message_id for e in await _outbox(office, "reservation")}

        clock.advance(2 * 86_400)
        await office.runtime.keeper.compact()

        left = {e.message_id for e in await _outbox(office, "reservation")}
        pending = await office.runtime.services["reservation"].store.read(
            lambda c: {r[0] for r in run(c, SQL("SELECT message_id FROM deliveries"))})
        assert pending and pending <= left <= kept
        await office.start_service("information")
        assert await office.settle(30)
        for code in codes:
            booking = await office.booking(code)
            assert booking.status == "COMPLETED"
            assert "PaymentCaptured" in [s.step for s in booking.timeline], code
        catalog = office.catalog
    report = audit(retention_settings, catalog)
    assert report.ok, report.violations


async def test_an_old_message_cannot_come_again_after_retention(
        retention_settings: Settings, clock: ManualClock):
    """Retention forgets that receivers applied old messages, so such a message must never
    be delivered again. Delivery is driven only by delivery rows, and retention compacts
    only messages that have none: no delivery row is left that names a compacted message.
    A message the journal still has, delivered twice, changes nothing (its processed
    record stays as long as it does)."""
    async with BoxOffice.open(retention_settings, clock=clock) as office:
        codes = await _sell(office, 60)
        for code in codes[::3]:
            await office.cancel(code)
        assert await office.settle(20)
        old = {s: await _outbox(office, s) for s in office.runtime.services}

        clock.advance(2 * 86_400)
        await office.runtime.keeper.compact()
        for producer, envelopes in old.items():
            if len(envelopes) <= KEEP_NEWEST:
                continue  # information sends nothing
            kept = {e.message_id for e in await _outbox(office, producer)}
            compacted = {e.message_id for e in envelopes} - kept
            assert compacted, producer
            named = await office.runtime.services[producer].store.read(
                lambda c: {r[0] for r in run(c, SQL("SELECT message_id FROM deliveries"))})
            assert not named & compacted

        # a kept message delivered again through the journal (as after a lost ack)
        before = await _stories(office, codes)
        again = (await _outbox(office, "reservation"))[-1]
        await office.runtime.services["reservation"].store.write(lambda c: run(c, SQL(
            "INSERT INTO deliveries (message_id, destination, lease_until, attempts)"
            " VALUES (:m, 'information', 0.0, 1)"), {"m": again.message_id}))
        office.runtime.dispatcher.wake()
        assert await office.settle(20)
        assert await _stories(office, codes) == before
        catalog = office.catalog
    report = audit(retention_settings, catalog)
    assert report.ok, report.violations


async def test_nothing_inside_the_window_is_touched(
        retention_settings: Settings, clock: ManualClock):
    async with BoxOffice.open(retention_settings, clock=clock) as office:
        await _sell(office, 70)
        assert await office.settle(20)
        counts = {(s, t): await _count(office, s, t)
                  for s in office.runtime.services for t in ("outbox", "processed")}
        clock.advance(23 * 3600)
        done = await office.runtime.keeper.compact()
        assert done.total == 0
        assert counts == {(s, t): await _count(office, s, t)
                          for s in office.runtime.services for t in ("outbox", "processed")}


def test_retention_settings_are_checked(tmp_path: Path):
    from pydantic import ValidationError

    with pytest.raises(ValidationError):
        Settings(data_dir=tmp_path, journal_retention_days=0)
