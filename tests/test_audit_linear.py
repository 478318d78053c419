"""The audit (and the operator's ``check``) costs one pass over the data, in bounded memory.

It once compared every ticket with every booking that was not completed: fine at a few
hundred bookings, hours at a million. Time proves nothing on a shared machine, so what
is counted here is work that does not depend on the machine: the statements the audit
sends to the databases, the Python calls it makes (a profile hook counts them, with the
garbage collector off so that nothing else runs) and the memory it holds at its peak.
Each booking must add the same work, whatever the size of the cinema, and neither the
statements nor the memory may grow with the bookings.

The books are written straight into the service databases (completed sales with their
payment, ticket, claim and view rows; failed sales with a declined payment): a clean
audit of them is the first thing checked.
"""

from __future__ import annotations

import gc
import sqlite3
import sys
import tracemalloc
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Table, create_engine, event
from sqlalchemy.pool import Pool

from backend import BoxOffice, ManualClock, Settings
from backend.audit import audit
from backend.catalog import Catalog
from backend.services.cinema.model import TICKETS
from backend.services.information.model import BOOKING_VIEW, SEAT_VIEW
from backend.services.payment.model import PAYMENTS
from backend.services.reservation.model import BOOKINGS, SEAT_CLAIMS
from tests.conftest import START


def seats_for_sale(catalog: Catalog, count: int) -> Iterator[tuple[str, str]]:
    """``count`` distinct (show, seat) pairs that are for sale, from tomorrow on."""
    day = START.astimezone(catalog.timezone).date()
    found = 0
    while True:
        day += timedelta(days=1)
        for show in catalog.showtimes(day):
            for spec in show.hall.seats:
                if spec.blocked:
                    continue
                yield show.id, spec.label
                found += 1
                if found == count:
                    return


async def books(tmp_path: Path, catalog: Catalog, completed: int, failed: int) -> Settings:
    """A data directory with ``completed`` one-seat sales and ``failed`` declined ones."""
    settings = Settings(data_dir=tmp_path / f"books-{completed}-{failed}")
    async with BoxOffice.open(settings, clock=ManualClock(START)):
        pass  # the schema, at the code's revision
    now = START.timestamp()
    rows: dict[tuple[str, Table], list[dict[str, Any]]] = {}

    def add(service: str, table: Table, **row: Any) -> None:
        rows.setdefault((service, table), []).append(row)

    seats = seats_for_sale(catalog, completed + failed)
    for i, (show_id, seat) in enumerate(seats):
        done = i < completed
        booking_id, hold_id, code = f"bk_{i:06d}", f"hold_{i:06d}", f"C{i:05d}"
        status = "COMPLETED" if done else "FAILED"
        add("reservation", BOOKINGS, id=booking_id, code=code, hold_id=hold_id,
            show_id=show_id, seats=f'["{seat}"]', tickets='{"adult": 1}', amount=14_000,
            phone=None, method="cash", status=status, version=3, refunded=False,
            created_at=now, updated_at=now)
        add("payment", PAYMENTS, id=f"pay_{i:06d}", idempotency_key=booking_id,
            booking_id=booking_id, method="cash", amount=14_000,
            status="captured" if done else "declined", created_at=now)
        add("information", BOOKING_VIEW, booking_id=booking_id, code=code, status=status)
        if done:
            add("cinema", TICKETS, ticket_no=f"{code}-{seat}", show_id=show_id, seat=seat,
                booking_id=booking_id, issued_at=now)
            add("reservation", SEAT_CLAIMS, show_id=show_id, seat=seat, hold_id=hold_id,
                booking_id=booking_id, state="sold")
            add("information", SEAT_VIEW, show_id=show_id, seat=seat, state="sold",
                ref=booking_id)
    for (service, table), values in rows.items():
        engine = create_engine(settings.database_url(service))
        try:
            with engine.begin() as conn:
                conn.execute(table.insert(), values)
        finally:
            engine.dispose()
    return settings


def statements_of(settings: Settings, catalog: Catalog) -> int:
    """How many SQL statements one audit runs (sqlite3's trace hook sees every one)."""
    count = 0

    def trace(_sql: str) -> None:
        nonlocal count
        count += 1

    def on_connect(dbapi_conn: Any, _record: Any) -> None:
        if isinstance(dbapi_conn, sqlite3.Connection):
            dbapi_conn.set_trace_callback(trace)

    event.listen(Pool, "connect", on_connect)
    try:
        assert audit(settings, catalog).ok
    finally:
        event.remove(Pool, "connect", on_connect)
    return count


def calls_of(settings: Settings, catalog: Catalog) -> int:
    """How many Python calls (and generator steps) one audit makes."""
    count = 0

    def profile(_frame: Any, what: str, _arg: Any) -> None:
        nonlocal count
        if what == "call":
            count += 1

    gc.collect()
    gc.disable()
    sys.setprofile(profile)
    try:
        report = audit(settings, catalog)
    finally:
        sys.setprofile(None)
        gc.enable()
    assert report.ok, report.violations
    return count


def peak_memory_of(settings: Settings, catalog: Catalog) -> int:
    """The most memory (Python's allocations) one audit holds at once, in bytes."""
    gc.collect()
    tracemalloc.start()
    try:
        assert audit(settings, catalog).ok
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.fixture
def cinemas(tmp_path: Path, catalog: Catalog) -> Any:
    async def make(*sizes: int) -> list[Settings]:
        made = [await books(tmp_path, catalog, n, n) for n in sizes]
        audit(made[0], catalog)  # caches warmed: the first audit pays for them alone
        return made
    return make


async def test_the_audit_runs_the_same_statements_for_10_or_100_unfinished_bookings(
        cinemas, catalog):
    small, large = await cinemas(10, 100)
    report = audit(large, catalog)
    assert report.ok, report.violations
    assert (report.counts["bookings"], report.counts["COMPLETED"], report.counts["FAILED"],
            report.counts["payments"], report.counts["tickets"]) == (200, 100, 100, 200, 100)
    assert statements_of(small, catalog) == statements_of(large, catalog)


async def test_each_booking_adds_the_same_work_and_no_memory(cinemas, catalog):
    few, more, most = await cinemas(100, 200, 300)
    calls = [calls_of(settings, catalog) for settings in (few, more, most)]
    first, second = calls[1] - calls[0], calls[2] - calls[1]
    # linear: the second hundred bookings cost what the first did (a quadratic audit's
    # second hundred cost far more: each unfinished booking looked at every ticket)
    assert abs(second - first) <= first * 0.02, calls
    peaks = [peak_memory_of(settings, catalog) for settings in (few, most)]
    # 400 more bookings (1,600 more rows) hold no more memory than a few rows' worth
    assert peaks[1] - peaks[0] < 64 * 1024, peaks
