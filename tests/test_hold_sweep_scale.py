"""The hold sweep costs what the active holds cost, however many holds were ever made.

``holds`` keeps every hold a cinema ever took; the sweep runs every second inside
reservation's write transaction. A year of sales is made here as a synthetic table (a
million and a half booked, released and expired holds, written straight into the file),
and the sweep must still expire exactly the lapsed active holds, through the partial
index of reservation's revision 4 (the plan is asserted, not the time: the machine's
speed proves nothing). An old data directory gets the index when it is upgraded.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections import Counter
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

from backend import BoxOffice, ManualClock, Settings
from backend.services.reservation import queries as q
from tests.conftest import tomorrow_show
from tests.test_upgrade import FIXTURE, FIXTURE_TIME, revision

#: Holds from a year of sales: every state a hold rests in, all long past their expiry.
HISTORY = 1_500_000
RESTING = ("booked", "released", "expired")
#: Lapsed active holds left by a crash (no claims): more than one sweep pass takes (500).
LAPSED = 1_200
INDEX = "ix_holds_active_expires_at"


def write_history(db: Path, show_id: str, before: float) -> None:
    """The synthetic year: HISTORY resting holds, LAPSED active lapsed ones, 50 active ones
    whose booking is running (the sweep must leave them to the saga) and 50 not yet due."""
    def rows() -> Any:
        for i in range(HISTORY):
            yield (f"old_{i:08d}", show_id, '["A1"]', RESTING[i % 3], None,
                   before - 2 * HISTORY + i, before - 2 * HISTORY + i + 300)
        for i in range(LAPSED):
            yield (f"lapsed_{i:05d}", show_id, '["B1"]', "active", None,
                   before - 900 - i, before - 600 - i)
        for i in range(50):
            yield (f"paying_{i:03d}", show_id, '["C1"]', "active", f"booking_{i}",
                   before - 900, before - 600)
            yield (f"due_{i:03d}", show_id, '["D1"]', "active", None,
                   before, before + 86_400)

    with sqlite3.connect(db) as conn:
        conn.executemany(
            "INSERT INTO holds (id, show_id, seats, state, booking_id, created_at, expires_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)", rows())


def states(db: Path) -> Counter[str]:
    with sqlite3.connect(db) as conn:
        return Counter(dict(conn.execute("SELECT state, count(*) FROM holds GROUP BY state")))


def sqlite_plan(db: Path, sql: str, params: dict[str, Any]) -> str:
    with sqlite3.connect(db) as conn:
        return " | ".join(row[3] for row in conn.execute("EXPLAIN QUERY PLAN " + sql, params))


async def test_the_sweep_expires_only_lapsed_active_holds_among_millions(tmp_path, clock):
    settings = Settings(data_dir=tmp_path / "data")
    db = tmp_path / "data" / "reservation.db"
    async with BoxOffice.open(settings, clock=clock) as office:
        show = await tomorrow_show(office)
        other = next(s for s in await office.showtimes(office.days()[1]) if s.id != show.id)
    write_history(db, other.id, clock.now().timestamp())
    assert sqlite_plan(db, q.LAPSED_HOLDS.text, {"now": 0.0}) == (
        f"SEARCH holds USING INDEX {INDEX} (expires_at<?)")

    async with BoxOffice.open(settings, clock=clock) as office:
        held = [await office.hold(show.id, [seat]) for seat in ("E5", "E6")]
        clock.advance(settings.hold_minutes * 60 + 1)
        reservation = office.runtime.reservation
        for _ in range(10):  # each pass expires at most 500; the sweeper may run one too
            await reservation.sweep()
            if states(db)["active"] == 100:
                break
        assert await office.settle(30)  # the view has heard of every expiry
        seat_map = await office.seat_map(show.id)
        assert {seat_map.seat("E5").state, seat_map.seat("E6").state} == {"free"}

    found = states(db)
    third = HISTORY // 3
    assert found == {"booked": third, "released": third,
                     "expired": third + LAPSED + len(held), "active": 100}
    with sqlite3.connect(db) as conn:
        still = {r[0] for r in conn.execute("SELECT id FROM holds WHERE state = 'active'")}
        assert still == {f"paying_{i:03d}" for i in range(50)} | {f"due_{i:03d}" for i in range(50)}
        assert not conn.execute(
            "SELECT count(*) FROM seat_claims WHERE hold_id IN (?, ?)", [h.id for h in held]
        ).fetchone()[0]


async def test_an_upgraded_data_directory_gets_the_sweep_index(tmp_path):
    data = tmp_path / "cinema"
    shutil.copytree(FIXTURE, data)
    db = data / "reservation.db"
    async with BoxOffice.open(Settings(data_dir=data), clock=ManualClock(FIXTURE_TIME)):
        pass
    assert revision(db) == "reservation_0006"
    with sqlite3.connect(db) as conn:
        indexes = dict(conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'holds'"))
    assert "WHERE state = 'active'" in indexes[INDEX]
    assert "ix_holds_expires_at" not in indexes  # only the sweep used it
    assert INDEX in sqlite_plan(db, q.LAPSED_HOLDS.text, {"now": 0.0})


async def test_postgresql_sweeps_through_the_partial_index(tmp_path, postgres_url):
    url = postgres_url("reservation")
    settings = Settings(data_dir=tmp_path / "data", reservation_db_url=url)
    clock = ManualClock(FIXTURE_TIME)
    async with BoxOffice.open(settings, clock=clock):
        pass
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO holds (id, show_id, seats, state, booking_id, created_at,"
                " expires_at) SELECT 'old_' || i, 'show', :seats,"
                " (ARRAY['booked', 'released', 'expired'])[i % 3 + 1], NULL, i, i + 300"
                " FROM generate_series(1, 200000) AS i"), {"seats": json.dumps(["A1"])})
            conn.execute(text(
                "INSERT INTO holds (id, show_id, seats, state, booking_id, created_at,"
                " expires_at) SELECT 'lapsed_' || i, 'show', '[]', 'active', NULL, i, i + 300"
                " FROM generate_series(1, 20) AS i"))
            conn.execute(text("ANALYZE holds"))
        with engine.connect() as conn:
            plan = "\n".join(conn.exec_driver_sql(
                "EXPLAIN " + q.LAPSED_HOLDS.pg_text, {"now": 1e9}).scalars())
    finally:
        engine.dispose()
    assert INDEX in plan and "Seq Scan" not in plan, plan
