"""Timeline archiving: an old booking's steps folded into one compressed row.

Once journal retention has compacted the outboxes, the timeline is most of what an old
booking costs on disk: about seven ``info_timeline`` rows, each with a unique message
id and an indexed correlation id. A booking that will not move again (its saga rests
and its story is told, ``saga.story_told``) and whose newest step is older than the
retention window has its steps, and its hold's, moved into ``info_timeline_archive``:
one row, the steps as zlib-compressed JSON, a few hundred bytes.

Why the row is keyed by the hold (the booking's id only when it has no hold): a hold
can carry more than one booking (a refused payment detaches it and the clerk pays
again on the same seats), and every booking of that hold shows the hold's steps.
Filed under the hold, the hold's steps are found from any of its bookings, whichever
of them was archived first; under one booking's id they would vanish from the others'.

A hold that never became a booking (the clerk changed the selection, or the customer
walked away) has a story of its own, held then released or expired; once that is older
than the window it is folded the same way, under the hold's id (``_ended_holds``).

Reading merges the two tables (``timeline``): the live rows, plus the archived ones
as ``ArchivedStep`` rows with the same attributes, in the same order (``at``, then
``seq``, which the archive keeps), so a booking reads the same before and after. A step
that arrives after archiving (a completed booking cancelled months later, a message
delivered again) is simply a new live row, and the reads merge both (one message
counted once, by its id); the next pass folds it in as well.

A pass walks the live timeline's correlation index a page at a time (its cost follows
the live rows, i.e. the window, not all bookings ever made), one short write
transaction per page with a pause between, from the journal keeper's background task.
Live rows are deleted by their ``seq`` as they were read, so a step written meanwhile
stays. On PostgreSQL two box offices archiving at once take turns on an advisory lock
(they would otherwise each merge into the same archive row and one merge would be
lost); on SQLite the write transaction is already one at a time.
"""

from __future__ import annotations

import asyncio
import json
import zlib
from collections.abc import Callable, Iterable
from typing import Any, NamedTuple

from backend.services.reservation import saga
from backend.sql import SQL, in_list, run

#: Bookings looked at (at most) per transaction.
BATCH = 200
#: The statuses a saga can rest in (a completed one also needs its last step).
RESTING = tuple(sorted(saga.TERMINAL))
#: Serialises archivers of one PostgreSQL database (any fixed 32-bit number).
_LOCK_KEY = zlib.crc32(b"cinema-tui archive timelines")
_CHUNK = 500

#: What a packed timeline starts with: the format, so a later dictionary can be added
#: beside this one (never instead of it: archived rows keep the one they were made with).
_FORMAT_1 = b"\x01"


#: Format 1's made-up timeline, one step a line: step, service, payload (``B``, ``H``,
#: ``P`` stand for a booking's, hold's and payment's ids).
_TEMPLATE_1 = """\
HoldReleased reservation {"hold_id":"H","show_id":"20260107-hall-1-1800","seats":["A1"],"reason":"expired"}
PaymentRefused payment {"booking_id":"B","reason":"card_declined"}
BookingFailed reservation {"booking_id":"B","code":"AB3CDE","reason":"card_declined"}
PaymentOutcomeUnknown reservation {"booking_id":"B","code":"AB3CDE"}
SeatsRejected cinema {"booking_id":"B","show_id":"20260107-hall-1-1800","seats":["A1"],"reason":"blocked"}
BookingRejected reservation {"booking_id":"B","code":"AB3CDE","show_id":"20260107-hall-1-1800","seats":["A1"],"reason":"blocked"}
CancellationRequested reservation {"booking_id":"B","code":"AB3CDE"}
PaymentRefunded payment {"booking_id":"B","payment_id":"P","amount":14000,"reason":"cancelled by customer"}
SeatsReleased cinema {"booking_id":"B","show_id":"20260107-hall-1-1800","seats":["A1"]}
BookingCancelled reservation {"booking_id":"B","code":"AB3CDE","show_id":"20260107-hall-1-1800","seats":["A1"]}
SeatsHeld reservation {"hold_id":"H","show_id":"20260107-hall-1-1800","seats":["D6","D7"],"expires_at":"2026-01-06T00:35:00+00:00"}
BookingRequested reservation {"booking_id":"B","code":"AB3CDE","hold_id":"H","show_id":"20260107-hall-1-1800","seats":["D6","D7"],"tickets":{"adult":2},"amount":28000,"phone":"010-1234-5678","method":"card"}
PaymentCaptured payment {"booking_id":"B","payment_id":"P","amount":28000,"method":"cash","brand":null,"last4":null,"tendered":30000,"change":2000}
PaymentCaptured payment {"booking_id":"B","payment_id":"P","amount":28000,"method":"card","brand":"VISA","last4":"4242","tendered":null,"change":null}
BookingPaid reservation {"booking_id":"B","code":"AB3CDE","show_id":"20260107-hall-1-1800","seats":["D6","D7"],"amount":28000,"payment_id":"P"}
SeatsConfirmed cinema {"booking_id":"B","show_id":"20260107-hall-1-1800","seats":["D6","D7"],"tickets":["AB3CDE-D6","AB3CDE-D7"]}
BookingCompleted reservation {"booking_id":"B","code":"AB3CDE","show_id":"20260107-hall-1-1800","seats":["D6","D7"],"tickets":["AB3CDE-D6","AB3CDE-D7"]}
"""


