"""How the services talk to their databases: plain SQL text, one helper, one result type.

Every query of the services, the journal and the dead letters is a ``SQL`` statement
run with ``run(conn, sql, params)`` (or ``Tx.run`` inside a handler), and every result
is a ``Rows``, whatever the engine. One idiom, for three reasons:

* Speed on the hot path. Every message and every booking runs a handful of statements;
  building and compiling a SQLAlchemy expression costs several times what SQLite itself
  takes for them on a small machine. Text is handed to the driver as it is.
* The shared subset. Only SQL that SQLite and PostgreSQL both speak is written here
  (``ON CONFLICT ... DO UPDATE / DO NOTHING``, ``RETURNING``, ``count(*)``, ``EXISTS``),
  so one statement serves both; the one exception (``FOR UPDATE SKIP LOCKED`` when the
  journal claims mail) is chosen by ``Store.is_sqlite`` next to the statement.
* One thing to read. A reader sees the statement the database runs, not an expression
  that becomes it, and need not know two query languages to follow a handler.

Values are always bound parameters (``:name``), never put into the text. A statement
whose shape depends on the call (a search's filters, an ``IN`` list) is put together
from fixed fragments and ``in_list`` and made once per shape with ``SQL.of``.

The schema itself stays declared as SQLModel tables (``backend/services/*/model.py``),
which Alembic's migrations (``backend/schema``) and ``Store.open`` create from; the
start-up check (``backend.integrity``) and the migrations run outside the services on
plain SQLAlchemy connections and keep SQLAlchemy's ``text()``, as they are schema work,
not the services' queries.
"""

from __future__ import annotations

import re
from collections import namedtuple
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Protocol

from sqlalchemy.engine import Connection, CursorResult

#: A statement's parameters: one dict, or a list of dicts to run it once per dict.
Params = Mapping[str, Any] | list[Mapping[str, Any]]


class SQL:
    """A statement written once, in plain SQL with ``:name`` parameters.

    The text is kept as the driver wants it: as written (whitespace folded) for sqlite3,
    and with ``%(name)s`` markers (and any ``%`` doubled) for psycopg.
    """

    __slots__ = ("pg_text", "text")

    def __init__(self, text: str) -> None:
        self.text = " ".join(text.split())
        self.pg_text = _NAMED.sub(r"%(\1)s", self.text.replace("%", "%%"))

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


class Row(Protocol):
    """A result row: a named tuple, read by column name (``row.status``), by position
    (``row[0]``, unpacking) or as a mapping (``row._mapping``). ``_replace`` gives the
    row as it would read after a change, without reading it again."""

    @property
    def _mapping(self) -> Mapping[str, Any]: ...

    def __getattr__(self, name: str) -> Any: ...

    def __getitem__(self, index: int) -> Any: ...

    def __iter__(self) -> Iterator[Any]: ...

    def __len__(self) -> int: ...

    def _replace(self, **changes: Any) -> Row: ...


class Cursor(Protocol):
    """What ``Rows`` reads from: a DB-API cursor (or SQLAlchemy's result over one)."""

    @property
    def rowcount(self) -> int: ...

    def fetchone(self) -> Any: ...

    def fetchall(self) -> Sequence[Any]: ...

    def __iter__(self) -> Iterator[Any]: ...


class Rows:
    """The result of ``run`` on every engine: ``first``, ``all``, ``scalar_one``,
    ``rowcount`` and iteration, each row a ``Row``.

    On SQLite it reads the sqlite3 cursor itself (``Rows(cursor)``); elsewhere it reads
    the result of ``exec_driver_sql`` (``Rows.of_result``). Either way a row is the same
    named tuple, so no caller needs to know which engine answered. Like a cursor, a
    ``Rows`` is read once.
    """

    __slots__ = ("_cls", "_names", "_source")

    def __init__(self, cursor: Cursor) -> None:
        self._source = cursor
        #: Column names; None until needed, then read from the cursor's description.
        self._names: tuple[str, ...] | None = None
        self._cls: Any = None

    @classmethod
    def of_result(cls, result: CursorResult[Any]) -> Rows:
        """The rows of a SQLAlchemy result (the engines other than SQLite)."""
        rows = cls(result)
        rows._names = tuple(result.keys()) if result.returns_rows else ()
        return rows

    def _make(self, row: Sequence[Any]) -> Row:
        cls = self._cls
        if cls is None:
            names = self._names
            if names is None:
                names = tuple(d[0] for d in self._source.description)  # type: ignore[attr-defined]
            cls = self._cls = _row_class(names)
        return cls._make(row)  # type: ignore[no-any-return]

    @property
    def rowcount(self) -> int:
        """Rows changed by an INSERT, UPDATE or DELETE (summed over an ``executemany``)."""
        return self._source.rowcount

    def first(self) -> Row | None:
        """The next row, or None."""
        row = self._source.fetchone()
        return None if row is None else self._make(row)

    def all(self) -> list[Row]:
        """Every row left."""
        return [self._make(r) for r in self._source.fetchall()]

    def scalar_one(self) -> Any:
        """The first column of the next row; LookupError if there is none."""
        row = self._source.fetchone()
        if row is None:
            raise LookupError("no row")
        return row[0]

    def __iter__(self) -> Iterator[Row]:
        return (self._make(r) for r in self._source)


_ROW_CLASSES: dict[tuple[str, ...], Any] = {}


def _row_class(names: tuple[str, ...]) -> Any:
    """A named tuple class per column list (``count(*)`` and the like get ``_1`` names)."""
    cls = _ROW_CLASSES.get(names)
    if cls is None:
        cls = namedtuple("Row", names, rename=True)  # type: ignore[misc]
        cls._mapping = property(lambda self: self._asdict())
        _ROW_CLASSES[names] = cls
    return cls


def run(conn: Connection, sql: SQL, params: Params | None = None) -> Rows:
    """Execute ``sql`` on ``conn`` with a dict of parameters (or a list, for many rows).

    On SQLite the statement goes straight to the sqlite3 connection underneath (same
    transaction), which costs a fraction of a trip through SQLAlchemy; elsewhere it goes
    through ``exec_driver_sql``, so the driver's errors are SQLAlchemy's as for any
    statement. Either way the answer is a ``Rows``.
    """
    if params is None:
        params = {}
    if conn.dialect.name != "sqlite":
        return Rows.of_result(conn.exec_driver_sql(sql.pg_text, params))  # type: ignore[arg-type]
    raw = conn.connection.driver_connection
    if isinstance(params, list):
        return Rows(raw.executemany(sql.text, params))  # type: ignore[union-attr]
    return Rows(raw.execute(sql.text, params))  # type: ignore[union-attr]


def in_list(name: str, values: Sequence[Any]) -> tuple[str, dict[str, Any]]:
    """``(:name0, :name1, ...)`` and its parameters, for an ``IN`` clause.

    Give it at least one value: ``IN ()`` is SQLite's extension, not PostgreSQL's, so
    callers with nothing to look for skip the statement instead.
    """
    keys = [f"{name}{i}" for i in range(len(values))]
    return "(" + ", ".join(":" + k for k in keys) + ")", dict(zip(keys, values))
