"""The start-up check: the four service databases belong to one cinema and agree.

A service that lost its data must not start silently. With ``payment.db`` emptied, a
cancellation would "refund 0"; with ``reservation.db`` restored from an old copy (or its
WAL damaged, when SQLite drops every commit after the damage), a sold seat can be sold
again. So before the services start, this module

1. brings each database to the code's schema (``backend.schema.migrations``);
2. checks **identity**: each database records, when it is first made, the id of the
   cinema (data directory) it belongs to. A database that is missing or empty while the
   others hold sales, or that belongs to another cinema, stops the start;
3. checks that none is **behind** what the others have seen of it: the newest message
   each consumer applied still exists at its producer; the newest messages each producer
   handed over were applied by their consumer; the newest captured payment belongs to a
   booking reservation knows; the newest paid booking's payment exists.

Every check reads a handful of rows through an index, so it costs the same at 100
bookings and at 100,000 (``bench/start_check.py``). The full, linear audit is
``cinema-tui check``. What is wrong is a ``StorageError`` naming the service, what is
inconsistent, and the recovery command.
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Column, MetaData, String, Table, select, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError

from backend.errors import StorageError
from backend.messaging.messages import PAYMENT, RESERVATION, ROUTES, SERVICES
from backend.schema.migrations import MigrationPlan, lock, migrate
from backend.settings import Settings

IDENTITY = Table(
    "box_office_identity", MetaData(),
    Column("key", String, primary_key=True), Column("value", String, nullable=False),
)

RECOVERY = ("Restore the data directory from a backup (cinema-tui restore BACKUP), or run "
            "cinema-tui check to see everything that is wrong.")

#: How many of a producer's newest messages are checked against their consumers.
NEWEST = 20


@dataclass
class Database:
    """One service's database as the check sees it."""

    service: str
    where: str
    existed: bool
    identity: dict[str, str]
    has_sales: bool
    migration: MigrationPlan | None = None


def service_tables(service: str) -> list[Table]:
    """The tables the code of ``service`` uses (its own and the journal's)."""
    from backend.messaging.journal import JOURNAL_TABLES
    from backend.services.cinema.service import CinemaService
    from backend.services.information.service import InformationService
    from backend.services.payment.service import PaymentService
    from backend.services.reservation.service import ReservationService

    own = {"reservation": ReservationService, "payment": PaymentService,
           "cinema": CinemaService, "information": InformationService}[service].tables
    return [*own, *JOURNAL_TABLES]


@contextmanager
def _connections(settings: Settings, *, dry_run: bool = False
                 ) -> Iterator[dict[str, tuple[Connection, Database]]]:
    from backend.storage import check_directory, explain, make_engine, where_of

    engines: list[Engine] = []
    opened: dict[str, tuple[Connection, Database]] = {}
    try:
        for service in SERVICES:
            url = settings.database_url(service)
            where = where_of(url)
            existed = True
            if url.startswith("sqlite:///"):
                path = Path(where)
                check_directory(path.parent, service)
                existed = path.exists()
            try:
                engine = make_engine(url)
                engines.append(engine)
                conn = engine.connect()
                db = Database(service, where, existed, {}, False)
                opened[service] = (conn, db)
                db.migration = migrate(conn, service, where, service_tables(service),
                                       dry_run=dry_run)
            except (DBAPIError, sqlite3.Error) as exc:
                raise explain(service, where, exc) from exc
        yield opened
    except (DBAPIError, sqlite3.Error) as exc:
        raise StorageError(f"The databases cannot be checked: {exc}. {RECOVERY}") from exc
    finally:
        for conn, _ in opened.values():
            conn.close()
        for engine in engines:
            engine.dispose()


def check_at_start(settings: Settings) -> dict[str, MigrationPlan]:
    """Migrate, then check identity and agreement; raise StorageError if anything is off.

    Runs before any service starts, in a thread (it blocks on the databases). Returns
    what migrating did to each database.
    """
    return _check(settings, dry_run=False)


def check_only(settings: Settings) -> dict[str, MigrationPlan]:
    """The same checks without changing anything (``cinema-tui check``): a database still
    to be migrated is reported in the plans, and its identity is checked once migrated."""
    return _check(settings, dry_run=True)


def _check(settings: Settings, *, dry_run: bool) -> dict[str, MigrationPlan]:
    with _connections(settings, dry_run=dry_run) as opened:
        plans = {name: db.migration for name, (_, db) in opened.items()}
        if dry_run and any(plan.pending for plan in plans.values()):
            return plans  # the identity table comes with the migrations
        # Reading and recording identity is one step at a time across processes: it
        # holds reservation's lock, so no process sees another's half-recorded identity.
        anchor = opened[RESERVATION][0]
        with anchor.begin():
            lock(anchor, "identity")
            for conn, db in opened.values():
                with _transaction(conn):
                    db.identity = dict(conn.execute(
                        select(IDENTITY.c.key, IDENTITY.c.value)).all())
                    db.has_sales = conn.execute(
                        text("SELECT 1 FROM outbox LIMIT 1")).first() is not None
            _check_identity(settings, opened, claim=not dry_run)
        _check_agreement({name: conn for name, (conn, _) in opened.items()},
                         {name: db for name, (_, db) in opened.items()})
        return plans


def _transaction(conn: Connection) -> AbstractContextManager[object]:
    """A transaction on ``conn``, or the one it is in already (reservation's, which holds
    the identity lock)."""
    return nullcontext() if conn.in_transaction() else conn.begin()