def _template() -> bytes:
    """Format 1's preset dictionary: ``_TEMPLATE_1`` written the way ``pack`` writes a
    timeline (keys, step and service names, quoting), so that zlib finds a booking's
    repeated structure there instead of spelling it out in every row (a booking's 544
    bytes become about 300). FROZEN, with ``_TEMPLATE_1``: changing one character makes
    every archived row of format 1 unreadable."""
    ids = {'"B"': '"bk_01a2000000000000000000"', '"H"': '"hold_01a20000000000000000"',
           '"P"': '"pay_01a200000000000000000000"'}
    message, booking = "01a20000000000000000000000000000", "bk_01a2000000000000000000"
    rows = []
    for i, line in enumerate(_TEMPLATE_1.splitlines(), 1):
        step, service, data = line.split(" ", 2)
        for short, long in ids.items():
            data = data.replace(short, long)
        rows.append([i, message, booking, message, step, service, 1767659400.0, data])
    return json.dumps(rows, separators=(",", ":")).encode()


_ZDICT_1 = _template()

_PAGE = SQL(
    "SELECT DISTINCT correlation_id FROM info_timeline WHERE correlation_id > :after"
    " ORDER BY correlation_id LIMIT :n"
)
_UPSERT = SQL(
    "INSERT INTO info_timeline_archive (correlation_id, steps, archived_at)"
    " VALUES (:key, :steps, :at)"
    " ON CONFLICT (correlation_id) DO UPDATE SET steps = excluded.steps,"
    " archived_at = excluded.archived_at"
)


class ArchivedStep(NamedTuple):
    """An archived step, read like a live ``info_timeline`` row (same attributes)."""

    seq: int
    message_id: str
    correlation_id: str
    causation_id: str | None
    step: str
    service: str
    at: float
    data: str


def pack(steps: Iterable[Any]) -> bytes:
    """Steps (live rows or archived ones) as the archive stores them."""
    rows = [[getattr(s, f) for f in ArchivedStep._fields] for s in steps]
    packer = zlib.compressobj(9, zdict=_ZDICT_1)
    text = json.dumps(rows, separators=(",", ":")).encode()
    return _FORMAT_1 + packer.compress(text) + packer.flush()


def unpack(blob: bytes | memoryview) -> list[ArchivedStep]:
    blob = bytes(blob)
    if blob[:1] != _FORMAT_1:
        raise ValueError(f"an archived timeline of an unknown format ({blob[:1]!r})")
    unpacker = zlib.decompressobj(zdict=_ZDICT_1)
    text = unpacker.decompress(blob[1:]) + unpacker.flush()
    return [ArchivedStep(*row) for row in json.loads(text)]


def timeline(conn: Any, booking_id: str, hold_id: str | None) -> list[Any]:
    """A booking's steps and its hold's, live and archived, by ``at`` then ``seq``."""
    ids = [booking_id] + ([hold_id] if hold_id else [])
    marks, params = in_list("c", ids)
    live = run(conn, SQL.of(
        f"SELECT * FROM info_timeline WHERE correlation_id IN {marks} ORDER BY at, seq"
    ), params).all()
    archived = run(conn, SQL.of(
        f"SELECT steps FROM info_timeline_archive WHERE correlation_id IN {marks}"
    ), params).all()
    if not archived:
        return live
    wanted = set(ids)
    steps: dict[str, Any] = {
        s.message_id: s for r in archived for s in unpack(r.steps) if s.correlation_id in wanted
    }
    steps.update((s.message_id, s) for s in live)
    return sorted(steps.values(), key=lambda s: (s.at, s.seq))


async def archive_timelines(store: Any, before: float, batch: int, pause: float,
                            now: Callable[[], float]) -> int:
    """One pass over the live timeline; how many timelines it archived (a booking's, or
    a hold's that ended without one)."""
    after, total = "", 0
    while store.is_open:
        archived, after, more = await store.write(
            _archive_page, before, batch, after, now(), store.is_sqlite
        )
        total += archived
        if not more:
            break
        await asyncio.sleep(pause)
    return total


