"""The seat view of a show long over: no rows of its own, its sold bookings instead.

``info_seats`` keeps a row for every seat of a show that was ever held or sold, a fifth
of a kilobyte a booking, and it changes only while seats change hands. When reservation
closes a show (it started more than the retention window ago and nothing of it moves
any more, ``backend/services/reservation/closing.py``) it says so with ``ShowClosed``;
the view then deletes the show's seat rows and writes it into ``info_closed_shows``.

From then on the show's seat map is read from the view's bookings of the show
(``info_bookings`` by its show index): the seats of its completed bookings are sold,
and nothing is held, because a closed show has no hold and no booking midway. That is
what the deleted rows said. Should a late message about the show still arrive (mail
given back and sent again after a crash), it may write a seat row again; reads of a
closed show never look at those rows, so the answer stays the same.
"""

from __future__ import annotations

import json
from typing import Any, NamedTuple

from backend.messaging.journal import Tx
from backend.sql import SQL, in_list, run

_DELETE_SEATS = SQL("DELETE FROM info_seats WHERE show_id = :show_id")
_RECORD = SQL(
    "INSERT INTO info_closed_shows (show_id, closed_at) VALUES (:show_id, :now)"
    " ON CONFLICT DO NOTHING"
)
_IS_CLOSED = SQL("SELECT 1 FROM info_closed_shows WHERE show_id = :show_id")
_SOLD = SQL(
    "SELECT booking_id, seats FROM info_bookings"
    " WHERE show_id = :show_id AND status = 'COMPLETED'"
)


class SoldSeat(NamedTuple):
    """A seat of a closed show, read like an ``info_seats`` row."""

    show_id: str
    seat: str
    state: str
    ref: str
    seq: int


def close(tx: Tx, show_id: str) -> None:
    """Let go of a closed show's seat rows (``ShowClosed``); doing it again does nothing."""
    tx.run(_DELETE_SEATS, {"show_id": show_id})
    tx.run(_RECORD, {"show_id": show_id, "now": tx.now_epoch})
    tx.touched.add(show_id)  # a cached seat map of it is read again


def taken_seats(conn: Any, show_id: str, open_rows: SQL) -> list[Any]:
    """The seats of a show that are not free: ``open_rows`` for a show still open, the
    sold bookings' seats for a closed one."""
    if run(conn, _IS_CLOSED, {"show_id": show_id}).first() is None:
        return run(conn, open_rows, {"show_id": show_id}).all()
    return _sold(conn, show_id)


def _sold(conn: Any, show_id: str) -> list[SoldSeat]:
    return [SoldSeat(show_id, seat, "sold", row.booking_id, 0)
            for row in run(conn, _SOLD, {"show_id": show_id}) for seat in json.loads(row.seats)]


def closed_counts(conn: Any, show_ids: list[str], blocked: SQL) -> dict[str, dict[str, int]]:
    """Sold and blocked counts of those of ``show_ids`` that are closed (what
    ``seat_counts`` says of an open show from its rows; {} where nothing is taken)."""
    marks, params = in_list("s", show_ids)
    closed = [r[0] for r in run(conn, SQL.of(
        f"SELECT show_id FROM info_closed_shows WHERE show_id IN {marks}"), params)]
    counts: dict[str, dict[str, int]] = {}
    for show_id in closed:
        sold = {s.seat for s in _sold(conn, show_id)}
        out = {r[0] for r in run(conn, blocked, {"show_id": show_id})} - sold
        counts[show_id] = {k: n for k, n in (("sold", len(sold)), ("blocked", len(out))) if n}
    return counts
