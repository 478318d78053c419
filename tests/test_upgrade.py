"""A cinema upgrading from v0.1.0 keeps every booking, and a damaged or newer schema stops
the start with one sentence (real files: a data directory written by the released code,
see tests/fixtures/README.md)."""

from __future__ import annotations

import shutil
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from backend import BoxOffice, Card, Cash, ManualClock, Settings
from backend.audit import audit
from backend.errors import StorageError
from backend.integrity import check_at_start

FIXTURE = Path(__file__).parent / "fixtures" / "v0.1.0-data"
#: The fixture's clock reading (tests/fixtures/make_v010_data.py).
FIXTURE_TIME = datetime(2026, 11, 30, 1, 0, tzinfo=UTC)
COMPLETED = {"HZCXCX": "010-1234-5678", "G9JQ8M": "010-9876-5432", "XZYWUU": "02-123-4567",
             "6PZVGJ": "010-5555-0000"}
CANCELLED = "9BEBKA"
SERVICES = ("reservation", "payment", "cinema", "information")


@pytest.fixture
def old_data(tmp_path: Path) -> Path:
    data = tmp_path / "cinema"
    shutil.copytree(FIXTURE, data)
    return data


def revision(db: Path) -> str | None:
    with sqlite3.connect(db) as conn:
        try:
            return conn.execute("SELECT version_num FROM alembic_version").fetchone()[0]
        except sqlite3.OperationalError:
            return None


def open_office(data: Path) -> BoxOffice:
    return BoxOffice.open(Settings(data_dir=data), clock=ManualClock(FIXTURE_TIME))


async def test_a_v010_data_directory_opens_with_every_booking(old_data, catalog):
    assert {revision(old_data / f"{s}.db") for s in SERVICES} == {None}
    with sqlite3.connect(old_data / "cinema.db") as conn:
        before_tickets = conn.execute("SELECT ticket_no, show_id, seat, booking_id"
                                      " FROM cinema_tickets").fetchall()
    async with open_office(old_data) as office:
        for code, phone in COMPLETED.items():
            booking = await office.booking(code)
            assert booking.status == "COMPLETED" and booking.phone == phone
            assert [b.code for b in await office.history(phone=phone)] == [code]
        assert (await office.booking(CANCELLED)).status == "CANCELLED"
        # its seats are sold on the map
        first = await office.booking("HZCXCX")
        seat_map = await office.seat_map(first.show_id)
        states = {s.label: s.state for s in seat_map.seats}
        assert all(states[seat] == "sold" for seat in first.seats)
        # an old booking can be cancelled with a refund
        cancelled = await office.cancel("G9JQ8M")
        assert cancelled.status == "CANCELLED" and cancelled.refunded_amount == cancelled.amount
        # a new sale completes
        free = next(s.label for s in seat_map.seats if s.state == "free")
        hold = await office.hold(first.show_id, [free])
        sold = await office.book(hold.id, tickets={"adult": 1}, payment=Cash(20_000))
        assert (await office.wait_for_booking(sold.code)) is not None
        assert await office.settle(20)
    report = audit(Settings(data_dir=old_data), catalog)
    assert report.ok, report.violations
    with sqlite3.connect(old_data / "cinema.db") as conn:  # the copied ticket table
        tickets = conn.execute("SELECT ticket_no, show_id, seat, booking_id"
                               " FROM cinema_tickets ORDER BY ticket_no").fetchall()
        keys = [r[5] for r in conn.execute("PRAGMA table_info(cinema_tickets)") if r[5]]
    taken_back = {t for t in before_tickets if t[0].startswith("G9JQ8M-")}
    assert taken_back  # the cancelled booking had tickets; every other one is kept as it was
    assert set(before_tickets) - taken_back <= set(tickets)
    assert len(tickets) == len(before_tickets) - len(taken_back) + 1  # and the new sale's
    assert keys == [1, 2]  # the key is (show_id, seat), in that order
    heads = {s: revision(old_data / f"{s}.db") for s in SERVICES}
    assert all(heads.values()), heads
    # a second start is a no-op: nothing to migrate, the same revisions
    plans = check_at_start(Settings(data_dir=old_data))
    assert not any(plan.pending for plan in plans.values()), plans
    async with open_office(old_data):
        pass
    assert {s: revision(old_data / f"{s}.db") for s in SERVICES} == heads


async def test_a_fresh_data_directory_is_at_the_code_revision(tmp_path):
    async with BoxOffice.open(Settings(data_dir=tmp_path / "new")):
        pass
    # reservation: 4 the active holds' index, 5 closed shows, 6 fewer booking indexes;
    # cinema: 4 tickets keyed by show and seat; information: 4 the timeline archive,
    # 5 closed shows
    expected = {s: f"{s}_0003" for s in SERVICES} | {"reservation": "reservation_0006",
                                                      "cinema": "cinema_0004",
                                                      "information": "information_0005"}
    for service in SERVICES:
        assert revision(tmp_path / "new" / f"{service}.db") == expected[service]


def drop_column(db: Path, table: str, column: str) -> None:
    with sqlite3.connect(db) as conn:
        conn.execute(f"ALTER TABLE {table} DROP COLUMN {column}")


@pytest.mark.parametrize("adopted", [False, True], ids=["migrated", "v0.1.0"])
async def test_a_dropped_column_stops_the_start_naming_database_table_and_column(
    old_data, adopted
):
    if not adopted:
        async with open_office(old_data):
            pass
    drop_column(old_data / "payment.db", "payments", "change")
    with pytest.raises(StorageError) as caught:
        async with open_office(old_data):
            pass
    message = str(caught.value)
    assert "payment database" in message and "payments" in message and "change" in message
    assert "cinema-tui restore" in message


async def test_a_database_from_a_newer_version_stops_the_start(old_data):
    async with open_office(old_data):
        pass
    with sqlite3.connect(old_data / "cinema.db") as conn:
        conn.execute("UPDATE alembic_version SET version_num = 'cinema_9999'")
    with pytest.raises(StorageError, match=r"cinema database .* newer version .*cinema_9999"):
        async with open_office(old_data):
            pass


async def test_a_new_card_sale_on_the_upgraded_directory_stores_only_brand_and_last4(old_data):
    async with open_office(old_data) as office:
        show = (await office.showtimes(office.days()[1]))[0]
        seat = next(s.label for s in (await office.seat_map(show.id)).seats
                    if s.state == "free")
        hold = await office.hold(show.id, [seat])
        booking = await office.book(hold.id, tickets={"adult": 1},
                                    payment=Card("4242424242424242", "12/30", "123"))
        assert booking.last4 == "4242"
    for db in old_data.glob("*.db*"):
        assert b"4242424242424242" not in db.read_bytes()
