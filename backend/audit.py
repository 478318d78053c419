"""An auditor's check of DESIGN.md §3's invariants over a data directory at rest.

Used by the tests, the crash and fault simulations, the benchmarks and the operator's
``check``. Unlike the services it reads every service's database, read-only: it is the
outside auditor who compares the books, not part of the box office. Call it once the
system is quiet.

It costs one pass over the data, in bounded memory, however large the cinema grows.
The services' databases may be on different engines (SQLite files, PostgreSQL servers),
so nothing can be joined in SQL across them. Instead every table is read as a stream
ordered by the key the checks compare on (the booking, or the show and seat) and the
streams are walked side by side like a merge join: each booking is checked against its
own payments, tickets, claims and view row as they come past, and then forgotten. Only
a handful of rows are in memory at once, the number of statements does not grow with
the data, and the time grows with the rows (plus each database's sort where no index
gives the order). Keys are compared byte by byte on every engine (``COLLATE "C"`` on
PostgreSQL) so that the streams agree on the order.
"""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from collections.abc import Callable, Generator, Iterator, Sequence
from contextlib import ExitStack, closing
from dataclasses import dataclass, field
from itertools import groupby
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, inspect
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from backend.catalog import Catalog
from backend.engine import explain, where_of
from backend.messaging.messages import CINEMA, INFORMATION, PAYMENT, RESERVATION
from backend.services.reservation import saga
from backend.settings import Settings
from backend.sql import SQL, run

#: Rows fetched from a PostgreSQL server per round trip (a server-side cursor).
CHUNK = 2_000
#: How much of a file is searched for card numbers at a time.
FILE_CHUNK = 1 << 20


@dataclass
class AuditReport:
    """What the audit found: counts for the curious, violations for the test.

    A data directory at rest may hold work still on its way: a box office stopped (or
    quit) while a sale waited for the cinema leaves that sale PAID, its message to the
    cinema in the journal, and the books not yet square. That is no damage: the next
    start delivers the message and the saga ends. ``unfinished`` names those findings
    (each is in ``violations`` too, so ``ok``, what tests and benches ask, still means
    "settled and sound"); ``sound`` is True when nothing else was found, which is what
    an operator's ``check`` needs to tell apart from damage.
    """

    violations: list[str] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)
    #: The findings that are work on its way (a subset of ``violations``).
    unfinished: list[str] = field(default_factory=list)
    #: Findings of each kind, counted past the 50 each list keeps.
    found: Counter[str] = field(default_factory=Counter)

    @property
    def ok(self) -> bool:
        return not self.violations

    @property
    def sound(self) -> bool:
        """Nothing found but work the box office finishes when it next runs."""
        return self.found["broken"] == 0

    def fail(self, text: str) -> None:
        self.found["broken"] += 1
        if len(self.violations) < 50:
            self.violations.append(text)

    def on_its_way(self, text: str) -> None:
        """Work left in the journals, which the running box office finishes."""
        self.found["unfinished"] += 1
        if len(self.violations) < 50:
            self.violations.append(text)
        if len(self.unfinished) < 50:
            self.unfinished.append(text)


class _Databases:
    """The four services' databases, one plain engine each, for one audit.

    ``stream`` reads a query's rows one by one (a server-side cursor on PostgreSQL, the
    sqlite3 cursor stepping through the file on SQLite), each stream on a connection of
    its own so that several can be read side by side. A database that cannot answer is a
    StorageError in words, never a driver's trace.
    """

    def __init__(self, url_of: Callable[[str], str], stack: ExitStack) -> None:
        self.url_of = url_of
        self.stack = stack
        self.engines: dict[str, Engine] = {}

    def engine(self, service: str) -> Engine:
        engine = self.engines.get(service)
        if engine is None:
            engine = self.engines[service] = create_engine(self.url_of(service))
            self.stack.callback(engine.dispose)
        return engine

    def order(self, service: str, *columns: str) -> str:
        """``ORDER BY`` the columns byte by byte, the same on every engine."""
        if self.engine(service).dialect.name == "sqlite":
            return "ORDER BY " + ", ".join(columns)  # BINARY: byte order already
        return "ORDER BY " + ", ".join(f'{c} COLLATE "C"' for c in columns)

    def stream(self, service: str, sql: str) -> Generator[Any, None, None]:
        try:
            with self.engine(service).connect() as conn:
                conn.execution_options(stream_results=True, max_row_buffer=CHUNK)
                yield from run(conn, SQL(sql))
        except (SQLAlchemyError, sqlite3.Error) as exc:
            raise explain(service, where_of(self.url_of(service)), exc) from None

    def has_table(self, service: str, table: str) -> bool:
        try:
            return inspect(self.engine(service)).has_table(table)
        except (SQLAlchemyError, sqlite3.Error) as exc:
            raise explain(service, where_of(self.url_of(service)), exc) from None

    def scalar(self, service: str, sql: str) -> Any:
        with closing(self.stream(service, sql)) as rows:
            return next(rows)[0]


