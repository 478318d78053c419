"""One service's database: honest transactions, and an event loop never blocked.

Each service owns one ``Store`` and nothing else touches its tables. ``write`` runs a
function in one transaction that begins ``BEGIN IMMEDIATE`` on SQLite, so the write lock
is taken up front and two processes never deadlock upgrading a read lock. The function
is plain sync code: there is no way to await a remote call inside a transaction.
Inside it the services speak one idiom, plain SQL text through ``backend.sql`` (``SQL``,
``run``, ``Rows``, ``in_list``; that module says why), re-exported here for callers that
import them from ``backend.storage``.

Where a transaction runs: on SQLite, on the event loop's own thread when the lock can
be had at once (a SQLite transaction costs less than a hop to a thread and back, and
threads only fight over the GIL), and on the store's writer (or reader) thread when it
cannot, where it waits up to the busy timeout; so the loop never waits on a lock held
by another process. Drivers that talk over a network (psycopg) always run on the
threads: one writer thread serialises this process's writes, one reader thread serves
views.

How a database is opened (WAL, busy timeout...) and how a driver's error is put in
words live in ``backend.engine``. Any other SQLAlchemy URL (PostgreSQL) works with the
same code; ``is_sqlite`` is the only place the dialect shows.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Table
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError

from backend.engine import (  # noqa: F401 - re-exported: callers import these from here
    check_directory,
    explain,
    is_busy,
    make_engine,
    sqlite_url,
    where_of,
)
from backend.errors import DatabaseUnreachable, StorageError
from backend.private_files import tighten_database_files
from backend.sql import SQL, Row, Rows, in_list, run  # noqa: F401 - re-exported

T = TypeVar("T")


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
        #: While the database server is not answering: what the last attempt was told (a
        #: sentence); None once a transaction gets through again. Every transaction is
        #: a probe, and the status line's health poll makes one a second, so a clerk
        #: sees "unreachable, retrying" go away by itself when the server is back.
        self.unreachable: str | None = None
        #: Bumped when the server was found unreachable: every thread's connection made
        #: before then is suspect, and is checked (the pool's pre-ping) before its next
        #: transaction, rather than each failing one transaction of its own.
        self._generation = 0
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
            if is_busy(exc):
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
        if conn is not None and not self.is_sqlite:
            # A server connection idle for a while, or made before the server was last
            # found away, may have been cut (a restart, a network blip): it goes back to
            # the pool, whose pre-ping checks it on the way out and replaces it if dead.
            # A transaction then never fails just because its connection was stale.
            now = time.monotonic()
            if (now - self._local.used > IDLE_CHECK_S
                    or self._local.generation != self._generation):
                conn.close()
                conn = None
            self._local.used = now
        if conn is None or conn.closed:
            assert self._engine is not None
            conn = self._engine.connect()
            self._local.conn = conn
            self._local.used = time.monotonic()
            self._local.generation = self._generation
        return conn

    def _drop_thread_connection(self) -> None:
        conn = getattr(self._local, "conn", None)
        self._local.conn = None
        if conn is not None:
            conn.close()

    async def _run(self, pool: ThreadPoolExecutor, fn: Callable[..., T], *args: Any) -> T:
        loop = asyncio.get_running_loop()
        try:
            result = await loop.run_in_executor(pool, fn, *args)
        except (DBAPIError, sqlite3.Error) as exc:
            said = self._explain(exc)
            if isinstance(said, DatabaseUnreachable):
                self.unreachable = str(said)
                self._generation += 1
            raise said from exc
        self.unreachable = None
        return result

    def _explain(self, exc: Exception) -> StorageError:
        """Turn a driver error into a sentence for the person at the terminal."""
        return explain(self.name, self.where, exc)


#: Seconds a server (PostgreSQL) connection may sit idle before it is checked before use.
IDLE_CHECK_S = 1.0
#: Inline write commits between two checkpoints run on the writer thread (a commit adds
#: some 10-40 pages to the WAL; SQLite's own default is a checkpoint per 1000 pages).
CHECKPOINT_EVERY = 50
#: WAL pages after which the loop's connection checkpoints itself (SQLite's default is
#: 1000; at 4 KiB a page the WAL file stays under about 16 MiB).
INLINE_AUTOCHECKPOINT = 4000

_BEGIN_WRITE = "BEGIN IMMEDIATE"
_BEGIN_READ = "BEGIN"


def _create_tables(conn: Connection, tables: Sequence[Table]) -> None:
    for table in tables:
        table.create(conn, checkfirst=True)


def _raw_transact(conn: Connection, fn: Callable[..., Any], args: tuple[Any, ...], begin: str) -> Any:
    """Run ``fn(conn, *args)`` between ``begin`` and COMMIT issued on the sqlite3
    connection itself (ROLLBACK if it raises).

    SQLAlchemy's own transaction (``conn.begin()``, its events, its commit) cost more
    than a small SQLite transaction; here SQLAlchemy only hands out the connection. When
    ``fn`` executes through SQLAlchemy (``Store.open`` creating tables, a test's
    ``conn.execute``), SQLAlchemy opens a transaction of its own in name only (pysqlite's
    BEGIN does nothing; the real one is ours), which is closed after ours.
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