def _check_identity(settings: Settings, opened: dict[str, tuple[Connection, Database]],
                    *, claim: bool) -> None:
    databases = {name: db for name, (_, db) in opened.items()}
    known = {name: db for name, db in databases.items() if db.identity.get("cinema_id")}
    anchor = known.get(RESERVATION) or next(iter(known.values()), None)
    if anchor is not None:
        for db in known.values():
            if db.identity["cinema_id"] != anchor.identity["cinema_id"]:
                odd = db if db is not anchor else next(d for d in known.values() if d is not anchor)
                raise StorageError(
                    f"The {odd.service} database ({odd.where}) belongs to another cinema "
                    f"(made for {odd.identity.get('data_dir', '?')} on "
                    f"{odd.identity.get('created', '?')}), not to the one the "
                    f"{anchor.service} database belongs to (made for "
                    f"{anchor.identity.get('data_dir', '?')}). It was copied in from "
                    f"elsewhere. {RECOVERY}"
                )
        others_sold = any(db.has_sales for db in known.values())
        for db in databases.values():
            if db.service in known:
                continue
            if others_sold:
                what = ("is missing" if not db.existed
                        else "is empty" if not db.has_sales
                        else "has no record of which cinema it belongs to")
                raise StorageError(
                    f"The {db.service} database ({db.where}) {what}, but the other "
                    f"services have sold tickets with it: its data was lost or it was "
                    f"replaced, and starting would sell and refund against the wrong books. "
                    f"{RECOVERY}"
                )
    # A new data directory, one v0.1.0 made (no identity anywhere yet), or a database
    # that has nothing in it yet: record which cinema each belongs to. Reservation is
    # written first and read back, so two processes starting together agree on one id.
    if not claim:
        return
    order = [RESERVATION, *[s for s in SERVICES if s != RESERVATION]]
    cinema_id = anchor.identity["cinema_id"] if anchor else uuid.uuid4().hex
    for service in order:
        conn, db = opened[service]
        if db.identity.get("cinema_id"):
            continue
        values = {"cinema_id": cinema_id, "service": service,
                  "data_dir": str(Path(settings.data_dir).resolve()),
                  "created": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")}
        with _transaction(conn):
            for key, value in values.items():
                conn.execute(
                    text("INSERT INTO box_office_identity (key, value) VALUES (:k, :v) "
                         "ON CONFLICT (key) DO NOTHING"), {"k": key, "v": value})
            db.identity = dict(conn.execute(select(IDENTITY.c.key, IDENTITY.c.value)).all())
        if service == RESERVATION:
            cinema_id = db.identity["cinema_id"]
        elif db.identity["cinema_id"] != cinema_id:
            raise StorageError(
                f"The {service} database ({db.where}) belongs to another cinema. {RECOVERY}")


def _check_agreement(conns: dict[str, Connection], dbs: dict[str, Database]) -> None:
    """No database is behind what the others have seen of it (indexed reads only)."""
    for consumer, conn in conns.items():
        for producer in SERVICES:
            if producer == consumer:
                continue
            newest = conn.execute(text(
                "SELECT message_id FROM processed WHERE source = :p "
                "ORDER BY processed_at DESC LIMIT 1"), {"p": producer}).first()
            if newest is None:
                continue
            kept = conns[producer].execute(text(
                "SELECT 1 FROM outbox WHERE message_id = :m"), {"m": newest[0]}).first()
            if kept is None:
                _behind(dbs[producer], dbs[consumer],
                        f"{consumer} has applied message {newest[0]} from {producer}, "
                        f"which the {producer} database no longer has")
    for producer, conn in conns.items():
        rows = conn.execute(text(
            "SELECT message_id, type FROM outbox ORDER BY seq DESC LIMIT :n"),
            {"n": NEWEST}).all()
        for message_id, kind in rows:
            if conn.execute(text("SELECT 1 FROM deliveries WHERE message_id = :m LIMIT 1"),
                            {"m": message_id}).first() is not None:
                continue  # still on its way
            for consumer in ROUTES.get(kind, ()):
                if consumer == producer or consumer not in conns:
                    continue
                seen = conns[consumer].execute(text(
                    "SELECT 1 FROM processed WHERE message_id = :m UNION ALL "
                    "SELECT 1 FROM dead_letters WHERE message_id = :m"),
                    {"m": message_id}).first()
                if seen is None:
                    _behind(dbs[consumer], dbs[producer],
                            f"{producer} handed over message {message_id} ({kind}) and "
                            f"{consumer} has no record of applying it")
    payment = conns[PAYMENT].execute(text(
        "SELECT booking_id FROM payments WHERE status IN ('captured', 'refunded') "
        "ORDER BY created_at DESC LIMIT 1")).first()
    if payment is not None and conns[RESERVATION].execute(text(
            "SELECT 1 FROM bookings WHERE id = :b"), {"b": payment[0]}).first() is None:
        _behind(dbs[RESERVATION], dbs[PAYMENT],
                f"payment captured money for booking {payment[0]}, which reservation does "
                "not know")
    booking = conns[RESERVATION].execute(text(
        "SELECT id, code, payment_id FROM bookings WHERE payment_id IS NOT NULL "
        "AND payment_id != '' ORDER BY created_at DESC LIMIT 1")).first()
    if booking is not None and conns[PAYMENT].execute(text(
            "SELECT 1 FROM payments WHERE id = :p"), {"p": booking[2]}).first() is None:
        _behind(dbs[PAYMENT], dbs[RESERVATION],
                f"booking {booking[1]} was paid with payment {booking[2]}, which the payment "
                "database does not have")


def _behind(lagging: Database, ahead: Database, what: str) -> None:
    raise StorageError(
        f"The {lagging.service} database ({lagging.where}) is behind the {ahead.service} "
        f"database: {what}. It was restored from an older copy, replaced, or lost its last "
        f"changes in a crash. {RECOVERY}"
    )

