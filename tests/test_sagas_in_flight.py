"""``settle()`` asks every 50 ms how many sagas are in flight: the answer comes from the
status index, reading the bookings in flight and not every booking ever made.

A cinema's bookings almost all rest (completed, failed, rejected, cancelled); the count
once scanned the whole status index for the few that do not. The plan is asserted, not
the time, and the count must still be right for every status a saga can be in.
"""

from __future__ import annotations

import sqlite3

from sqlalchemy import create_engine, text

from backend import BoxOffice, ManualClock, Settings
from backend.services.reservation import queries as q
from backend.services.reservation import saga
from tests.conftest import START

#: Every status the saga module names (its upper-case string constants).
STATUSES = {value for name, value in vars(saga).items()
            if name.isupper() and isinstance(value, str)}


def add_bookings(conn: object, statuses: list[str]) -> None:
    rows = [
        {"id": f"bk_{i:06d}", "code": f"C{i:05d}", "hold": f"hold_{i:06d}", "status": status}
        for i, status in enumerate(statuses)
    ]
    conn.execute(text(  # type: ignore[attr-defined]
        "INSERT INTO bookings (id, code, hold_id, show_id, seats, tickets, amount, method,"
        " status, version, refunded, created_at, updated_at) VALUES (:id, :code, :hold,"
        " 'show', '[]', '{}', 0, 'cash', :status, 1, false, 0, 0)"), rows)


def test_every_status_is_either_resting_or_midway():
    assert set(q.MIDWAY) | saga.TERMINAL == STATUSES
    assert not set(q.MIDWAY) & saga.TERMINAL


async def test_the_count_reads_only_the_sagas_in_flight(tmp_path):
    settings = Settings(data_dir=tmp_path / "data")
    async with BoxOffice.open(settings, clock=ManualClock(START)):
        pass
    db = tmp_path / "data" / "reservation.db"
    resting = [status for status in sorted(saga.TERMINAL) for _ in range(500)]
    engine = create_engine(settings.database_url("reservation"))
    try:
        with engine.begin() as conn:
            add_bookings(conn, resting + sorted(STATUSES))
        with engine.connect() as conn:
            assert q.sagas_in_flight(conn) == len(q.MIDWAY)
    finally:
        engine.dispose()
    with sqlite3.connect(db) as conn:
        plan = [row[3] for row in conn.execute("EXPLAIN QUERY PLAN " + q.MIDWAY_SAGAS.text)]
    assert plan == ["SEARCH bookings USING COVERING INDEX ix_bookings_status (status=?)"]


async def test_postgresql_counts_through_the_status_index(tmp_path, postgres_url):
    url = postgres_url("reservation")
    settings = Settings(data_dir=tmp_path / "data", reservation_db_url=url)
    async with BoxOffice.open(settings, clock=ManualClock(START)):
        pass
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            add_bookings(conn, [status for status in sorted(saga.TERMINAL)
                                for _ in range(5_000)] + sorted(STATUSES))
            conn.execute(text("ANALYZE bookings"))
        with engine.connect() as conn:
            assert q.sagas_in_flight(conn) == len(q.MIDWAY)
            plan = "\n".join(conn.exec_driver_sql("EXPLAIN " + q.MIDWAY_SAGAS.pg_text).scalars())
    finally:
        engine.dispose()
    assert "ix_bookings_status" in plan and "Seq Scan" not in plan, plan
