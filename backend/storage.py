"""One service's database: an engine, honest transactions, and an event loop never blocked.

Each service owns one ``Store`` and nothing else touches its tables. ``write`` runs a
function in one transaction that begins ``BEGIN IMMEDIATE`` on SQLite, so the write lock
is taken up front and two processes never deadlock upgrading a read lock. The function
is plain sync code: there is no way to await a remote call inside a transaction.

Where a transaction runs: on SQLite, on the event loop's own thread when the lock can
be had at once (a SQLite transaction costs less than a hop to a thread and back, and
threads only fight over the GIL), and on the store's writer (or reader) thread when it
cannot, where it waits up to the busy timeout; so the loop never waits on a lock held
by another process. Drivers that talk over a network (psycopg) always run on the
threads: one writer thread serialises this process's writes, one reader thread serves
views.

SQLite is set up for many processes on one data directory: WAL, ``busy_timeout``, and
``synchronous=NORMAL`` (a committed transaction survives a killed process; only a power
cut may lose the last few). Any other SQLAlchemy URL (PostgreSQL) works with the same
code; ``dialect_insert`` and ``is_sqlite`` are the only places the dialect shows.

Driver errors are turned into ``StorageError`` with a sentence a clerk can act on.
"""

from __future__ import annotations

import asyncio
import os
import re
import sqlite3
import threading
import time
from collections import Counter, namedtuple
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Table, create_engine, event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DatabaseError as SADatabaseError
from sqlalchemy.exc import DBAPIError, OperationalError

from backend.errors import StorageError
from backend.private_files import DIRECTORY_MODE, FILE_MODE, tighten_database_files

T = TypeVar("T")


class SQL:
    """A statement written once, in plain SQL with ``:name`` parameters.

    The hot paths (every message, every booking) skip SQLAlchemy's statement building
    and compiling, which costs several times what SQLite itself takes on a small
    machine: the text is handed to the driver as it is. Only the standard subset that
    SQLite and PostgreSQL share is used (``ON CONFLICT``, ``RETURNING``); for psycopg
    the ``:name`` markers become ``%(name)s``.
    """

    __slots__ = ("pg_text", "text")

    def __init__(self, text: str) -> None:
        self.text = " ".join(text.split())
        self.pg_text = _NAMED.sub(r"%(\1)s", self.text)

    def __repr__(self) -> str:
        return f"SQL({self.text!r})"

    @classmethod
    def of(cls, text: str) -> SQL:
        """The statement for ``text``, made once: for statements put together at run
        time (an ``IN`` list of one to ten seats), which would otherwise be normalised
        and rewritten for PostgreSQL on every call."""
        sql = _MADE.get(text)
        if sql is None:
            if len(_MADE) > 4096:
                _MADE.clear()
            sql = _MADE[text] = cls(text)
        return sql


_MADE: dict[str, SQL] = {}


_NAMED = re.compile(r"(?<![:\w]):(\w+)")


def run(conn: Connection, sql: SQL, params: Any = None) -> Any:
    """Execute ``sql`` on ``conn`` with a dict of parameters (or a list, for many rows).

    On SQLite the statement goes straight to the sqlite3 connection underneath (same
    transaction), which costs a fraction of a trip through SQLAlchemy; elsewhere it goes
    through ``exec_driver_sql``. Either way the result offers ``first``, ``all``,
    ``scalar_one``, ``rowcount`` and iteration, with rows readable by attribute.
    """
    if params is None:
        params = {}
    if conn.dialect.name != "sqlite":
        return conn.exec_driver_sql(sql.pg_text, params)
    raw = conn.connection.driver_connection
    if isinstance(params, list):
        return Rows(raw.executemany(sql.text, params))
    return Rows(raw.execute(sql.text, params))


class Rows:
    """The few result methods the services use, over a sqlite3 cursor (see ``run``)."""

    __slots__ = ("_cls", "cursor")

    def __init__(self, cursor: sqlite3.Cursor) -> None:
        self.cursor = cursor
        self._cls: Any = None

    def _make(self, row: tuple[Any, ...]) -> Any:
        if self._cls is None:
            self._cls = _row_class(tuple(d[0] for d in self.cursor.description))
        return self._cls._make(row)

    @property
    def rowcount(self) -> int:
        return self.cursor.rowcount

    def first(self) -> Any:
        row = self.cursor.fetchone()
        return None if row is None else self._make(row)

    def all(self) -> list[Any]:
        return [self._make(r) for r in self.cursor.fetchall()]

    def scalar_one(self) -> Any:
        row = self.cursor.fetchone()
        if row is None:
            raise LookupError("no row")
        return row[0]

    def __iter__(self) -> Any:
        return (self._make(r) for r in self.cursor)


