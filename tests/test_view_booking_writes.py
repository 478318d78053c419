"""How information's booking view writes a booking's steps (``information/queries.py``).

SQLite rewrites an index entry for every indexed column an UPDATE's SET names, even
when its value does not change, so a step that named ``code`` or ``phone`` dirtied a
random page of those indexes at every step of every booking: the cost that grew most
with the data (issue 15). A step that carries none of them must not name them, and
must still leave them as the booking's creation wrote them.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy import create_engine

from backend.services.information import queries as q
from backend.services.information.model import BOOKING_VIEW


def test_a_step_names_no_indexed_column_and_creation_names_them_all():
    step, full = q.UPSERT_BOOKING_STEP.text, q.UPSERT_BOOKING.text
    indexed = {c.name for index in BOOKING_VIEW.indexes for c in index.columns}
    assert indexed - {"booking_id"} == set(q.INDEXED_FIELDS)
    for column in q.INDEXED_FIELDS:
        assert f"{column} = COALESCE" not in step, column
        assert f"{column} = COALESCE" in full, column


def _params(booking_id: str, status: str | None, rank: int | None, **fields) -> dict:
    params = dict.fromkeys(q.BOOKING_FIELDS)
    params.update(fields, booking_id=booking_id, status=status, status_rank=rank, at=1.0)
    return params


def test_a_step_on_a_stored_booking_rewrites_no_index_page(tmp_path: Path):
    db = tmp_path / "view.db"
    with sqlite3.connect(db, isolation_level=None) as conn:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA wal_autocheckpoint=0")
        engine = create_engine(f"sqlite:///{db}")
        BOOKING_VIEW.create(engine)
        engine.dispose()
        conn.execute("BEGIN")
        for i in range(3000):  # enough rows for the code and phone indexes to span pages
            conn.execute(q.UPSERT_BOOKING.text, _params(
                f"bk_{i:06d}", "PAYMENT_PENDING", 0, code=f"{(i * 7919) % 10**6:06d}",
                phone=f"010-{(i * 104729) % 10**8:08d}", show_id="20261125-hall-1-0930",
                created_at=float(i)))
        conn.execute("COMMIT")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.execute("BEGIN")
        for i in range(0, 3000, 100):  # a step of thirty bookings, scattered
            conn.execute(q.UPSERT_BOOKING_STEP.text, _params(f"bk_{i:06d}", "PAID", 3))
        conn.execute("COMMIT")
        frames = (db.with_name("view.db-wal").stat().st_size - 32) // (4096 + 24)
        # the table's own pages only (rows are in booking order: a page holds several)
        assert frames <= 30, frames
        row = conn.execute("SELECT code, phone, status FROM info_bookings"
                           " WHERE booking_id = 'bk_000100'").fetchone()
    assert row == (f"{(100 * 7919) % 10**6:06d}", f"010-{(100 * 104729) % 10**8:08d}", "PAID")
