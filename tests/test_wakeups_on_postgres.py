"""Box offices sharing PostgreSQL wake each other (NOTIFY/LISTEN), not only by polling.

Two box offices open the same four PostgreSQL databases in one test process: each has
its own dispatcher and owner, so to each other they are two machines' box offices. Every
poll is made 30 s long, so within the tests' few seconds only a notice can have woken
anyone.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from backend import BoxOffice, ManualClock, Settings
from backend.messaging.wakeups import CHANNEL, Notice
from backend.views import SeatMap
from tests.conftest import tomorrow_show

#: Longer than any test here waits: only a wake-up can make things happen in time.
SLOW_POLL_S = 30.0
#: How long a test waits for what a notice should bring (a notice takes milliseconds).
WITHIN_S = 5.0


@pytest.fixture
def shared_settings(tmp_path: Path, postgres_url: Any) -> tuple[Settings, Settings]:
    """Two box offices' settings: own data directories, the same PostgreSQL databases."""
    urls = {f"{s}_db_url": postgres_url(s)
            for s in ("reservation", "payment", "cinema", "information")}
    return (Settings(data_dir=tmp_path / "a", **urls),
            Settings(data_dir=tmp_path / "b", **urls))


@pytest.fixture
async def two_offices(shared_settings: tuple[Settings, Settings], clock: ManualClock
                      ) -> AsyncIterator[tuple[BoxOffice, BoxOffice]]:
    first, second = shared_settings
    async with BoxOffice.open(first, clock=clock) as a, BoxOffice.open(second, clock=clock) as b:
        for office in (a, b):
            office.runtime.dispatcher.poll_interval = SLOW_POLL_S
            office.runtime.dispatcher.wake()  # ends the wait begun with the old interval
            for listener in office.runtime.dispatcher.listeners:
                await asyncio.wait_for(listener.listening.wait(), WITHIN_S)
        await asyncio.sleep(0.2)  # both dispatchers' rounds are over: next waits are slow
        yield a, b


def _held(seat_map: SeatMap) -> set[str]:
    return {s.label for s in seat_map.seats if s.state == "held"}


async def test_a_hold_on_one_box_office_shows_on_the_other_s_watched_seat_map(
        two_offices: tuple[BoxOffice, BoxOffice]):
    a, b = two_offices
    show = await tomorrow_show(a)
    watching = b.watch_seat_map(show.id, interval=SLOW_POLL_S)
    first = await anext(watching)
    assert "E5" not in _held(first)
    await a.hold(show.id, ["E5"])
    async with asyncio.timeout(WITHIN_S):
        while "E5" not in _held(await anext(watching)):
            pass
    await watching.aclose()


async def test_mail_another_box_office_could_not_deliver_is_moved_by_this_one(
        two_offices: tuple[BoxOffice, BoxOffice]):
    """A's information service is stopped, so A leaves its reservation's mail for anyone:
    B's dispatcher hears of it and B's information view shows the hold at once."""
    a, b = two_offices
    show = await tomorrow_show(a)
    await a.stop_service("information")
    await a.hold(show.id, ["F7"])
    async with asyncio.timeout(WITHIN_S):
        while "F7" not in _held(await b.seat_map(show.id)):
            await asyncio.sleep(0.05)


async def test_notices_say_whose_commit_and_what_it_touched(
        two_offices: tuple[BoxOffice, BoxOffice], shared_settings: tuple[Settings, Settings]):
    """What a box office sends on the channel, heard by a plain psycopg listener."""
    import psycopg

    from backend.messaging.wakeups import listen_address

    a, _ = two_offices
    url = shared_settings[0].database_url("information")
    async with await psycopg.AsyncConnection.connect(listen_address(url),
                                                     autocommit=True) as conn:
        await conn.execute(f"LISTEN {CHANNEL}")
        show = await tomorrow_show(a)
        await a.hold(show.id, ["G3"])
        heard: list[Notice] = []
        async with asyncio.timeout(WITHIN_S):
            async for note in conn.notifies():
                notice = Notice.parse(note.payload)
                assert notice is not None, note.payload
                heard.append(notice)
                if show.id in notice.keys:
                    break
    assert {n.owner for n in heard} == {a.runtime.dispatcher.owner}
    assert any(n.service == "information" and show.id in n.keys for n in heard)


def test_a_malformed_notice_is_ignored():
    """Anyone who can reach the database can notify the channel: a notice is a hint,
    and a malformed one is dropped, never an error."""
    for payload in ("", "not json", "[]", json.dumps({"o": "x"}), json.dumps({"k": []})):
        assert Notice.parse(payload) is None
    parsed = Notice.parse(json.dumps({"o": "me", "s": "information", "k": ["s1"], "m": []}))
    assert parsed == Notice("me", "information", ("s1",), ())