_ROW_CLASSES: dict[tuple[str, ...], Any] = {}


def _row_class(names: tuple[str, ...]) -> Any:
    cls = _ROW_CLASSES.get(names)
    if cls is None:
        cls = namedtuple("Row", names, rename=True)  # type: ignore[misc]
        cls._mapping = property(lambda self: self._asdict())  # type: ignore[attr-defined]
        _ROW_CLASSES[names] = cls
    return cls


def in_list(name: str, values: Sequence[Any]) -> tuple[str, dict[str, Any]]:
    """``(:name0, :name1, ...)`` and its parameters, for an ``IN`` clause."""
    keys = [f"{name}{i}" for i in range(len(values))]
    return "(" + ", ".join(":" + k for k in keys) + ")", dict(zip(keys, values))


def sqlite_url(path: Path) -> str:
    """The SQLAlchemy URL of a SQLite file."""
    return f"sqlite:///{path}"


class Store:
    """A service's database, used only through ``write`` and ``read``."""

    def __init__(
        self,
        name: str,
        url: str,
        tables: Sequence[Table],
        *,
        busy_timeout_ms: int = 10_000,
    ) -> None:
        self.name = name
        self.url = url
        self.tables = list(tables)
        self.busy_timeout_ms = busy_timeout_ms
        self.is_sqlite = url.startswith("sqlite")
        #: Whether SQLite transactions may run on the event loop's own thread (see
        #: ``write``). Fastest when the services have the loop to themselves; a process
        #: whose loop also draws a clerk's screen turns it off (``sqlite_inline``), so a
        #: key press never waits behind a run of the services' transactions.
        self.inline = self.is_sqlite
        #: Committed transactions by kind ("write", "read"), for benchmarks and tests.
        self.commits: Counter[str] = Counter()
        self._engine: Engine | None = None
        self._writer: ThreadPoolExecutor | None = None
        self._reader: ThreadPoolExecutor | None = None
        self._local = threading.local()
        #: The event loop thread's own connection (SQLite only); see ``write``.
        self._inline: Connection | None = None
        self._inline_writes = 0
        self._checkpointing = False

    # --- life cycle ---------------------------------------------------------------------

    async def open(self) -> None:
        """Create the engine and the tables; raise StorageError if the database is unusable."""
        self._writer = ThreadPoolExecutor(1, thread_name_prefix=f"{self.name}-db-write")
        self._reader = ThreadPoolExecutor(1, thread_name_prefix=f"{self.name}-db-read")
        await self._run(self._writer, self._open_sync)

    def _open_sync(self) -> None:
        if self.is_sqlite:
            path = Path(self.url.split("///", 1)[1])
            check_directory(path.parent, self.name)
        engine = make_engine(self.url, self.busy_timeout_ms)
        self._engine = engine
        try:
            with engine.connect() as conn:
                # A service's schema was migrated and checked before it started
                # (backend.integrity); creating what is missing is a no-op then.
                if self.is_sqlite:
                    _raw_transact(conn, _create_tables, (self.tables,), _BEGIN_WRITE)
                else:
                    with conn.begin():
                        _create_tables(conn, self.tables)
            if self.is_sqlite:  # private whatever the umask (phones, booking codes)
                tighten_database_files(path)
        except Exception:
            engine.dispose()
            self._engine = None
            raise

    async def close(self) -> None:
        """Dispose of connections and threads. Safe to call twice.

        Each thread closes its own connection, after whatever it is running: closing a
        sqlite3 connection under another thread's running statement can crash the process.
        """
        engine, writer, reader = self._engine, self._writer, self._reader
        self._engine = self._writer = self._reader = None
        inline, self._inline = self._inline, None
        if inline is not None:
            _close_inline(inline, self.busy_timeout_ms)
        loop = asyncio.get_running_loop()
        for pool in (reader, writer):
            if pool is not None:
                try:
                    await loop.run_in_executor(pool, self._drop_thread_connection)
                except Exception:  # closing is best effort; the files are consistent anyway
                    pass
        if engine is not None and writer is not None:
            await loop.run_in_executor(writer, engine.dispose)
        for pool in (writer, reader):
            if pool is not None:
                pool.shutdown(wait=False)

    @property
    def where(self) -> str:
        """Where the database is, for messages (see ``where_of``)."""
        return where_of(self.url)

    @property
    def is_open(self) -> bool:
        return self._engine is not None

    # --- transactions -------------------------------------------------------------------

    async def write(self, fn: Callable[..., T], *args: Any) -> T:
        """Run ``fn(conn, *args)`` in one write transaction; commit if it returns.

        On SQLite the transaction runs right here on the event loop's thread whenever
        the write lock is free at once: a SQLite transaction on a small machine costs
        less than handing it to a thread and back, and with one thread the services no
        longer fight over the GIL (that fight, not SQLite, was most of the CPU a
        booking cost). The loop's connection never waits for a lock (its busy timeout
        is 0): if another process (or this one's writer thread) holds the lock, the
        transaction is run again on the writer thread, which waits as long as the busy
        timeout allows. Either way the loop is never blocked on a lock, and ``fn`` runs
        whole inside one transaction or not at all.

        An inline transaction does not yield to the loop, before or after: a caller
        holding a slot (payment's worker pool) holds it only while the transaction runs,
        and nothing can cancel the caller between the commit and what it does next
        (handing over mail, waking watchers). Loops that write again and again yield
        themselves (the actor's run loop does, every ``Actor.turn_s`` of work).
        """
        if self._writer is None:
            raise StorageError(f"The {self.name} database is closed.")
        if self.inline:
            done, result = self._try_inline(fn, args, _BEGIN_WRITE)
            if done:
                self.commits["write"] += 1
                self._inline_writes += 1
                if self._inline_writes >= CHECKPOINT_EVERY and not self._checkpointing:
                    self._checkpoint_soon()
                return result
        result = await self._run(self._writer, self._transact, fn, args, False)
        self.commits["write"] += 1
        return result

    async def read(self, fn: Callable[..., T], *args: Any) -> T:
        """Run ``fn(conn, *args)`` in a read transaction (never blocks writers in WAL).

        On SQLite it runs on the loop's thread like ``write``; a reader in WAL mode
        waits for nobody, and in the rare case it is told the database is busy it is
        run again on the reader thread.
        """
        if self._reader is None:
            raise StorageError(f"The {self.name} database is closed.")
        if self.inline:
            done, result = self._try_inline(fn, args, _BEGIN_READ)
            if done:
                self.commits["read"] += 1
                return result
        result = await self._run(self._reader, self._transact, fn, args, True)
        self.commits["read"] += 1
        return result

    def _try_inline(self, fn: Callable[..., T], args: tuple[Any, ...], begin: str) -> tuple[bool, Any]:
        """(True, result) if ``fn`` ran and committed on the loop's connection; (False,
        None) if the database was busy and nothing was done (run it on a thread)."""
        try:
            conn = self._inline_connection()
            return True, _raw_transact(conn, fn, args, begin)
        except (DBAPIError, sqlite3.Error) as exc:
            if _is_busy(exc):
                return False, None
            if self._inline is not None and self._inline.invalidated:
                self._inline = None
            raise self._explain(exc) from exc

    def _inline_connection(self) -> Connection:
        conn = self._inline
        if conn is None or conn.closed:
            assert self._engine is not None
            conn = self._engine.connect()
            raw = conn.connection.driver_connection
            raw.execute("PRAGMA busy_timeout=0")
            raw.execute(f"PRAGMA wal_autocheckpoint={INLINE_AUTOCHECKPOINT}")  # see below
            self._inline = conn
        return conn

    def _checkpoint_soon(self) -> None:
        """Copy the WAL into the database on the writer thread, not on the loop.

        A checkpoint ends in an fsync, which on this disk takes milliseconds; run by
        SQLite's auto-checkpoint inside whichever commit crossed 1000 pages, it stalled
        the event loop a few hundred times per thousand bookings (a fifth of the wall
        time of the throughput bench). Every ``CHECKPOINT_EVERY`` commits of the loop's
        connection a PASSIVE checkpoint (it never waits for, nor blocks, a writer or a
        reader) runs on the writer thread instead. Only a checkpoint that ends with no
        write after it lets the next writer start the WAL file over, which under steady
        load the thread's rarely do; so the loop's connection keeps an auto-checkpoint,
        at ``INLINE_AUTOCHECKPOINT`` pages: by then the thread has copied nearly every
        page, so it costs the loop little, and it keeps the WAL file bounded.
        """
        writer = self._writer
        if writer is None:
            return
        self._checkpointing = True
        self._inline_writes = 0

        def done(_future: Any) -> None:
            self._checkpointing = False

        writer.submit(self._checkpoint).add_done_callback(done)

    def _checkpoint(self) -> None:
        try:
            raw = self._thread_connection().connection.driver_connection
            raw.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        except Exception:  # the next one will do; the WAL stays correct meanwhile
            pass

    def _transact(self, fn: Callable[..., T], args: tuple[Any, ...], readonly: bool) -> T:
        conn = self._thread_connection()
        try:
            if self.is_sqlite:
                return _raw_transact(conn, fn, args, _BEGIN_READ if readonly else _BEGIN_WRITE)
            with conn.begin():
                return fn(conn, *args)
        finally:
            if conn.invalidated:
                self._drop_thread_connection()

    def _thread_connection(self) -> Connection:
        """This thread's connection, kept open between transactions (each store thread
        owns one: checking a connection out of the pool for every transaction costs more
        than many of the transactions themselves)."""
        conn = getattr(self._local, "conn", None)
        if conn is None or conn.closed:
            assert self._engine is not None
            conn = self._engine.connect()
            self._local.conn = conn
        return conn

    def _drop_thread_connection(self) -> None:
        conn = getattr(self._local, "conn", None)
        self._local.conn = None
        if conn is not None:
            conn.close()

    async def _run(self, pool: ThreadPoolExecutor, fn: Callable[..., T], *args: Any) -> T:
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(pool, fn, *args)
        except (DBAPIError, sqlite3.Error) as exc:
            raise self._explain(exc) from exc

    def _explain(self, exc: Exception) -> StorageError:
        """Turn a driver error into a sentence for the person at the terminal."""
        return explain(self.name, self.where, exc)

    # --- dialect helpers ----------------------------------------------------------------

    def dialect_insert(self, table: Table) -> Any:
        """An INSERT that supports ``on_conflict_do_nothing`` on this store's dialect."""
        if self.is_sqlite:
            from sqlalchemy.dialects.sqlite import insert
        else:
            from sqlalchemy.dialects.postgresql import insert
        return insert(table)