def _grouped(rows: Iterator[Any], key: Callable[[Any], Any]) -> Iterator[tuple[Any, list[Any]]]:
    return ((k, list(group)) for k, group in groupby(rows, key))


def _side_by_side(*streams: Iterator[tuple[Any, list[Any]]]
                  ) -> Iterator[tuple[Any, list[list[Any]]]]:
    """Key-ordered groups of several streams walked together: for every key found in any
    of them, in order, its group from each stream ([] where a stream has none)."""
    heads = [next(s, None) for s in streams]
    while True:
        present = [h[0] for h in heads if h is not None]
        if not present:
            return
        key = min(present)
        groups: list[list[Any]] = []
        for i, head in enumerate(heads):
            if head is not None and head[0] == key:
                groups.append(head[1])
                heads[i] = next(streams[i], None)
            else:
                groups.append([])
        yield key, groups


def audit(settings: Settings, catalog: Catalog, card_numbers: tuple[str, ...] = ()) -> AuditReport:
    """Check every invariant; the report lists each violation in words."""
    r = AuditReport()
    with ExitStack() as stack:
        db = _Databases(settings.database_url, stack)
        closed = _closed_shows(db)
        mail = _mail_on_its_way(db)
        _check_seats(r, db, catalog, closed, mail)
        _check_payment_keys(r, db)
        _check_bookings(r, db, closed, mail)
        _check_deliveries(r, db)
        _check_dead_letters(r, db)
        _check_correlation(r, db)
    if card_numbers:
        _check_card_numbers(r, Path(settings.data_dir), card_numbers)
    return r


def _closed_shows(db: _Databases) -> frozenset[str]:
    """The shows whose holds and claims were deleted once they were long over
    (``backend/services/reservation/closing.py``): one id per show, not per booking, so
    a set in memory. Empty before reservation's revision 5 (an audit of an older data
    directory, not yet migrated)."""
    if not db.has_table(RESERVATION, "closed_shows"):
        return frozenset()
    return frozenset(row.show_id for row in db.stream(RESERVATION,
                                                      "SELECT show_id FROM closed_shows"))


@dataclass(frozen=True)
class _MailOnItsWay:
    """What the journals still have to deliver: the bookings it is about, and whether
    any of it is for the information view (which then lags behind the write side)."""

    bookings: frozenset[str]
    to_information: bool


def _mail_on_its_way(db: _Databases) -> _MailOnItsWay:
    """The correlation ids (booking ids) of every message not yet applied by one of its
    receivers, from each service's deliveries and outbox. In memory: bounded by the
    work in flight, not by the size of the books."""
    bookings: set[str] = set()
    to_information = False
    for service in (RESERVATION, PAYMENT, CINEMA, INFORMATION):
        for row in db.stream(service, "SELECT DISTINCT o.correlation_id, d.destination"
                             " FROM deliveries d JOIN outbox o"
                             " ON o.message_id = d.message_id"):
            bookings.add(row.correlation_id)
            to_information = to_information or row.destination == INFORMATION
    return _MailOnItsWay(frozenset(bookings), to_information)