def _archive_page(conn: Any, before: float, batch: int, after: str, now: float,
                  is_sqlite: bool) -> tuple[int, str, bool]:
    """Archive what qualifies among the next page of correlation ids.

    Returns (timelines archived, the page's last id, whether more pages may follow).
    """
    if not is_sqlite:
        run(conn, SQL("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})
    page = [r[0] for r in run(conn, _PAGE, {"after": after, "n": batch})]
    if not page:
        return 0, after, False
    last, more = page[-1], len(page) == batch
    marks, params = in_list("b", page)
    rest_marks, rest = in_list("r", RESTING)
    bookings = run(conn, SQL.of(
        f"SELECT booking_id, hold_id, status FROM info_bookings WHERE booking_id IN {marks}"
        f" AND status IN {rest_marks} AND updated_at < :before"
    ), {**params, **rest, "before": before}).all()
    ended = _ended_holds(conn, sorted(set(page) - {b.booking_id for b in bookings}), before)
    if not bookings and not ended:
        return 0, last, more
    ids = {b.booking_id for b in bookings} | {b.hold_id for b in bookings if b.hold_id}
    ids |= set(ended)
    live: dict[str, list[Any]] = {}
    for chunk in _chunks(sorted(ids)):
        marks, params = in_list("c", chunk)
        for row in run(conn, SQL.of(
            f"SELECT * FROM info_timeline WHERE correlation_id IN {marks}"
        ), params):
            live.setdefault(row.correlation_id, []).append(row)
    keys = sorted({b.hold_id or b.booking_id for b in bookings} | set(ended))
    folded: dict[str, dict[str, Any]] = {}
    marks, params = in_list("k", keys)
    for row in run(conn, SQL.of(
        f"SELECT correlation_id, steps FROM info_timeline_archive WHERE correlation_id IN {marks}"
    ), params):
        folded[row.correlation_id] = {s.message_id: s for s in unpack(row.steps)}

    archived = 0
    gone: set[int] = set()
    changed: set[str] = set()
    for b in bookings:
        key = b.hold_id or b.booking_id
        own = live.get(b.booking_id, [])
        group = own + (live.get(b.hold_id, []) if b.hold_id else [])
        if not group or max(s.at for s in group) >= before:
            continue
        told = [s.step for s in own]
        told += [s.step for s in folded.get(key, {}).values() if s.correlation_id == b.booking_id]
        if not saga.story_told(b.status, told):
            continue
        steps = folded.setdefault(key, {})
        for s in group:  # two bookings of one hold: its steps once
            steps[s.message_id] = ArchivedStep(*(getattr(s, f) for f in ArchivedStep._fields))
            gone.add(s.seq)
        changed.add(key)
        archived += 1
    for hold_id in ended:  # a hold's own steps, under its own key as with its bookings
        if hold_id in changed:  # folded just now with a booking of it
            continue
        steps = folded.setdefault(hold_id, {})
        for s in live.get(hold_id, []):
            steps[s.message_id] = ArchivedStep(*(getattr(s, f) for f in ArchivedStep._fields))
            gone.add(s.seq)
        changed.add(hold_id)
        archived += 1
    if not archived:
        return 0, last, more
    run(conn, _UPSERT, [
        {"key": key, "at": now,
         "steps": pack(sorted(folded[key].values(), key=lambda s: (s.at, s.seq)))}
        for key in sorted(changed)
    ])
    for chunk in _chunks(sorted(gone)):
        marks, params = in_list("s", chunk)
        run(conn, SQL.of(f"DELETE FROM info_timeline WHERE seq IN {marks}"), params)
    return archived, last, more


def _ended_holds(conn: Any, candidates: list[str], before: float) -> list[str]:
    """Those of ``candidates`` (correlation ids that are not a resting booking's) that
    are holds whose story ended before ``before``: released or expired, nothing newer.

    Most holds a clerk takes never become a booking (a changed selection is a new hold
    and the old one released), and their two steps would otherwise stay live for ever.
    A released or expired hold can carry no booking any more; if one ran on it before
    (a refused card), its steps and the hold's share the hold's archive row whichever
    is folded first, as above. A booking's id never qualifies: only a hold's
    correlation has a ``HoldReleased`` step.
    """
    ended: list[str] = []
    for chunk in _chunks(candidates):
        marks, params = in_list("h", chunk)
        ended += [r[0] for r in run(conn, SQL.of(
            f"SELECT correlation_id FROM info_timeline WHERE correlation_id IN {marks}"
            " GROUP BY correlation_id HAVING max(at) < :before"
            " AND sum(CASE WHEN step = 'HoldReleased' THEN 1 ELSE 0 END) > 0"
        ), {**params, "before": before})]
    return sorted(ended)


def _chunks(values: list[Any]) -> Iterable[list[Any]]:
    for i in range(0, len(values), _CHUNK):
        yield values[i:i + _CHUNK]