def explain(name: str, where: str, exc: BaseException) -> StorageError:
    """A driver error about the ``name`` database at ``where`` as a sentence for the
    person at the terminal."""
    text = str(getattr(exc, "orig", exc)).lower()
    if "locked" in text or "busy" in text:
        return StorageError(
            f"The {name} database ({where}) is locked by another program. "
            "Close whatever holds it open and try again."
        )
    if "not a database" in text or "malformed" in text or "corrupt" in text:
        return StorageError(
            f"The {name} database file {where} is damaged. Move it aside to start "
            "that service afresh, or restore it from a backup."
        )
    if "unable to open" in text or "readonly" in text or "read-only" in text:
        return StorageError(
            f"Cannot write the {name} database at {where}. Check that the data "
            "directory exists and is writable (or choose another with --data-dir)."
        )
    if isinstance(exc, (OperationalError, SADatabaseError)):
        return StorageError(f"The {name} database ({where}) failed: {text}")
    return StorageError(f"The {name} database ({where}) refused a change: {text}")


def where_of(url: str) -> str:
    """Where a database is, for messages: its file, or its server and name (never a
    password)."""
    return url.split("///", 1)[1] if url.startswith("sqlite") else url.split("@")[-1]


def make_engine(url: str, busy_timeout_ms: int = 10_000) -> Engine:
    """An engine for ``url`` set up as every store's is (on SQLite: WAL, busy timeout, our
    own BEGIN)."""
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            connect_args={"timeout": busy_timeout_ms / 1000, "check_same_thread": False},
            pool_size=4,
            max_overflow=4,
        )
        _configure_sqlite(engine, busy_timeout_ms)
        return engine
    return create_engine(url, pool_size=4, max_overflow=4, pool_pre_ping=True)


