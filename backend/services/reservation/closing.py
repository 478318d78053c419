"""Closing a show: once it is long over, its holds and seat claims are deleted.

Holds and seat claims are what stops a seat being sold twice, and they matter while a
seat can still change hands. Once a show has started nothing can: a hold is refused
(``SeatHolds.check``), a booking can no longer be cancelled (``_cancel``), and no saga
of the show is still on its way once its bookings rest. From then on its claims and
holds are read by nobody but the auditor, yet they were about half a kilobyte of every
booking on disk (a claim per seat with three index entries, the hold with two), for
ever. Everything a booking is stays in its own row (show, seats, tickets, payment) and
in the cinema's tickets.

So the journal keeper, after compacting the journals, closes every show that started
more than the retention window ago and has no booking midway and no active hold: in
one short write transaction per show its claims and holds are deleted and the show is
written into ``closed_shows``, which is how the auditor knows that the show's bookings
owning no claims is right (``backend/audit.py``). The same transaction tells the seat
view (``ShowClosed``): information then deletes the show's seat rows as well and
answers its seat map from the show's sold bookings, which say the same once nothing
moves (``backend/services/information/closed_shows.py``). A show with a saga still
moving is left for a later pass. Closing again does nothing more (plain deletes, an insert that
ignores a show already there), so several box offices may run it at once.

The shows to look at are those that still have holds (one scan of the holds' show
index, whose size follows the shows not yet closed, i.e. the window, not all shows ever
sold); which of them started long ago is the catalog's answer.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from backend.catalog import Catalog
from backend.errors import BoxOfficeError
from backend.messaging.journal import Tx
from backend.messaging.messages import ShowClosed
from backend.services.reservation.queries import MIDWAY_IN
from backend.sql import SQL, run

#: The shows that still have holds (and so, maybe, claims).
_OPEN_SHOWS = SQL("SELECT DISTINCT show_id FROM holds")
_ACTIVE_HOLD = SQL("SELECT 1 FROM holds WHERE show_id = :show_id AND state = 'active' LIMIT 1")
#: A booking of the show still on its way (the status index finds the few midway ones).
_MIDWAY_BOOKING = SQL(
    f"SELECT 1 FROM bookings WHERE status IN {MIDWAY_IN} AND show_id = :show_id LIMIT 1"
)
_DELETE_CLAIMS = SQL("DELETE FROM seat_claims WHERE show_id = :show_id")
_DELETE_HOLDS = SQL("DELETE FROM holds WHERE show_id = :show_id")
_RECORD = SQL(
    "INSERT INTO closed_shows (show_id, closed_at) VALUES (:show_id, :now)"
    " ON CONFLICT DO NOTHING"
)


async def close_shows(transact: Callable[..., Awaitable[bool]], store: Any, catalog: Catalog,
                      before: float, pause: float) -> int:
    """Close every show that started before ``before`` (epoch seconds) and rests; how
    many were closed. ``transact`` is the service's (``close`` runs in it)."""
    shows = await store.read(lambda conn: [r[0] for r in run(conn, _OPEN_SHOWS)])
    closed = 0
    for show_id in sorted(shows):
        if not store.is_open:
            break
        try:
            starts_at = catalog.showtime(show_id).starts_at.timestamp()
        except BoxOfficeError:  # not in the programme any more: keep what we have
            continue
        if starts_at >= before:
            continue
        if await transact(close, show_id):
            closed += 1
        await asyncio.sleep(pause)
    return closed


def close(tx: Tx, show_id: str) -> bool:
    """Close one show unless something of it still moves; whether it was closed. The
    seat view hears of it (``ShowClosed``) and lets go of the show's rows too."""
    params = {"show_id": show_id}
    if tx.run(_ACTIVE_HOLD, params).first() or tx.run(_MIDWAY_BOOKING, params).first():
        return False
    tx.run(_DELETE_CLAIMS, params)
    tx.run(_DELETE_HOLDS, params)
    if tx.run(_RECORD, {"show_id": show_id, "now": tx.now_epoch}).rowcount:
        tx.emit(ShowClosed(show_id=show_id), correlation_id=show_id)
    return True
