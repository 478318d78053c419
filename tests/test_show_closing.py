"""Closing shows long over: their holds, seat claims and seat-view rows go, and nothing a
clerk or the auditor needs goes with them (``backend/services/reservation/closing.py``,
``backend/services/information/closed_shows.py``).

Each test sells tomorrow's shows with an injected clock, moves it three days on (the
shows started more than the one-day window of ``retention_settings`` ago) and runs one
retention pass by hand, as the background task does.
"""

from __future__ import annotations

from typing import Any

import pytest

from backend import BoxOffice, ManualClock, NotCancellable, Settings
from backend.audit import audit
from backend.integrity import check_at_start
from backend.sql import SQL, in_list, run
from tests.aging import sell

PHONE = "010-4444-{:04d}"
DAY = 86_400


async def _rows(office: BoxOffice, sql: str, params: dict[str, Any] | None = None) -> list[Any]:
    store = office.runtime.reservation.store
    return await store.read(lambda c: run(c, SQL.of(sql), params or {}).all())


async def _view_rows(office: BoxOffice, table: str, shows: set[str]) -> int:
    """Rows of an information table about these shows."""
    marks, params = in_list("s", sorted(shows))
    return await office.runtime.information.store.read(lambda c: run(c, SQL.of(
        f"SELECT count(*) FROM {table} WHERE show_id IN {marks}"), params).scalar_one())


async def _claims_of(office: BoxOffice, shows: set[str]) -> dict[str, tuple[int, int]]:
    """(seat claims, holds) per show."""
    out = {}
    for show in sorted(shows):
        claims = await _rows(office, "SELECT 1 FROM seat_claims WHERE show_id = :s", {"s": show})
        holds = await _rows(office, "SELECT 1 FROM holds WHERE show_id = :s", {"s": show})
        out[show] = (len(claims), len(holds))
    return out


async def test_a_show_long_over_loses_its_claims_and_its_bookings_stay_whole(
        retention_settings: Settings, clock: ManualClock):
    async with BoxOffice.open(retention_settings, clock=clock) as office:
        old = await sell(office, 30, PHONE, day=1)
        later = await sell(office, 10, "010-4445-{:04d}", day=5)
        for code in old[::7]:
            await office.cancel(code)
        assert await office.settle(20)
        stories = {code: await office.booking(code) for code in old + later}
        old_shows = {b.show_id for code, b in stories.items() if code in old}
        later_shows = {b.show_id for code, b in stories.items() if code in later}
        seat_maps = {show: await office.seat_map(show) for show in old_shows}
        information = office.runtime.information
        counts = await information.seat_counts(sorted(old_shows | later_shows))
        kept = (await _claims_of(office, old_shows)).values()
        assert all(holds for _, holds in kept) and sum(claims for claims, _ in kept) > 20
        later_before = await _claims_of(office, later_shows)

        clock.advance(3 * DAY)
        done = await office.runtime.keeper.compact()

        assert done.closed == len(old_shows)
        assert set((await _claims_of(office, old_shows)).values()) == {(0, 0)}
        closed = {r.show_id for r in await _rows(office, "SELECT show_id FROM closed_shows")}
        assert closed == old_shows
        assert await _claims_of(office, later_shows) == later_before  # not started yet
        # every booking reads as before: by code, by phone, its timeline, its seats
        assert {code: await office.booking(code) for code in old + later} == stories
        for i, code in enumerate(old):
            assert [b.code for b in await office.history(PHONE.format(i))] == [code]
        # the seat view let go of the closed shows' rows and reads the same without them
        assert await _view_rows(office, "info_seats", old_shows) == 0
        assert await _view_rows(office, "info_closed_shows", old_shows) == len(old_shows)
        assert await _view_rows(office, "info_seats", later_shows) > 0
        for show, seat_map in seat_maps.items():
            assert await office.seat_map(show) == seat_map
        assert await information.seat_counts(sorted(old_shows | later_shows)) == counts
        # a late message about a closed show (mail sent again after a crash) writing a
        # seat row again changes nothing a clerk reads
        late = sorted(old_shows)[0]
        await information.store.write(lambda c: run(c, SQL(
            "INSERT INTO info_seats (show_id, seat, state, ref, seq) VALUES (:s, 'A1', 'held',"
            " 'hold_late', 0) ON CONFLICT DO NOTHING"), {"s": late}))
        information.touched_elsewhere((late,))
        assert await office.seat_map(late) == seat_maps[late]
        assert await information.seat_counts(sorted(old_shows | later_shows)) == counts
        # a closed show's booking is refused in words, as any started show's is
        completed = next(c for c in old if stories[c].status == "COMPLETED")
        with pytest.raises(NotCancellable) as refused:
            await office.cancel(completed)
        assert refused.value.key == "cancel.started"
        # and the shows still on sale sell and cancel as ever
        await office.cancel(later[0])
        assert await office.settle(20)
        assert (await office.booking(later[0])).status == "CANCELLED"
        assert (await office.runtime.keeper.compact()).closed == 0  # twice: nothing more
        catalog = office.catalog
    check_at_start(retention_settings)
    report = audit(retention_settings, catalog)
    assert report.ok, report.violations
    async with BoxOffice.open(retention_settings, clock=clock) as office:  # starts again
        assert (await office.booking(completed)).status == "COMPLETED"


async def test_a_show_with_a_saga_still_moving_is_not_closed(
        retention_settings: Settings, clock: ManualClock):
    async with BoxOffice.open(retention_settings, clock=clock) as office:
        await office.stop_service("cinema")  # paid, never confirmed: the sagas wait
        codes = await sell(office, 6, PHONE, day=1)
        shows = {(await office.booking(code)).show_id for code in codes}
        assert {(await office.booking(code)).status for code in codes} == {"PAID"}
        before = await _claims_of(office, shows)

        clock.advance(3 * DAY)
        assert (await office.runtime.keeper.compact()).closed == 0
        assert await _claims_of(office, shows) == before

        await office.start_service("cinema")
        assert await office.settle(30)
        assert (await office.runtime.keeper.compact()).closed == len(shows)
        assert await office.settle(30)  # closing sends ShowClosed to information: let it land
        catalog = office.catalog
    report = audit(retention_settings, catalog)
    assert report.ok, report.violations


async def test_the_audit_holds_closed_and_open_shows_to_their_own_rules(
        retention_settings: Settings, clock: ManualClock):
    """A show written down as closed that still has claims is a violation; a show not
    closed whose completed booking lost its claims still is one (the waiver is the
    closed show's only)."""
    async with BoxOffice.open(retention_settings, clock=clock) as office:
        codes = await sell(office, 4, PHONE, day=2)
        assert await office.settle(20)
        first, second = [await office.booking(code) for code in codes[:2]]
        assert first.show_id != second.show_id
        store = office.runtime.reservation.store
        await store.write(lambda c: run(c, SQL(
            "INSERT INTO closed_shows (show_id, closed_at) VALUES (:s, 0)"), {"s": first.show_id}))
        await store.write(lambda c: run(c, SQL(
            "DELETE FROM seat_claims WHERE show_id = :s"), {"s": second.show_id}))
        catalog = office.catalog
    report = audit(retention_settings, catalog)
    assert any(f"closed show {first.show_id} still has a claim" in v
               for v in report.violations), report.violations
    assert any(f"completed booking {second.code} does not own its seats" in v
               for v in report.violations), report.violations
    assert not any(first.code in v for v in report.violations), report.violations