def _check_seats(r: AuditReport, db: _Databases, catalog: Catalog,
                 closed: frozenset[str], mail: _MailOnItsWay) -> None:
    """1. no seat sold twice (the keys enforce it; check what they could not: across
    services); 2. per show: free + held + sold = capacity, and no claim on a seat not for
    sale; 7. the seat view agrees with reservation's claims, except for a closed show,
    which has no claims left (and must have none). One pass in (show, seat) order over
    tickets, claims and the view's taken seats."""
    def by_seat(service: str, sql: str) -> Iterator[tuple[Any, list[Any]]]:
        rows = db.stream(service, f"{sql} {db.order(service, 'show_id', 'seat')}")
        return _grouped(rows, lambda row: (row.show_id, row.seat))

    tickets = by_seat(CINEMA, "SELECT show_id, seat FROM cinema_tickets")
    claims = by_seat(RESERVATION, "SELECT show_id, seat, state FROM seat_claims")
    view = by_seat(INFORMATION,
                   "SELECT show_id, seat, state FROM info_seats WHERE state != 'free'")
    show_id: str | None = None
    held = sold = 0
    differ = 0
    examples: list[tuple[tuple[str, str], str]] = []
    for key, (issued, claimed, shown) in _side_by_side(tickets, claims, view):
        r.counts["tickets"] += len(issued)
        if len(issued) > 1:
            r.fail(f"seat {key} has {len(issued)} tickets")
        if key[0] in closed:
            if claimed:
                r.fail(f"closed show {key[0]} still has a claim on seat {key[1]}")
            continue
        if claimed and key[0] != show_id:
            _check_capacity(r, catalog, show_id, held, sold)
            show_id, held, sold = key[0], 0, 0
        for claim in claimed:
            held += claim.state == "held"
            sold += claim.state == "sold"
            spec = catalog.showtime(claim.show_id).hall.seat(claim.seat)
            if spec is None or spec.blocked:
                r.fail(f"claim on a seat that is not for sale: {claim.show_id} {claim.seat}")
        mine = {(key, c.state) for c in claimed}
        theirs = {(key, s.state) for s in shown}
        if mine != theirs:
            diff = sorted(mine ^ theirs)
            differ += len(diff)
            examples.extend(diff[: 3 - len(examples)])
    _check_capacity(r, catalog, show_id, held, sold)
    if differ and mail.to_information:
        r.on_its_way(f"the seat view is {differ} seats behind reservation; it catches up "
                     "when the box office runs (its messages are waiting in the journals)")
    elif differ:
        r.fail(f"seat view differs from reservation on {differ} seats, e.g. {examples}")


def _check_capacity(r: AuditReport, catalog: Catalog, show_id: str | None,
                    held: int, sold: int) -> None:
    if show_id is None:
        return
    capacity = catalog.showtime(show_id).hall.capacity
    free = capacity - held - sold
    if free < 0 or free + held + sold != capacity:
        r.fail(f"{show_id}: free {free} + held {held} + sold {sold} != capacity {capacity}")


def _check_payment_keys(r: AuditReport, db: _Databases) -> None:
    """3. one payment per idempotency key (counted by the database, not in memory)."""
    for row in db.stream(PAYMENT, "SELECT idempotency_key, count(*) FROM payments"
                         " GROUP BY idempotency_key HAVING count(*) > 1"):
        r.fail(f"{row[1]} payments under one idempotency key {row[0]}")


def _check_bookings(r: AuditReport, db: _Databases, closed: frozenset[str],
                    mail: _MailOnItsWay) -> None:
    """3. money agrees with each booking; 4 & 5. each booking is terminal and consistent
    with money and seats (a completed booking of a closed show owns no claims: they were
    deleted with the show's); 7. the view agrees with the write side. One pass in booking
    order over bookings, payments, tickets, claims and the view's bookings."""
    def by_booking(service: str, sql: str, key: str = "booking_id"
                   ) -> Iterator[tuple[Any, list[Any]]]:
        rows = db.stream(service, f"{sql} {db.order(service, key)}")
        return _grouped(rows, lambda row: getattr(row, key))

    streams = (
        by_booking(RESERVATION, "SELECT id, code, show_id, seats, status FROM bookings", "id"),
        by_booking(PAYMENT, "SELECT id, booking_id, status FROM payments"),
        by_booking(CINEMA, "SELECT show_id, seat, booking_id FROM cinema_tickets"),
        by_booking(RESERVATION, "SELECT show_id, seat, booking_id FROM seat_claims"
                                " WHERE booking_id IS NOT NULL"),
        by_booking(INFORMATION, "SELECT booking_id, status FROM info_bookings"),
    )
    for booking_id, (found, payments, tickets, claims, view) in _side_by_side(*streams):
        b = found[0] if found else None
        r.counts["payments"] += len(payments)
        if b is not None and _moving(b, mail):
            r.counts["bookings"] += 1
            r.counts[b.status] += 1
            r.on_its_way(f"booking {b.code} is {b.status}: "
                         + ("reservation settles its payment when it runs"
                            if b.status in RESOLVED_BY_RESERVATION
                            else "its next step is waiting in the journals"))
            continue
        for p in payments:
            if p.status == "captured" and (b is None or b.status != saga.COMPLETED):
                r.fail(f"payment {p.id} captured but booking is {b.status if b else 'missing'}")
            if p.status == "refunded" and (
                b is None or b.status not in (saga.CANCELLED, saga.REJECTED, saga.RELEASING)
            ):
                r.fail(f"payment {p.id} refunded but booking is {b.status if b else 'missing'}")
        if b is None:
            if tickets:
                r.fail(f"cinema ticket for unknown booking {booking_id}")
            continue
        r.counts["bookings"] += 1
        r.counts[b.status] += 1
        _check_booking(r, b, payments, tickets, claims, b.show_id in closed)
        v = view[0] if view else None
        if v is not None and v.status == b.status:
            continue
        shown = f"view shows {b.code} as {v.status if v else 'missing'}, write side {b.status}"
        if booking_id in mail.bookings:
            r.on_its_way(f"{shown}; its message to the view is waiting in the journals")
        else:
            r.fail(shown)