def check_directory(directory: Path, name: str) -> None:
    """Make sure the data directory exists and takes files, or say plainly why not."""
    try:
        directory.mkdir(mode=DIRECTORY_MODE, parents=True, exist_ok=True)
        probe = directory / f".{name}.{os.getpid()}.{threading.get_ident()}.write-test"
        os.close(os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE))
        probe.unlink()
    except OSError as exc:
        raise StorageError(
            f"The data directory {directory} cannot be used: {exc.strerror or exc}. "
            "Choose a writable directory with --data-dir or CINEMA_DATA_DIR."
        ) from exc


#: Inline write commits between two checkpoints run on the writer thread (a commit adds
#: some 10-40 pages to the WAL; SQLite's own default is a checkpoint per 1000 pages).
CHECKPOINT_EVERY = 50
#: WAL pages after which the loop's connection checkpoints itself (SQLite's default is
#: 1000; at 4 KiB a page the WAL file stays under about 16 MiB).
INLINE_AUTOCHECKPOINT = 4000

_BEGIN_WRITE = "BEGIN IMMEDIATE"
_BEGIN_READ = "BEGIN"
_SQLITE_BUSY, _SQLITE_LOCKED = 5, 6


def _create_tables(conn: Connection, tables: Sequence[Table]) -> None:
    for table in tables:
        table.create(conn, checkfirst=True)


