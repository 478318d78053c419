"""Connecting to a database, and what its driver's errors mean in words.

Every ``Store`` and the start-up check (``backend.integrity``) get their engine from
``make_engine``, so a database is always opened the same way. SQLite is set up for many
processes on one data directory: WAL, ``busy_timeout``, and ``synchronous=NORMAL`` (a
committed transaction survives a killed process; only a power cut may lose the last
few); the driver's own transaction handling is switched off, as the store issues
``BEGIN`` itself. Any other SQLAlchemy URL (PostgreSQL) gets a plain pooled engine.

Driver errors become ``StorageError`` with a sentence a clerk can act on (``explain``):
the person at the terminal can close the program holding a lock or restore a damaged
file, but can do nothing with a driver's message.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlalchemy.exc import DatabaseError as SADatabaseError

from backend.errors import DatabaseUnreachable, StorageError
from backend.private_files import DIRECTORY_MODE, FILE_MODE

#: SQLite's primary result codes for "another connection holds the lock".
SQLITE_BUSY, SQLITE_LOCKED = 5, 6


def sqlite_url(path: Path) -> str:
    """The SQLAlchemy URL of a SQLite file."""
    return f"sqlite:///{path}"


def explain(name: str, where: str, exc: BaseException) -> StorageError:
    """A driver error about the ``name`` database at ``where`` as a sentence for the
    person at the terminal."""
    orig = getattr(exc, "orig", exc)
    text = str(orig).lower()
    if type(orig).__module__.startswith("psycopg"):
        said = _explain_server(name, where, text, getattr(orig, "sqlstate", None))
        if said is not None:
            return said
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


#: What a PostgreSQL server says (lower case) when it cannot be reached, or went away
#: under a connection: the clerk can only wait or call whoever runs the server.
_UNREACHABLE = (
    "connection refused", "could not connect", "connection failed", "failed to resolve host",
    "name or service not known", "no route to host", "timeout expired", "timed out",
    "server closed the connection", "terminating connection", "the database system is",
    "connection is closed", "connection is lost", "consuming input failed",
    "network is unreachable", "connection reset", "broken pipe", "ssl syscall error",
)
#: SQLSTATE classes and codes of a server going away: 08 connection exception, 57P01-03
#: (shut down by its administrator, crash, cannot connect now).
_GONE_STATES = ("57P01", "57P02", "57P03")
#: Serialization failure and deadlock: another transaction won; nothing was done.
_CONFLICT_STATES = ("40001", "40P01")


def _explain_server(name: str, where: str, text: str, sqlstate: str | None
                    ) -> StorageError | None:
    """A PostgreSQL error (psycopg) in words, or None for the general sentences."""
    server = where.split("/", 1)[0] or "the local socket"
    if "does not exist" in text and ("database" in text or "role" in text):
        what = "database" if "database" in text else "user"
        return StorageError(
            f"The {name} database ({where}) cannot be opened: the PostgreSQL server at "
            f"{server} has no such {what}. Create it (docs/postgres.md) or correct "
            f"{name}_db_url."
        )
    if "authentication failed" in text or "no pg_hba.conf entry" in text:
        return StorageError(
            f"The PostgreSQL server at {server} refused the {name} database's login. Check "
            f"the user and password of {name}_db_url and the server's pg_hba.conf."
        )
    if (sqlstate or "").startswith("08") or sqlstate in _GONE_STATES or any(
            phrase in text for phrase in _UNREACHABLE):
        return DatabaseUnreachable(
            f"The {name} database cannot be reached: the PostgreSQL server at {server} "
            "is not answering. It is tried again by itself; once the server is back, "
            "repeat what you were doing (check that the server is running and reachable "
            "from this machine).",
            key="storage.unreachable", service=name, server=server,
        )
    if sqlstate in _CONFLICT_STATES:
        return StorageError(
            f"The {name} database ({where}) is busy with another box office's change. "
            "Nothing was changed; try again."
        )
    return None


def where_of(url: str) -> str:
    """Where a database is, for messages: its file, or its server and name (never a
    user or password)."""
    if url.startswith("sqlite"):
        return url.split("///", 1)[1] if "///" in url else "memory"
    try:
        parsed = make_url(url)
    except ArgumentError:
        return url.split("@")[-1].split("?")[0]
    host = parsed.host or str(parsed.query.get("host") or "") or "localhost"
    port = f":{parsed.port}" if parsed.port else ""
    return f"{host}{port}/{parsed.database or ''}"


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


def is_busy(exc: BaseException) -> bool:
    """Whether SQLite said another connection holds the lock (nothing was done)."""
    orig = getattr(exc, "orig", exc)
    code = getattr(orig, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in (SQLITE_BUSY, SQLITE_LOCKED)
    text = str(orig).lower()
    return "locked" in text or "busy" in text


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
            if not is_busy(exc) or time.monotonic() > deadline:
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