#: Midway states the running reservation settles by itself, from payment's own records
#: (its sweeper asks payment about a payment whose outcome it never heard).
RESOLVED_BY_RESERVATION = frozenset({saga.PAYMENT_PENDING, saga.PAYMENT_UNKNOWN})


def _moving(b: Any, mail: _MailOnItsWay) -> bool:
    """A booking midway whose saga the box office moves on when it runs: its payment's
    outcome is settled by reservation, or a message about it waits to be applied. A
    booking midway with neither is stuck (a dead letter, say): that is damage."""
    if b.status in saga.TERMINAL:
        return False
    return b.status in RESOLVED_BY_RESERVATION or b.id in mail.bookings


def _check_booking(r: AuditReport, b: Any, payments: Sequence[Any], tickets: Sequence[Any],
                   claims: Sequence[Any], show_closed: bool) -> None:
    """One booking against its own payments, tickets and seat claims."""
    if b.status not in saga.TERMINAL:
        r.fail(f"booking {b.code} stuck in {b.status}")
        return
    seats = {(b.show_id, s) for s in json.loads(b.seats)}
    paid = [p for p in payments if p.status in ("captured", "refunded")]
    owned = {(c.show_id, c.seat) for c in claims}
    if b.status == saga.COMPLETED:
        if len([p for p in paid if p.status == "captured"]) != 1:
            r.fail(f"completed booking {b.code} has no captured payment")
        if not seats <= {(t.show_id, t.seat) for t in tickets}:
            r.fail(f"completed booking {b.code} lacks cinema tickets")
        if owned != seats and not (show_closed and not owned):
            r.fail(f"completed booking {b.code} does not own its seats")
        return
    if owned:
        r.fail(f"{b.status} booking {b.code} still holds seats")
    if tickets:
        r.fail(f"{b.status} booking {b.code} still has cinema tickets")
    if any(p.status == "captured" for p in paid):
        r.fail(f"{b.status} booking {b.code} kept the money")
    if b.status in (saga.CANCELLED, saga.REJECTED) and not any(
        p.status == "refunded" for p in paid
    ):
        r.fail(f"{b.status} booking {b.code} has no refund")


def _check_deliveries(r: AuditReport, db: _Databases) -> None:
    """6. nothing left undelivered."""
    for service in (RESERVATION, PAYMENT, CINEMA, INFORMATION):
        pending = db.scalar(service, "SELECT count(*) FROM deliveries")
        if pending:
            r.on_its_way(f"{pending} messages from {service} still to be applied")


def _check_dead_letters(r: AuditReport, db: _Databases) -> None:
    """Messages a service gave up on (and nobody has retried yet): the sagas behind them
    stand still until an operator retries them, so this is not work on its way."""
    for service in (RESERVATION, PAYMENT, CINEMA, INFORMATION):
        parked = db.scalar(service, "SELECT count(*) FROM dead_letters WHERE NOT retried")
        if parked:
            r.counts["dead letters"] += parked
            r.fail(f"{service} gave up on {parked} messages (dead letters): fix the cause, "
                   "then retry them on the Ops screen (F5)")


def _check_correlation(r: AuditReport, db: _Databases) -> None:
    """8. correlation: a booking's messages carry its id."""
    for service in (RESERVATION, PAYMENT, CINEMA):
        for m in db.stream(service, "SELECT type, correlation_id, payload FROM outbox"):
            booking_id = json.loads(m.payload).get("booking_id")
            if booking_id and m.correlation_id != booking_id:
                r.fail(f"{m.type} of {booking_id} carries correlation {m.correlation_id}")


def _check_card_numbers(r: AuditReport, data_dir: Path, card_numbers: Sequence[str]) -> None:
    """10. card numbers never reach the disk (each file read a piece at a time; the
    pieces overlap so that a number across a boundary is still found)."""
    needles = [n.encode() for n in card_numbers]
    overlap = max(len(n) for n in needles) - 1
    for path in sorted(data_dir.glob("*")):
        if not path.is_file():
            continue
        found: set[bytes] = set()
        tail = b""
        with path.open("rb") as f:
            while piece := f.read(FILE_CHUNK):
                window = tail + piece
                found.update(n for n in needles if n in window)
                tail = window[-overlap:] if overlap else b""
        for number in card_numbers:
            if number.encode() in found:
                r.fail(f"card number ending {number[-4:]} found in {path.name}")
