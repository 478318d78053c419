"""Bringing a service database to the code's schema, or refusing it in one sentence.

Alembic does the migrating: one history per service database under ``versions/``.
What is written here is only the part Alembic leaves to its caller:

* **When**: at every start, under a lock, so that two box offices starting together on
  an old data directory migrate it once (SQLite: ``BEGIN IMMEDIATE``, held across the
  whole migration, which SQLite runs as one transaction; PostgreSQL: a transaction-level
  advisory lock, and its DDL is transactional too). The second process waits for the
  lock, then finds the database at the code's revision and has nothing to do.
* **Adopting v0.1.0's databases**: v0.1.0 made its tables without Alembic. A database
  with our tables and no ``alembic_version`` is checked against the first revision's
  schema and stamped with it, then migrated like any other.
* **Refusing**: a database at a revision this code does not know (made by a newer
  version), or whose tables do not have the columns its revision says (a column dropped
  or renamed by hand, a half-restored file), stops the start with a ``StorageError``
  naming the database, the table and what is wrong. Starting anyway would break halfway
  through a sale instead.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from alembic.config import Config
from alembic.runtime.environment import EnvironmentContext
from alembic.script import ScriptDirectory
from sqlalchemy import MetaData, Table, create_engine, inspect, text
from sqlalchemy.engine import Connection

from backend.errors import StorageError

VERSIONS = Path(__file__).parent / "versions"


def script_for(service: str) -> ScriptDirectory:
    """The Alembic history of one service's database."""
    location = str(VERSIONS / service)
    return ScriptDirectory(location, version_locations=[location])


@dataclass
class MigrationPlan:
    """What starting on a database would do: the revision it is at, and the steps to head."""

    service: str
    current: str | None
    head: str
    steps: list[str] = field(default_factory=list)
    #: True when the tables came from v0.1.0 (no ``alembic_version``) and will be stamped.
    adopt: bool = False

    @property
    def pending(self) -> bool:
        return bool(self.steps) or self.adopt


def _revision_of(conn: Connection) -> str | None:
    if not inspect(conn).has_table("alembic_version"):
        return None
    row = conn.execute(text("SELECT version_num FROM alembic_version")).first()
    return None if row is None else row[0]


def lock(conn: Connection, purpose: str) -> None:
    """Hold the database's write lock (SQLite) or an advisory lock named by ``purpose``
    (PostgreSQL) until the transaction on ``conn`` ends, so only one process at a time
    does what it guards (migrating; recording identity)."""
    if conn.dialect.name == "sqlite":
        conn.connection.driver_connection.execute("BEGIN IMMEDIATE")
    else:
        key = zlib.crc32(f"cinema-tui {purpose}".encode())
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


def plan(conn: Connection, service: str, where: str, tables: Sequence[Table]) -> MigrationPlan:
    """Work out what bringing this database to the code's schema takes; StorageError if
    it cannot be trusted."""
    script = script_for(service)
    head = script.get_current_head()
    assert head is not None
    current = _revision_of(conn)
    ours = {t.name for t in tables}
    present = set(inspect(conn).get_table_names()) & ours
    if current is None and present:
        base = script.get_base()
        assert base is not None
        _check_columns(conn, service, where, schema_at(service, base))
        return MigrationPlan(service, base, head, _steps(script, base, head), adopt=True)
    if current is not None and current not in {r.revision for r in script.walk_revisions()}:
        raise StorageError(
            f"The {service} database ({where}) was written by a newer version of the box "
            f"office (schema {current}; this version knows up to {head}). Install the "
            "newer version again, or restore a backup made with this one."
        )
    return MigrationPlan(service, current, head, _steps(script, current, head))


def _steps(script: ScriptDirectory, current: str | None, head: str) -> list[str]:
    if current == head:
        return []
    revisions = list(script.iterate_revisions(head, current or "base"))
    return [r.revision for r in reversed(revisions) if r.revision != current]


def schema_at(service: str, revision: str) -> list[Table]:
    """The tables as the history says they were at ``revision``: its migrations are run
    on a scratch database in memory and read back. (A v0.1.0 database is checked
    against the first revision this way, not against today's tables.)"""
    engine = create_engine("sqlite://")
    try:
        with engine.connect() as scratch:
            script = script_for(service)
            config = Config()

            def upgrade(current: object, context: object) -> list[object]:
                return script._upgrade_revs(revision, current)

            with EnvironmentContext(config, script, fn=upgrade, destination_rev=revision) as env:
                env.configure(connection=scratch, target_metadata=None)
                with env.begin_transaction():
                    env.run_migrations()
            metadata = MetaData()
            metadata.reflect(scratch)
            return [t for t in metadata.sorted_tables if t.name != "alembic_version"]
    finally:
        engine.dispose()


def migrate(conn: Connection, service: str, where: str, tables: Sequence[Table],
            *, dry_run: bool = False) -> MigrationPlan:
    """Bring the database on ``conn`` to the code's schema, in one locked transaction.

    ``conn`` must not be in a transaction. Raises StorageError (nothing changed) when the
    database is newer than the code or its tables are not what its revision says.
    """
    with conn.begin():
        lock(conn, f"migrate {service}")
        steps = plan(conn, service, where, tables)
        if steps.pending and not dry_run:
            _run(conn, service, steps)
        if not (dry_run and steps.pending):  # at the code's revision: all columns there
            _check_columns(conn, service, where, tables)
    return steps


def _run(conn: Connection, service: str, steps: MigrationPlan) -> None:
    script = script_for(service)
    config = Config()

    def upgrade(revision: object, context: object) -> list[object]:
        return script._upgrade_revs(steps.head, revision)

    with EnvironmentContext(config, script, fn=upgrade, destination_rev=steps.head) as env:
        env.configure(connection=conn, target_metadata=None)
        if steps.adopt:
            env.get_context().stamp(script, steps.current)
        env.run_migrations()


def _check_columns(conn: Connection, service: str, where: str, tables: Sequence[Table]) -> None:
    """Every table the code uses is there with every column it reads and writes."""
    inspector = inspect(conn)
    existing = set(inspector.get_table_names())
    for table in tables:
        if table.name not in existing:
            raise StorageError(
                f"The {service} database ({where}) has no table {table.name}, although its "
                "schema revision says it should. It was changed by hand or restored in "
                f"part: restore it from a backup ({_RECOVER})."
            )
        have = {c["name"] for c in inspector.get_columns(table.name)}
        missing = [c.name for c in table.columns if c.name not in have]
        if missing:
            raise StorageError(
                f"The {service} database ({where}): table {table.name} has no column "
                f"{', '.join(missing)}, although its schema revision says it should. It "
                f"was changed by hand or restored in part: restore it from a backup "
                f"({_RECOVER})."
            )


_RECOVER = "cinema-tui restore BACKUP; cinema-tui check tells what else is wrong"