def _raw_transact(conn: Connection, fn: Callable[..., Any], args: tuple[Any, ...], begin: str) -> Any:
    """Run ``fn(conn, *args)`` between ``begin`` and COMMIT issued on the sqlite3
    connection itself (ROLLBACK if it raises).

    SQLAlchemy's own transaction (``conn.begin()``, its events, its commit) cost more
    than a small SQLite transaction; here SQLAlchemy only executes the statements. When
    ``fn`` uses SQLAlchemy Core, SQLAlchemy opens a transaction of its own in name only
    (pysqlite's BEGIN does nothing; the real one is ours), which is closed after ours.
    """
    raw = conn.connection.driver_connection
    raw.execute(begin)
    try:
        result = fn(conn, *args)
    except BaseException:
        if raw.in_transaction:
            raw.execute("ROLLBACK")
        if conn.in_transaction():
            conn.rollback()
        raise
    raw.execute("COMMIT")
    if conn.in_transaction():
        conn.commit()  # nothing left to commit: only SQLAlchemy's bookkeeping
    return result


def _is_busy(exc: BaseException) -> bool:
    """Whether SQLite said another connection holds the lock (nothing was done)."""
    orig = getattr(exc, "orig", exc)
    code = getattr(orig, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in (_SQLITE_BUSY, _SQLITE_LOCKED)
    text = str(orig).lower()
    return "locked" in text or "busy" in text


def _close_inline(conn: Connection, busy_timeout_ms: int) -> None:
    """Give the loop's connection back with the busy timeout every other one has."""
    try:
        if not conn.closed and not conn.invalidated:
            raw = conn.connection.driver_connection
            raw.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
            raw.execute("PRAGMA wal_autocheckpoint=1000")
        conn.close()
    except Exception:  # closing is best effort
        pass


def _switch_to_wal(cursor: sqlite3.Cursor, busy_timeout_ms: int) -> None:
    """``PRAGMA journal_mode=WAL``, waiting for the lock like any statement would.

    Turning a database that is not yet in WAL mode (one made by another program, or a
    copy) into WAL needs it to itself, and SQLite answers "locked" at once, without its
    busy handler, while another process has it open: two box offices starting together
    on such a file must take turns, not fail.
    """
    deadline = time.monotonic() + busy_timeout_ms / 1000
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if not _is_busy(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def _configure_sqlite(engine: Engine, busy_timeout_ms: int) -> None:
    """WAL, busy timeout, and no transaction of the driver's own (see ``_raw_transact``)."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: sqlite3.Connection, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves (no autocommit in 3.11)
        cursor = dbapi_conn.cursor()
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        _switch_to_wal(cursor, busy_timeout_ms)
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()
