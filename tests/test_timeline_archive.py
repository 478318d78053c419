"""Timeline archiving: an old booking's steps folded into one row, and read the same.

Each test sells with an injected clock, moves it past the retention window (one day
here, ``journal_retention_days``) and runs one retention pass by hand
(``runtime.keeper.compact()``, which archives after compacting the journals), as the
background task does every ``journal_retention_every_s``.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from backend import BoxOffice, Card, Cash, ManualClock, PaymentDeclined, Settings
from backend.audit import audit
from backend.integrity import check_at_start
from backend.services.information.archive import unpack
from backend.sql import SQL, run
from tests.aging import sell

PHONE = "010-7777-{:04d}"
DECLINED = Card("4000000000000002", "12/30", "123")
DAY = 86_400


async def _sell(office: BoxOffice, n: int, day: int = 5) -> list[str]:
    return await sell(office, n, PHONE, day)


async def _refused_then_paid(office: BoxOffice, day: int = 6) -> tuple[str, str]:
    """A card refused on a hold, then cash on the same hold: two bookings, one hold."""
    show = (await office.showtimes(office.days()[day]))[0]
    hold = await office.hold(show.id, ["C1"])
    with pytest.raises(PaymentDeclined):
        await office.book(hold.id, tickets={"adult": 1}, payment=DECLINED, phone=PHONE.format(9001))
    paid = await office.book(hold.id, tickets={"adult": 1}, payment=Cash(100_000),
                             phone=PHONE.format(9001))
    assert await office.settle(20)
    failed = [b for b in await office.history(PHONE.format(9001)) if b.status == "FAILED"]
    return failed[0].code, paid.code


async def _count(office: BoxOffice, table: str) -> int:
    store = office.runtime.services["information"].store
    return await store.read(lambda c: run(c, SQL.of(f"SELECT count(*) FROM {table}")).scalar_one())


async def _archive_rows(office: BoxOffice) -> dict[str, bytes]:
    store = office.runtime.services["information"].store
    return await store.read(lambda c: {
        r.correlation_id: bytes(r.steps)
        for r in run(c, SQL("SELECT correlation_id, steps FROM info_timeline_archive"))})


async def _stories(office: BoxOffice, codes: list[str]) -> dict[str, Any]:
    return {code: await office.booking(code) for code in codes}


async def _histories(office: BoxOffice, phones: list[str]) -> dict[str, Any]:
    return {phone: await office.history(phone) for phone in phones}


async def test_an_archived_booking_reads_exactly_as_before(
        retention_settings: Settings, clock: ManualClock):
    async with BoxOffice.open(retention_settings, clock=clock) as office:
        codes = await _sell(office, 40)
        for code in codes[::8]:
            await office.cancel(code)
        failed, paid = await _refused_then_paid(office)
        codes += [failed, paid]
        assert await office.settle(20)
        before = await _stories(office, codes)
        phones = [PHONE.format(i) for i in range(40)] + [PHONE.format(9001)]
        histories = await _histories(office, phones)
        assert all(len(b.timeline) >= 3 for b in before.values())
        # the refused attempt and the sale after it both show the hold's first step
        for code in (failed, paid):
            assert "SeatsHeld" in [s.step for s in before[code].timeline]

        clock.advance(25 * 3600)
        done = await office.runtime.keeper.compact()

        assert done.archived == len(codes)
        assert await _count(office, "info_timeline") == 0
        # one row per hold: the refused attempt and its sale share theirs
        assert await _count(office, "info_timeline_archive") == len(codes) - 1
        assert await _stories(office, codes) == before
        assert await _histories(office, phones) == histories
        catalog = office.catalog
    check_at_start(retention_settings)
    report = audit(retention_settings, catalog)
    assert report.ok, report.violations
    async with BoxOffice.open(retention_settings, clock=clock) as office:  # starts again
        assert await _stories(office, codes) == before


async def test_small_batches_archive_the_same(retention_settings: Settings, clock: ManualClock):
    async with BoxOffice.open(retention_settings, clock=clock) as office:
        codes = await _sell(office, 25)
        assert await office.settle(20)
        before = await _stories(office, codes)
        clock.advance(25 * 3600)
        information = office.runtime.services["information"]
        cutoff = clock.now().timestamp() - DAY
        assert await information.archive_timelines(cutoff, batch=3) == len(codes)
        assert await _count(office, "info_timeline") == 0
        assert await _stories(office, codes) == before


async def test_a_saga_still_moving_is_never_archived(
        retention_settings: Settings, clock: ManualClock):
    async with BoxOffice.open(retention_settings, clock=clock) as office:
        await office.stop_service("cinema")  # paid, never confirmed: the saga waits
        codes = await _sell(office, 12)
        assert {b.status for b in (await _stories(office, codes)).values()} == {"PAID"}
        steps = await _count(office, "info_timeline")

        clock.advance(2 * DAY)
        done = await office.runtime.keeper.compact()

        assert done.archived == 0
        assert await _count(office, "info_timeline") == steps
        assert await _count(office, "info_timeline_archive") == 0
        await office.start_service("cinema")
        assert await office.settle(30)
        before = await _stories(office, codes)
        assert all(b.status == "COMPLETED" for b in before.values())
        clock.advance(2 * DAY)
        assert (await office.runtime.keeper.compact()).archived == len(codes)
        assert await _stories(office, codes) == before


async def test_a_booking_inside_the_window_is_never_archived(
        retention_settings: Settings, clock: ManualClock):
    async with BoxOffice.open(retention_settings, clock=clock) as office:
        codes = await _sell(office, 10)
        assert await office.settle(20)
        steps = await _count(office, "info_timeline")
        clock.advance(23 * 3600)
        done = await office.runtime.keeper.compact()
        assert done.archived == 0 and done.total == 0
        assert await _count(office, "info_timeline") == steps
        assert await _count(office, "info_timeline_archive") == 0
        # a booking sold after the others' window ran out stays live, the others go
        clock.advance(2 * 3600)
        late = await _sell(office, 1, day=2)
        assert await office.settle(20)
        assert (await office.runtime.keeper.compact()).archived == len(codes)
        late_steps = len((await office.booking(late[0])).timeline)
        assert await _count(office, "info_timeline") == late_steps


async def test_archiving_twice_does_nothing_more(
        retention_settings: Settings, clock: ManualClock):
    async with BoxOffice.open(retention_settings, clock=clock) as office:
        codes = await _sell(office, 15)
        assert await office.settle(20)
        clock.advance(25 * 3600)
        assert (await office.runtime.keeper.compact()).archived == len(codes)
        rows = await _archive_rows(office)
        before = await _stories(office, codes)
        done = await office.runtime.keeper.compact()
        assert done.archived == 0
        assert await _archive_rows(office) == rows
        assert await _stories(office, codes) == before


async def test_a_step_after_archiving_is_read_with_the_archived_ones(
        retention_settings: Settings, clock: ManualClock):
    """A completed booking can be cancelled long after it was archived: its new steps
    are live rows, the booking reads them after the old ones, and the next pass folds
    them into the same archive row."""
    async with BoxOffice.open(retention_settings, clock=clock) as office:
        codes = await _sell(office, 6)
        assert await office.settle(20)
        old = (await office.booking(codes[0])).timeline
        clock.advance(25 * 3600)
        assert (await office.runtime.keeper.compact()).archived == len(codes)

        await office.cancel(codes[0])
        assert await office.settle(20)
        cancelled = await office.booking(codes[0])
        assert cancelled.status == "CANCELLED"
        assert cancelled.timeline[:len(old)] == old
        assert "BookingCancelled" in [s.step for s in cancelled.timeline[len(old):]]
        assert (await office.history(PHONE.format(0)))[0].status == "CANCELLED"
        assert await _count(office, "info_timeline") > 0

        clock.advance(25 * 3600)
        assert (await office.runtime.keeper.compact()).archived == 1
        assert await _count(office, "info_timeline") == 0
        assert await _count(office, "info_timeline_archive") == len(codes)
        assert await office.booking(codes[0]) == cancelled


# --- an upgraded data directory (v0.1.0's files, as in tests/test_upgrade.py) ----------

FIXTURE = Path(__file__).parent / "fixtures" / "v0.1.0-data"


async def test_an_upgraded_data_directory_archives_its_old_bookings(tmp_path: Path, catalog):
    from tests.test_upgrade import COMPLETED, FIXTURE_TIME, revision

    data = tmp_path / "cinema"
    shutil.copytree(FIXTURE, data)
    settings = Settings(data_dir=data, journal_retention_days=1.0,
                        journal_retention_every_s=86_400.0)
    clock = ManualClock(FIXTURE_TIME)
    async with BoxOffice.open(settings, clock=clock) as office:
        before = await _stories(office, list(COMPLETED))
        clock.advance(3 * DAY)
        done = await office.runtime.keeper.compact()
        assert done.archived >= len(COMPLETED)
        assert await _stories(office, list(COMPLETED)) == before
        for code, phone in COMPLETED.items():
            assert [b.code for b in await office.history(phone=phone)] == [code]
        assert await office.settle(20)  # closing its old shows sent ShowClosed: let it land
    assert revision(data / "information.db") == "information_0005"
    report = audit(settings, catalog)
    assert report.ok, report.violations


def test_the_archive_format_stays_readable():
    """Archived rows are read back with the dictionary they were packed with: format 1's
    must never change (a new one gets a new format byte)."""
    import zlib

    from backend.services.information import archive

    assert zlib.crc32(archive._ZDICT_1) == 774834166
    steps = [archive.ArchivedStep(7, "m1", "bk_1", None, "BookingRequested", "reservation",
                                  1767659400.25, '{"booking_id":"bk_1"}')]
    packed = archive.pack(steps)
    assert packed[:1] == b"\x01" and archive.unpack(memoryview(packed)) == steps
    with pytest.raises(ValueError):
        archive.unpack(b"\x02" + packed[1:])


async def test_a_hold_that_never_became_a_booking_is_archived_too(
        retention_settings: Settings, clock: ManualClock):
    """Released, replaced, expired, and expired after a refused card: each hold's story
    folds into one row under its id, and the refused booking still reads whole."""
    async with BoxOffice.open(retention_settings, clock=clock) as office:
        show = (await office.showtimes(office.days()[5]))[1]
        released = await office.hold(show.id, ["E1"])
        await office.release(released.id)
        replaced = await office.hold(show.id, ["E2"])
        await office.hold(show.id, ["E3"], replaces=replaced.id)  # the clerk's new choice
        lapsed = await office.hold(show.id, ["E4"])
        refused_on = await office.hold(show.id, ["E5"])
        with pytest.raises(PaymentDeclined):
            await office.book(refused_on.id, tickets={"adult": 1}, payment=DECLINED,
                              phone=PHONE.format(9002))
        clock.advance(3600)  # both unpaid holds lapse, and so does the newest choice
        await office.runtime.reservation.sweep()
        assert await office.settle(20)
        refused = (await office.history(PHONE.format(9002)))[0]
        before = await office.booking(refused.code)
        assert [s.step for s in before.timeline][-1] == "HoldReleased"
        ended = {released.id, replaced.id, lapsed.id, refused_on.id}

        clock.advance(2 * DAY)
        done = await office.runtime.keeper.compact()

        assert await _count(office, "info_timeline") == 0
        rows = await _archive_rows(office)
        assert ended <= set(rows)
        for hold_id in ended - {refused_on.id}:
            steps = [s.step for s in unpack(rows[hold_id])]
            assert steps == ["SeatsHeld", "HoldReleased"], (hold_id, steps)
        assert done.archived >= len(ended) + 1  # the holds, and the refused booking
        assert await office.booking(refused.code) == before


async def test_a_hold_released_inside_the_window_stays_live(
        retention_settings: Settings, clock: ManualClock):
    async with BoxOffice.open(retention_settings, clock=clock) as office:
        show = (await office.showtimes(office.days()[5]))[1]
        hold = await office.hold(show.id, ["F1"])
        clock.advance(20 * 3600)
        await office.release(hold.id)  # its last step is new: the story is not old yet
        assert await office.settle(20)
        clock.advance(6 * 3600)  # the first step is past the window, the last is not
        await office.runtime.keeper.compact()
        assert await _count(office, "info_timeline") == 2
        assert hold.id not in await _archive_rows(office)
