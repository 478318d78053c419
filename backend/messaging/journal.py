"""The durable journal kept in every service's own database.

"The table is the truth, the queue is the wake-up." A service that changes state and
emits messages writes both in one transaction: the message goes to ``outbox`` (kept as
the service's history) and one row per receiver goes to ``deliveries`` (deleted once the
receiver has applied it). A receiver applies a message and records its id in its own
``processed`` table in one transaction, so a message delivered twice (after a crash, a
lease running out, two processes racing) changes nothing the second time. A message that
keeps failing is written to ``dead_letters``, where it stays for an operator to inspect
and retry.

Deliveries are claimed with a lease (owner + deadline) rather than tailed by id, so the
same code works on PostgreSQL (``FOR UPDATE SKIP LOCKED``), where ids are not commit order
and have gaps: ids only name rows (to acknowledge or give back); claiming oldest id first
is fairness, never correctness. Who an owner is, and when its leases are taken over, is
``owners.py``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from datetime import datetime

from sqlalchemy import Table
from sqlalchemy.engine import Connection
from sqlmodel import Field, SQLModel

from backend.messaging.envelope import Envelope
from backend.messaging.messages import Message
from backend.messaging.owners import HEARTBEATS, Judge, new_owner, release_dead_owners
from backend.messaging.routes import ROUTES
from backend.sql import SQL, Rows, in_list, run


class OutboxRow(SQLModel, table=True):
    """A message this service emitted (kept: it is the service's history)."""

    __tablename__ = "outbox"
    seq: int | None = Field(default=None, primary_key=True)
    message_id: str = Field(unique=True)
    type: str
    source: str
    correlation_id: str = Field(index=True)
    causation_id: str | None = None
    occurred_at: float
    payload: str


class DeliveryRow(SQLModel, table=True):
    """A message still to be applied by one receiver; deleted when the receiver has."""

    __tablename__ = "deliveries"
    id: int | None = Field(default=None, primary_key=True)
    message_id: str = Field(index=True)
    destination: str = Field(index=True)
    lease_until: float = 0.0
    lease_owner: str | None = None
    attempts: int = 0


class ProcessedRow(SQLModel, table=True):
    """A message this service has applied; makes redelivery harmless."""

    __tablename__ = "processed"
    message_id: str = Field(primary_key=True)
    source: str
    processed_at: float


class DeadLetterRow(SQLModel, table=True):
    """A message this service could not apply after a retry; kept for an operator."""

    __tablename__ = "dead_letters"
    message_id: str = Field(primary_key=True)
    type: str
    source: str
    correlation_id: str
    causation_id: str | None = None
    occurred_at: float
    payload: str
    error: str
    attempts: int
    failed_at: float
    retried: bool = False


OUTBOX: Table = OutboxRow.__table__  # type: ignore[assignment]
DELIVERIES: Table = DeliveryRow.__table__  # type: ignore[assignment]
PROCESSED: Table = ProcessedRow.__table__  # type: ignore[assignment]
DEAD_LETTERS: Table = DeadLetterRow.__table__  # type: ignore[assignment]

#: Tables every service database has, beside the service's own (the heartbeats of lease
#: owners since revision 3).
JOURNAL_TABLES: list[Table] = [OUTBOX, DELIVERIES, PROCESSED, DEAD_LETTERS, HEARTBEATS]


from backend.runtime.clock import from_epoch, to_epoch  # noqa: E402,F401 - re-exported


class Tx:
    """A unit of work: one transaction on a service's database, plus what it emitted.

    Handlers receive a ``Tx``; they change their tables through ``conn`` and announce what
    happened with ``emit``. Nothing is sent until the transaction commits.
    """

    __slots__ = ("conn", "now", "source", "emitted", "is_sqlite", "touched", "lease", "leased",
                 "unleased", "facts", "now_epoch", "_raw")

    def __init__(
        self,
        conn: Connection,
        now: datetime,
        source: str,
        is_sqlite: bool,
        lease: "Callable[[str], tuple[str, float] | None] | None" = None,
    ) -> None:
        self.conn = conn
        self.now = now
        #: ``now`` as seconds since the epoch (the tables store that).
        self.now_epoch = now.timestamp()
        #: The sqlite3 connection underneath, looked up once (not once per statement).
        self._raw = conn.connection.driver_connection if is_sqlite else None
        self.source = source
        self.emitted: list[Envelope] = []
        self.is_sqlite = is_sqlite
        #: Keys (booking ids, show ids) whose watchers should look again after commit.
        self.touched: set[str] = set()
        #: Receiver -> (owner, lease deadline) when this process can hand mail over itself.
        self.lease = lease
        #: Deliveries leased to this process in this transaction: handed over after commit.
        self.leased: list[Claimed] = []
        #: Receivers with mail left for the dispatcher to find.
        self.unleased: set[str] = set()
        #: What this transaction established, published to in-memory readers after commit.
        self.facts: dict[object, object] = {}

    def run(self, sql: SQL, params: Any = None) -> Rows:
        """Execute a plain-SQL statement in this transaction (``backend.sql.run``, with
        the sqlite3 connection looked up once per transaction, not once per statement)."""
        raw = self._raw
        if raw is None:
            return run(self.conn, sql, params)
        if isinstance(params, list):
            return Rows(raw.executemany(sql.text, params))
        return Rows(raw.execute(sql.text, {} if params is None else params))

    def emit(
        self, message: Message, *, correlation_id: str, causation_id: str | None = None
    ) -> Envelope:
        """Record ``message`` in the outbox with a delivery for each of its receivers."""
        envelope = Envelope.wrap(
            message,
            source=self.source,
            correlation_id=correlation_id,
            causation_id=causation_id,
            occurred_at=self.now,
        )
        seq = self.run(
            _INSERT_OUTBOX,
            {
                "message_id": envelope.message_id,
                "type": envelope.type,
                "source": envelope.source,
                "correlation_id": envelope.correlation_id,
                "causation_id": envelope.causation_id,
                "occurred_at": to_epoch(envelope.occurred_at),
                "payload": envelope.payload_json(),
            },
        ).scalar_one()
        # nobody has seen this envelope yet: give it its position in place (a
        # dataclasses.replace per message cost more than the INSERT that found it)
        object.__setattr__(envelope, "seq", seq)
        for receiver in ROUTES[envelope.type]:
            lease = self.lease(receiver) if self.lease is not None else None
            if lease is None:
                self.run(
                    _INSERT_DELIVERY,
                    {
                        "message_id": envelope.message_id,
                        "destination": receiver,
                        "lease_owner": None,
                        "lease_until": 0.0,
                        "attempts": 0,
                    },
                )
                self.unleased.add(receiver)
                continue
            owner, until = lease
            delivery_id = self.run(
                _INSERT_LEASED_DELIVERY,
                {
                    "message_id": envelope.message_id,
                    "destination": receiver,
                    "lease_owner": owner,
                    "lease_until": until,
                    "attempts": 1,
                },
            ).scalar_one()
            self.leased.append(Claimed(delivery_id, receiver, envelope, 1))
        self.emitted.append(envelope)
        return envelope


_INSERT_OUTBOX = SQL(
    "INSERT INTO outbox (message_id, type, source, correlation_id, causation_id, occurred_at,"
    " payload) VALUES (:message_id, :type, :source, :correlation_id, :causation_id,"
    " :occurred_at, :payload) RETURNING seq"
)
_INSERT_DELIVERY = SQL(
    "INSERT INTO deliveries (message_id, destination, lease_owner, lease_until, attempts)"
    " VALUES (:message_id, :destination, :lease_owner, :lease_until, :attempts)"
)
_INSERT_LEASED_DELIVERY = SQL(_INSERT_DELIVERY.text + " RETURNING id")


@dataclass(frozen=True, slots=True)
class Claimed:
    """A delivery taken under lease by this process."""

    delivery_id: int
    destination: str
    envelope: Envelope
    attempts: int


def owner_id() -> str:
    """A new lease owner's name: host, pid and a nonce of this start (``owners.py``)."""
    return str(new_owner())


def claim(
    conn: Connection,
    *,
    destination: str,
    owner: str,
    now: float,
    lease_seconds: float,
    limit: int,
    is_sqlite: bool,
) -> list[Claimed]:
    """Lease up to ``limit`` pending deliveries for ``destination``, oldest first."""
    params = {"destination": destination, "now": now, "limit": limit}
    rows = run(conn, _CLAIMABLE if is_sqlite else _CLAIMABLE_LOCKED, params).all()
    if not rows:
        return []
    marks, params = in_list("d", [r.id for r in rows])
    params.update(until=now + lease_seconds, owner=owner)
    run(
        conn,
        SQL.of(
            "UPDATE deliveries SET lease_until = :until, lease_owner = :owner,"
            f" attempts = attempts + 1 WHERE id IN {marks}"
        ),
        params,
    )
    return [
        Claimed(
            delivery_id=r.id,
            destination=destination,
            attempts=r.attempts + 1,
            envelope=Envelope.from_row(
                message_id=r.message_id,
                type=r.type,
                source=r.source,
                correlation_id=r.correlation_id,
                causation_id=r.causation_id,
                occurred_at=from_epoch(r.occurred_at),
                payload=r.payload,
                seq=r.seq,
            ),
        )
        for r in rows
    ]


#: A receiver's deliveries due now, oldest first, with their messages.
_CLAIMABLE = SQL(
    "SELECT d.id, d.attempts, o.message_id, o.type, o.source, o.correlation_id,"
    " o.causation_id, o.occurred_at, o.payload, o.seq"
    " FROM deliveries d JOIN outbox o ON o.message_id = d.message_id"
    " WHERE d.destination = :destination AND d.lease_until <= :now ORDER BY d.id LIMIT :limit"
)
#: The same on PostgreSQL, where two processes claiming at once each skip what the other
#: locked (SQLite has one writer at a time, and no such clause).
_CLAIMABLE_LOCKED = SQL(_CLAIMABLE.text + " FOR UPDATE OF d SKIP LOCKED")
_ACK = SQL("DELETE FROM deliveries WHERE id = :id")


def acknowledge(conn: Connection, delivery_ids: Iterable[int]) -> None:
    """The receiver has applied these deliveries: forget them."""
    ids = [{"id": i} for i in delivery_ids]
    if ids:
        run(conn, _ACK, ids)


def release(conn: Connection, delivery_ids: Iterable[int]) -> None:
    """Give leased deliveries back (receiver stopped or full) so they go out again soon."""
    ids = list(delivery_ids)
    if ids:
        marks, params = in_list("d", ids)
        run(conn, SQL.of(f"{_GIVE_BACK} WHERE id IN {marks}"), params)


def release_orphaned_leases(conn: Connection, judge: Judge) -> int:
    """Take back leases held by owners ``judge`` finds dead (killed mid-delivery, on this
    machine or another), so a live box office delivers their mail."""
    return release_dead_owners(conn, judge)


_GIVE_BACK = "UPDATE deliveries SET lease_until = 0.0, lease_owner = NULL"


def pending_count(conn: Connection, destination: str | None = None) -> int:
    """How many deliveries are still to be applied (for one receiver, or all)."""
    if destination is None:
        return run(conn, _PENDING).scalar_one()
    return run(conn, _PENDING_FOR, {"destination": destination}).scalar_one()


_PENDING = SQL("SELECT count(*) FROM deliveries")
_PENDING_FOR = SQL("SELECT count(*) FROM deliveries WHERE destination = :destination")


def already_processed(conn: Connection, message_ids: list[str]) -> set[str]:
    """Which of these messages this service has applied before."""
    if not message_ids:
        return set()
    marks, params = in_list("m", message_ids)
    rows = run(conn, SQL.of(f"SELECT message_id FROM processed WHERE message_id IN {marks}"), params)
    return {r[0] for r in rows}


_MARK_PROCESSED = SQL(
    "INSERT INTO processed (message_id, source, processed_at) VALUES (:message_id, :source, :at)"
)


def mark_processed(conn: Connection, envelopes: list[Envelope], now: float) -> None:
    """Record messages as applied, in the same transaction as their effect."""
    if envelopes:
        run(
            conn,
            _MARK_PROCESSED,
            [{"message_id": e.message_id, "source": e.source, "at": now} for e in envelopes],
        )


def dead_letter(conn: Connection, envelope: Envelope, error: str, attempts: int, now: float) -> None:
    """Park a message that cannot be applied; it counts as processed until retried."""
    run(
        conn,
        _INSERT_DEAD_LETTER,
        {
            "message_id": envelope.message_id,
            "type": envelope.type,
            "source": envelope.source,
            "correlation_id": envelope.correlation_id,
            "causation_id": envelope.causation_id,
            "occurred_at": to_epoch(envelope.occurred_at),
            "payload": envelope.payload_json(),
            "error": error[:2000],
            "attempts": attempts,
            "failed_at": now,
            "retried": False,
        },
    )
    mark_processed(conn, [envelope], now)


def dead_letters(conn: Connection) -> list[DeadLetterRow]:
    """Every dead letter not yet retried, oldest first."""
    return [_dead_letter_row(r) for r in run(conn, _DEAD_LETTERS)]


def dead_letter_by_id(conn: Connection, message_id: str) -> DeadLetterRow | None:
    """One dead letter (retried or not), or None."""
    row = run(conn, _DEAD_LETTER_BY_ID, {"id": message_id}).first()
    return None if row is None else _dead_letter_row(row)


def reopen_dead_letter(conn: Connection, message_id: str) -> None:
    """Mark a dead letter retried and forget it was processed, so it can be applied again
    (in the same transaction as the retry itself)."""
    run(conn, _UNPROCESS, {"id": message_id})
    run(conn, _MARK_RETRIED, {"id": message_id, "retried": True})


def _dead_letter_row(row: Any) -> DeadLetterRow:
    # ``retried`` is a boolean column: SQLite hands back 0 or 1, PostgreSQL a bool
    return DeadLetterRow(**{**row._mapping, "retried": bool(row.retried)})


_DEAD_LETTER_COLUMNS = (
    "message_id, type, source, correlation_id, causation_id, occurred_at, payload, error,"
    " attempts, failed_at, retried"
)
_INSERT_DEAD_LETTER = SQL(
    f"INSERT INTO dead_letters ({_DEAD_LETTER_COLUMNS}) VALUES (:message_id, :type, :source,"
    " :correlation_id, :causation_id, :occurred_at, :payload, :error, :attempts, :failed_at,"
    " :retried)"
)
# (booleans are compared without literals: SQLite stores 0/1, PostgreSQL has TRUE/FALSE)
_DEAD_LETTERS = SQL(
    f"SELECT {_DEAD_LETTER_COLUMNS} FROM dead_letters WHERE NOT retried ORDER BY failed_at"
)
_DEAD_LETTER_BY_ID = SQL(f"SELECT {_DEAD_LETTER_COLUMNS} FROM dead_letters WHERE message_id = :id")
_UNPROCESS = SQL("DELETE FROM processed WHERE message_id = :id")
_MARK_RETRIED = SQL("UPDATE dead_letters SET retried = :retried WHERE message_id = :id")
