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
same code works on PostgreSQL (``FOR UPDATE SKIP LOCKED``), where ids are not commit order.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from datetime import datetime

from sqlalchemy import Table, select, update
from sqlalchemy.engine import Connection
from sqlmodel import Field, SQLModel

from backend.messaging.envelope import Envelope
from backend.messaging.messages import Message
from backend.messaging.routes import ROUTES
from backend.storage import SQL, Rows, in_list, run


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

#: Tables every service database has, beside the service's own.
JOURNAL_TABLES: list[Table] = [OUTBOX, DELIVERIES, PROCESSED, DEAD_LETTERS]


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

    def run(self, sql: SQL, params: Any = None) -> Any:
        """Execute a plain-SQL statement in this transaction."""
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
    """Lease owner of this process: its pid, so a dead owner's leases can be taken over."""
    return f"pid:{os.getpid()}"


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
    query = (
        select(
            DELIVERIES.c.id,
            DELIVERIES.c.attempts,
            OUTBOX.c.message_id,
            OUTBOX.c.type,
            OUTBOX.c.source,
            OUTBOX.c.correlation_id,
            OUTBOX.c.causation_id,
            OUTBOX.c.occurred_at,
            OUTBOX.c.payload,
            OUTBOX.c.seq,
        )
        .join(OUTBOX, OUTBOX.c.message_id == DELIVERIES.c.message_id)
        .where(DELIVERIES.c.destination == destination, DELIVERIES.c.lease_until <= now)
        .order_by(DELIVERIES.c.id)
        .limit(limit)
    )
    if not is_sqlite:
        query = query.with_for_update(skip_locked=True, of=DELIVERIES)
    rows = conn.execute(query).all()
    if not rows:
        return []
    ids = [r.id for r in rows]
    conn.execute(
        update(DELIVERIES)
        .where(DELIVERIES.c.id.in_(ids))
        .values(
            lease_until=now + lease_seconds,
            lease_owner=owner,
            attempts=DELIVERIES.c.attempts + 1,
        )
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
        conn.execute(
            update(DELIVERIES)
            .where(DELIVERIES.c.id.in_(ids))
            .values(lease_until=0.0, lease_owner=None)
        )


def release_orphaned_leases(conn: Connection, is_alive: "callable[[str], bool]") -> int:
    """Take back leases held by processes that no longer exist (killed mid-delivery)."""
    owners = conn.execute(
        select(DELIVERIES.c.lease_owner)
        .where(DELIVERIES.c.lease_owner.is_not(None))
        .distinct()
    ).scalars()
    dead = [o for o in owners if not is_alive(o)]
    if not dead:
        return 0
    result = conn.execute(
        update(DELIVERIES)
        .where(DELIVERIES.c.lease_owner.in_(dead))
        .values(lease_until=0.0, lease_owner=None)
    )
    return result.rowcount or 0


def pending_count(conn: Connection, destination: str | None = None) -> int:
    """How many deliveries are still to be applied (for one receiver, or all)."""
    from sqlalchemy import func

    query = select(func.count()).select_from(DELIVERIES)
    if destination is not None:
        query = query.where(DELIVERIES.c.destination == destination)
    return conn.execute(query).scalar_one()


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
    conn.execute(
        DEAD_LETTERS.insert(),
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
        },
    )
    mark_processed(conn, [envelope], now)


def dead_letters(conn: Connection) -> list[DeadLetterRow]:
    """Every dead letter not yet retried, oldest first."""
    rows = conn.execute(
        select(DEAD_LETTERS).where(DEAD_LETTERS.c.retried.is_(False)).order_by(
            DEAD_LETTERS.c.failed_at
        )
    ).mappings()
    return [DeadLetterRow(**dict(r)) for r in rows]
