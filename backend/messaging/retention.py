"""Journal retention: old messages that every receiver has applied are compacted.

Without it a service's journal grows by every message it ever sent (``outbox``) and
every message it ever applied (``processed``): kilobytes per booking, for ever. What
those rows are for is short-lived:

* an ``outbox`` row is the message while it travels (its ``deliveries`` rows point at
  it) and, after that, only history nobody reads: each booking's story is kept where
  clerks read it, in information's timeline (``info_timeline``), which retention never
  shortens (a resting booking's old steps are only folded into one archive row, see
  ``backend/services/information/archive.py``);
* a ``processed`` row makes a redelivery harmless, and a message can only be delivered
  while a ``deliveries`` row for it exists.

So, for a message older than the window (``journal_retention_days``, 30 by default) with
no ``deliveries`` row left (every receiver applied it, or dead-lettered it, which keeps
its own copy), the receivers' ``processed`` rows are deleted first, then the producer's
``outbox`` row. In that order, a crash between the two leaves an outbox row whose
receivers have forgotten it, which nothing can deliver again (no ``deliveries`` row), and
never the reverse: a ``processed`` row naming a message its producer no longer has is
what the start-up check reads as "this database was restored from an older backup". For
the same reason the newest ``KEEP_NEWEST`` rows of each outbox are never compacted (the
start-up check looks at them, and SQLite would hand the newest row's number out again).

After the journals, the same pass closes the shows that started before the window: their
holds, seat claims and seat-view rows go (``backend/services/reservation/closing.py``).

It runs in small batches (``BATCH`` rows, one short transaction each, a pause between),
from a background task every ``journal_retention_every_s``, never on a clerk's request.
Several box offices may run it at once: every step is a plain delete of rows that
qualify, so doing it twice does nothing more.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from backend.errors import BoxOfficeError
from backend.runtime.tasks import cancel_and_wait
from backend.sql import SQL, in_list, run

if TYPE_CHECKING:
    from backend.services.base import Service

log = logging.getLogger(__name__)

#: Rows looked at (and at most deleted) per transaction.
BATCH = 500
#: Each outbox's newest rows are never compacted (the start-up check reads the newest 20).
KEEP_NEWEST = 50
#: Seconds between two batches: the clerks' transactions get the database in between.
PAUSE_S = 0.02

_OLDEST = SQL(
    "SELECT seq, message_id, type, occurred_at FROM outbox WHERE seq > :after"
    " ORDER BY seq LIMIT :n"
)
_NEWEST_KEPT = SQL(
    f"SELECT seq FROM outbox ORDER BY seq DESC LIMIT 1 OFFSET {KEEP_NEWEST - 1}"
)


@dataclass
class Compacted:
    """What one pass removed, per service (for logs, tests and the bench)."""

    outbox: dict[str, int] = field(default_factory=dict)
    processed: dict[str, int] = field(default_factory=dict)
    #: Bookings whose timeline was folded into information's archive.
    archived: int = 0
    #: Shows long over whose holds and seat claims went (reservation's ``closing``).
    closed: int = 0

    @property
    def total(self) -> int:
        return (sum(self.outbox.values()) + sum(self.processed.values()) + self.archived
                + self.closed)


class JournalKeeper:
    """Compacts the services' journals now and then (see the module's docstring)."""

    def __init__(self, services: dict[str, Service], *, retention_days: float,
                 every_s: float, now: Callable[[], float]) -> None:
        self.services = services
        self.window_s = retention_days * 86_400
        self.every_s = every_s
        self.now = now
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="journal-retention")

    async def stop(self) -> None:
        task, self._task = self._task, None
        await cancel_and_wait(task)

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.every_s)
            try:
                done = await self.compact()
                if done.total:
                    log.info("journal retention: %s", done)
            except asyncio.CancelledError:
                raise
            except BoxOfficeError as exc:  # a database away or stopped: next time
                log.info("journal retention skipped: %s", exc)
            except Exception:
                log.exception("journal retention failed")

    async def compact(self) -> Compacted:
        """One pass over every producer's outbox: compact what is old and delivered."""
        done = Compacted()
        before = self.now() - self.window_s
        for producer in list(self.services):
            await self._compact_producer(producer, before, done)
        for service in list(self.services.values()):  # information's old timelines
            archive = getattr(service, "archive_timelines", None)
            if archive is not None and service.store.is_open:
                done.archived += await archive(before, pause=PAUSE_S)
            close = getattr(service, "close_shows", None)  # reservation's old shows
            if close is not None and service.store.is_open:
                done.closed += await close(before, pause=PAUSE_S)
        return done

    async def _compact_producer(self, producer: str, before: float, done: Compacted) -> None:
        after = 0
        while True:
            source = self.services.get(producer)
            if source is None or not source.store.is_open:
                return
            rows, newest_kept = await source.store.read(_batch, after)
            old = [r for r in rows if r.occurred_at < before
                   and newest_kept is not None and r.seq < newest_kept]
            if not old:
                return
            after = old[-1].seq
            gone = await source.store.read(_without_deliveries, [r.message_id for r in old])
            ids = sorted(gone)
            if ids:
                # processed first (see the docstring), in every other service: whoever
                # received it under today's routes or an older version's
                for receiver in [name for name in self.services if name != producer]:
                    target = self.services.get(receiver)
                    if target is None or not target.store.is_open:
                        return  # its processed rows must go first: try again next pass
                    n = await target.store.write(_forget_processed, ids)
                    done.processed[receiver] = done.processed.get(receiver, 0) + n
                n = await source.store.write(_drop_outbox, ids)
                done.outbox[producer] = done.outbox.get(producer, 0) + n
            if len(old) < len(rows) or len(rows) < BATCH:
                return  # reached messages inside the window, or the end
            await asyncio.sleep(PAUSE_S)


def _batch(conn: Any, after: int) -> tuple[list[Any], int | None]:
    rows = run(conn, _OLDEST, {"after": after, "n": BATCH}).all()
    kept = run(conn, _NEWEST_KEPT).first()
    return rows, (kept[0] if kept is not None else None)


def _without_deliveries(conn: Any, ids: list[str]) -> set[str]:
    """Which of these messages no receiver still has to apply."""
    marks, params = in_list("m", ids)
    waiting = {r[0] for r in run(conn, SQL.of(
        f"SELECT DISTINCT message_id FROM deliveries WHERE message_id IN {marks}"), params)}
    return set(ids) - waiting


def _forget_processed(conn: Any, ids: list[str]) -> int:
    marks, params = in_list("m", ids)
    return run(conn, SQL.of(f"DELETE FROM processed WHERE message_id IN {marks}"),
               params).rowcount


def _drop_outbox(conn: Any, ids: list[str]) -> int:
    marks, params = in_list("m", ids)
    return run(conn, SQL.of(f"DELETE FROM outbox WHERE message_id IN {marks}"),
               params).rowcount
