"""The storage contract: what the services rely on from ``Store`` and ``backend.sql``.

``StorageContract`` holds the tests; an engine takes part by subclassing it and giving
the ``url`` fixture (an empty database of its own per test). ``TestSQLiteStorage`` runs
them on a real SQLite file, ``TestStorageOnPostgres`` on a fresh database of a throwaway
PostgreSQL server (``tests/postgres.py``). On SQLite every test runs twice, on the event
loop's own connection and on the store's threads (``Settings.sqlite_inline`` on and off):
both paths must behave the same; PostgreSQL has only the threads. What only one engine
can show (SQLite's lock and damaged file, a server that is unreachable or drops its
connections) is tested in that engine's subclass.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Boolean, Column, Integer, MetaData, String, Table

from backend.errors import StorageError
from backend.messaging.journal import Tx
from backend.settings import Settings
from backend.sql import SQL, Rows, in_list, run
from backend.storage import Store, sqlite_url

ITEMS = Table(
    "contract_items",
    MetaData(),
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String, nullable=False, unique=True),
    Column("qty", Integer, nullable=False),
    Column("seq", Integer, nullable=False, server_default="0"),
    Column("flag", Boolean, nullable=False, server_default="0"),
)

ADD = SQL("INSERT INTO contract_items (name, qty) VALUES (:name, :qty)")
ADD_NEW = SQL(ADD.text + " ON CONFLICT (name) DO NOTHING")
ADD_RETURNING = SQL(ADD.text + " RETURNING id")
ALL = SQL("SELECT id, name, qty, seq, flag FROM contract_items ORDER BY name")
BY_NAME = SQL("SELECT id, name, qty FROM contract_items WHERE name = :name")
COUNT = SQL("SELECT count(*) FROM contract_items")
NAMES = SQL("SELECT name FROM contract_items ORDER BY name")
#: Newer news wins: the upsert the information service's seat view makes.
UPSERT = SQL(
    "INSERT INTO contract_items (name, qty, seq) VALUES (:name, :qty, :seq)"
    " ON CONFLICT (name) DO UPDATE SET qty = excluded.qty, seq = excluded.seq"
    " WHERE excluded.seq >= contract_items.seq"
)


def names(conn: Any) -> list[str]:
    return [r.name for r in run(conn, NAMES)]


class StorageContract:
    """The tests every engine must pass. Subclasses give ``url``."""

    @pytest.fixture
    def url(self, tmp_path: Path) -> str:
        raise NotImplementedError("an engine's subclass names its database")

    @pytest.fixture(params=[True, False], ids=["inline", "threaded"])
    def settings(self, request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
        return Settings(data_dir=tmp_path / "data", sqlite_inline=request.param)

    @pytest.fixture
    async def store(self, url: str, settings: Settings) -> AsyncIterator[Store]:
        store = await self.open_store(url, settings)
        try:
            yield store
        finally:
            await store.close()

    async def open_store(self, url: str, settings: Settings, **kwargs: Any) -> Store:
        """A store as the box office makes one (``backend.bootstrap``), open."""
        store = Store("contract", url, [ITEMS], **kwargs)
        store.inline = store.is_sqlite and settings.sqlite_inline
        await store.open()
        return store

    # --- transactions -------------------------------------------------------------------

    async def test_the_path_taken_is_the_one_configured(self, store: Store, settings: Settings):
        # the inline and threaded runs below are two different paths, not one path twice
        where: list[int] = []
        await store.write(lambda conn: where.append(threading.get_ident()))
        await store.read(lambda conn: where.append(threading.get_ident()))
        on_loop = [w == threading.get_ident() for w in where]
        assert on_loop == [store.inline, store.inline]
        assert store.inline == (store.is_sqlite and settings.sqlite_inline)

    async def test_write_commits_and_read_sees_it(self, store: Store, url: str, settings: Settings):
        await store.write(lambda conn: run(conn, ADD, {"name": "a", "qty": 1}))
        assert await store.read(names) == ["a"]
        other = await self.open_store(url, settings)  # another process's store
        try:
            assert await other.read(names) == ["a"]
        finally:
            await other.close()
        assert store.commits["write"] == 1 and store.commits["read"] == 1

    async def test_write_returns_what_the_function_returns(self, store: Store):
        def add(conn: Any, name: str) -> int:
            return run(conn, ADD_RETURNING, {"name": name, "qty": 1}).scalar_one()

        first = await store.write(add, "a")
        second = await store.write(add, "b")
        assert isinstance(first, int) and second != first

    async def test_an_exception_rolls_the_whole_write_back(self, store: Store):
        await store.write(lambda conn: run(conn, ADD, {"name": "kept", "qty": 1}))

        def half_done(conn: Any) -> None:
            run(conn, ADD, {"name": "a", "qty": 1})
            run(conn, SQL("UPDATE contract_items SET qty = 99"))
            raise ValueError("changed my mind")

        with pytest.raises(ValueError, match="changed my mind"):  # not turned into anything
            await store.write(half_done)
        assert await store.read(lambda conn: run(conn, ALL).all()) == [(1, "kept", 1, 0, False)]
        # and the store goes on
        await store.write(lambda conn: run(conn, ADD, {"name": "b", "qty": 2}))
        assert await store.read(names) == ["b", "kept"]

    async def test_a_failing_statement_rolls_back_and_says_so(self, store: Store):
        def twice(conn: Any) -> None:
            run(conn, ADD, {"name": "a", "qty": 1})
            run(conn, ADD, {"name": "a", "qty": 2})  # the name is unique

        with pytest.raises(StorageError, match=r"^The contract database \(.+\) (refused|failed)"):
            await store.write(twice)
        assert await store.read(names) == []
        await store.write(lambda conn: run(conn, ADD, {"name": "a", "qty": 1}))  # goes on
        assert await store.read(names) == ["a"]

    async def test_a_closed_store_says_so(self, store: Store):
        await store.close()
        with pytest.raises(StorageError, match="The contract database is closed"):
            await store.write(names)
        with pytest.raises(StorageError, match="The contract database is closed"):
            await store.read(names)

    async def test_racing_claims_of_one_key_are_won_once(self, store: Store, url: str,
                                                         settings: Settings):
        # two box offices (two stores) claim the same seats at once: the database, not
        # Python, decides, and every seat is taken by exactly one claim
        other = await self.open_store(url, settings)
        try:
            def claim(conn: Any, name: str) -> int:
                return run(conn, ADD_NEW, {"name": name, "qty": 1}).rowcount

            seats = [f"seat{i}" for i in range(20)]
            won = await asyncio.gather(*(s.write(claim, seat) for seat in seats
                                         for s in (store, other)))
            assert sum(won) == len(seats) and set(won) == {0, 1}
            assert await other.read(names) == sorted(seats)
        finally:
            await other.close()

    # --- results ------------------------------------------------------------------------

    async def test_run_returns_rows_on_every_statement(self, store: Store):
        def kinds(conn: Any) -> list[Any]:
            return [
                run(conn, ADD, {"name": "a", "qty": 1}),
                run(conn, ADD, [{"name": "b", "qty": 2}]),
                run(conn, ALL),
                run(conn, SQL("UPDATE contract_items SET qty = qty")),
            ]

        assert all(type(r) is Rows for r in await store.write(kinds))
        assert type(await store.read(lambda conn: run(conn, COUNT))) is Rows

    async def test_rows_read_by_name_position_and_mapping(self, store: Store):
        await store.write(lambda conn: run(conn, ADD, {"name": "a", "qty": 3}))
        row = await store.read(lambda conn: run(conn, BY_NAME, {"name": "a"}).first())
        assert (row.name, row.qty) == ("a", 3)
        assert row[1:] == ("a", 3)
        _id, name, qty = row
        assert (name, qty) == ("a", 3)
        assert dict(row._mapping) == {"id": row.id, "name": "a", "qty": 3}
        assert row._replace(qty=4).qty == 4  # as it reads after a change (reservation)

    async def test_first_all_scalar_one_and_iteration(self, store: Store):
        await store.write(
            lambda conn: run(conn, ADD, [{"name": n, "qty": i} for i, n in enumerate("cab")])
        )

        def read(conn: Any) -> tuple[Any, ...]:
            everything = run(conn, NAMES)
            first = everything.first()
            rest = everything.all()  # what is left: a result is read once
            return (
                first.name,
                [r.name for r in rest],
                [r.name for r in run(conn, NAMES)],
                run(conn, COUNT).scalar_one(),
                run(conn, BY_NAME, {"name": "zz"}).first(),
                run(conn, BY_NAME, {"name": "zz"}).all(),
            )

        assert await store.read(read) == ("a", ["b", "c"], ["a", "b", "c"], 3, None, [])

    async def test_scalar_one_of_nothing_is_an_error(self, store: Store):
        with pytest.raises(LookupError):
            await store.read(lambda conn: run(conn, BY_NAME, {"name": "zz"}).scalar_one())

    async def test_rowcount_counts_changed_rows(self, store: Store):
        def change(conn: Any) -> list[int]:
            return [
                run(conn, ADD, {"name": "a", "qty": 1}).rowcount,
                run(conn, ADD, [{"name": "b", "qty": 1}, {"name": "c", "qty": 2}]).rowcount,
                run(conn, SQL("UPDATE contract_items SET qty = 5 WHERE qty = 1")).rowcount,
                run(conn, SQL("UPDATE contract_items SET qty = 5 WHERE name = 'zz'")).rowcount,
                run(conn, SQL("DELETE FROM contract_items WHERE name = :n"), {"n": "c"}).rowcount,
            ]

        assert await store.write(change) == [1, 2, 2, 0, 1]

    async def test_rows_over_a_sqlalchemy_result_read_the_same(self, store: Store):
        # engines other than SQLite answer through SQLAlchemy's result (Rows.of_result)
        await store.write(lambda conn: run(conn, ADD, [{"name": "a", "qty": 1}, {"name": "b", "qty": 2}]))

        def driver(conn: Any, sql: SQL, params: Any = None) -> Rows:
            text = sql.text if store.is_sqlite else sql.pg_text
            return Rows.of_result(conn.exec_driver_sql(text, params or {}))

        def both(conn: Any) -> list[Any]:
            return [
                driver(conn, ALL).all(), run(conn, ALL).all(),
                driver(conn, BY_NAME, {"name": "b"}).first(), run(conn, BY_NAME, {"name": "b"}).first(),
                driver(conn, BY_NAME, {"name": "zz"}).first(),
                driver(conn, COUNT).scalar_one(), [r.name for r in driver(conn, NAMES)],
                driver(conn, SQL("UPDATE contract_items SET qty = qty + 1")).rowcount,
            ]

        rows, same_rows, row, same_row, nothing, count, listed, changed = await store.write(both)
        assert rows == same_rows and type(rows[0]) is type(same_rows[0])
        assert row == same_row and row.qty == 2 and row._mapping["name"] == "b"
        assert (nothing, count, listed, changed) == (None, 2, ["a", "b"], 2)

    async def test_executemany_with_a_list(self, store: Store):
        rows = [{"name": f"n{i}", "qty": i} for i in range(50)]
        await store.write(lambda conn: run(conn, ADD, rows))
        got = await store.read(lambda conn: run(conn, SQL("SELECT sum(qty) FROM contract_items")))
        assert got.scalar_one() == sum(range(50))

    async def test_booleans_go_in_as_parameters(self, store: Store):
        set_flag = SQL("UPDATE contract_items SET flag = :flag WHERE name = :name")

        def write(conn: Any) -> None:
            run(conn, ADD, [{"name": "a", "qty": 1}, {"name": "b", "qty": 1}])
            run(conn, set_flag, {"flag": True, "name": "a"})

        await store.write(write)
        unflagged = SQL("SELECT name FROM contract_items WHERE NOT flag")
        assert await store.read(lambda conn: [r.name for r in run(conn, unflagged)]) == ["b"]

    # --- the shared SQL subset ----------------------------------------------------------

    async def test_on_conflict_do_nothing_skips_taken_keys(self, store: Store):
        def add(conn: Any) -> list[int]:
            first = run(conn, ADD_NEW, {"name": "a", "qty": 1}).rowcount
            again = run(conn, ADD_NEW, [{"name": "a", "qty": 2}, {"name": "b", "qty": 3}])
            return [first, again.rowcount]

        # a seat claim or a ticket: the rowcount says how many were free to take
        assert await store.write(add) == [1, 1]
        rows = await store.read(lambda conn: [(r.name, r.qty) for r in run(conn, ALL)])
        assert rows == [("a", 1), ("b", 3)]

    async def test_on_conflict_do_update_with_a_condition(self, store: Store):
        async def upsert(qty: int, seq: int) -> None:
            await store.write(lambda conn: run(conn, UPSERT, {"name": "a", "qty": qty, "seq": seq}))

        await upsert(1, 5)
        await upsert(2, 7)
        await upsert(3, 6)  # older news: changes nothing
        rows = await store.read(lambda conn: [(r.qty, r.seq) for r in run(conn, ALL)])
        assert rows == [(2, 7)]

    async def test_returning(self, store: Store):
        def add(conn: Any) -> tuple[int, Any]:
            new_id = run(conn, ADD_RETURNING, {"name": "a", "qty": 1}).scalar_one()
            row = run(
                conn,
                SQL("UPDATE contract_items SET qty = qty + 1 WHERE id = :id RETURNING name, qty"),
                {"id": new_id},
            ).first()
            return new_id, row

        new_id, row = await store.write(add)
        assert (row.name, row.qty) == ("a", 2)
        assert await store.read(lambda conn: run(conn, BY_NAME, {"name": "a"}).first().id) == new_id

    async def test_in_list(self, store: Store):
        await store.write(
            lambda conn: run(conn, ADD, [{"name": n, "qty": 1} for n in ("a", "b", "c", "d")])
        )
        marks, params = in_list("n", ["d", "b", "zz"])
        assert marks == "(:n0, :n1, :n2)" and params == {"n0": "d", "n1": "b", "n2": "zz"}
        params["qty"] = 1
        sql = SQL.of(f"SELECT name FROM contract_items WHERE qty = :qty AND name IN {marks}")
        assert SQL.of(sql.text) is sql  # made once per shape
        got = await store.read(lambda conn: sorted(r.name for r in run(conn, sql, params)))
        assert got == ["b", "d"]

    async def test_tx_run_is_run(self, store: Store):
        # Tx.run (the handlers' shortcut) answers exactly as run does
        now = datetime(2026, 1, 1, tzinfo=UTC)

        def both(conn: Any) -> tuple[Any, ...]:
            tx = Tx(conn, now, "contract", store.is_sqlite)
            added = tx.run(ADD, [{"name": "a", "qty": 1}, {"name": "b", "qty": 2}])
            return (
                type(added), added.rowcount, tx.run(ALL).all(), run(conn, ALL).all(),
                type(tx.run(COUNT)),
            )

        kind, count, via_tx, via_run, kind_read = await store.write(both)
        assert (kind, kind_read, count) == (Rows, Rows, 2)
        assert via_tx == via_run and [r.name for r in via_tx] == ["a", "b"]


def test_sql_text_for_psycopg():
    sql = SQL(
        """
        SELECT x::text FROM t
        WHERE a = :a AND b LIKE '%b%'   AND c = :c_2
        """
    )
    assert sql.text == "SELECT x::text FROM t WHERE a = :a AND b LIKE '%b%' AND c = :c_2"
    assert sql.pg_text == "SELECT x::text FROM t WHERE a = %(a)s AND b LIKE '%%b%%' AND c = %(c_2)s"


class TestSQLiteStorage(StorageContract):
    """The contract on a real SQLite file, plus what only SQLite can show."""

    @pytest.fixture
    def url(self, tmp_path: Path) -> str:
        return sqlite_url(tmp_path / "data" / "contract.db")

    async def test_a_locked_database_is_explained(self, url: str, settings: Settings):
        store = await self.open_store(url, settings, busy_timeout_ms=100)
        other = sqlite3.connect(url.split("///", 1)[1], isolation_level=None)
        try:
            other.execute("BEGIN EXCLUSIVE")  # (in WAL mode readers still read)
            with pytest.raises(StorageError, match=r"\(.*contract\.db\) is locked by another"):
                await store.write(lambda conn: run(conn, ADD, {"name": "a", "qty": 1}))
            other.execute("ROLLBACK")
            await store.write(lambda conn: run(conn, ADD, {"name": "a", "qty": 1}))
            assert await store.read(names) == ["a"]  # works again once the lock is gone
        finally:
            other.close()
            await store.close()

    async def test_the_loop_is_never_blocked_by_a_lock(self, url: str, settings: Settings):
        store = await self.open_store(url, settings, busy_timeout_ms=5000)
        other = sqlite3.connect(url.split("///", 1)[1], isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")
            writing = asyncio.ensure_future(
                store.write(lambda conn: run(conn, ADD, {"name": "a", "qty": 1}))
            )
            await asyncio.sleep(0.2)
            assert not writing.done()  # waiting for the lock, on a thread: the loop runs on
            other.execute("ROLLBACK")
            await writing
            assert await store.read(names) == ["a"]
        finally:
            other.close()
            await store.close()

    async def test_a_damaged_file_is_explained(self, url: str):
        path = Path(url.split("///", 1)[1])
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"this is not a database" * 100)
        store = Store("contract", url, [ITEMS])
        with pytest.raises(StorageError, match=r"database file .*contract\.db is damaged"):
            await store.open()
        await store.close()
        assert path.read_bytes().startswith(b"this is not")  # left for the operator

    async def test_an_unwritable_directory_is_explained(self, tmp_path: Path):
        blocker = tmp_path / "file"
        blocker.write_text("x")
        store = Store("contract", sqlite_url(blocker / "contract.db"), [ITEMS])
        with pytest.raises(StorageError, match="data directory .* cannot be used"):
            await store.open()
        await store.close()


class TestStorageOnPostgres(StorageContract):
    """The contract on a real PostgreSQL server (``tests/postgres.py``), a fresh database
    per test, plus what only a server can show."""

    @pytest.fixture
    def url(self, postgres_url: Any) -> str:
        return postgres_url("contract")

    @pytest.fixture(params=[False], ids=["threaded"])
    def settings(self, request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
        # Transactions on the loop's own thread are SQLite's alone (a server is a network
        # trip away): on PostgreSQL both settings take the threads, so run that path once.
        return Settings(data_dir=tmp_path / "data", sqlite_inline=request.param)

    async def test_an_unreachable_server_is_explained(self, settings: Settings):
        from tests.postgres import free_port

        url = f"postgresql+psycopg://clerk:s3cret-pw@127.0.0.1:{free_port()}/contract"
        with pytest.raises(StorageError) as raised:
            await self.open_store(url, settings)
        said = str(raised.value)
        assert said.startswith("The contract database cannot be reached: the PostgreSQL "
                               f"server at 127.0.0.1:{url.rsplit(':', 1)[1].split('/')[0]} "
                               "is not answering.")
        assert "s3cret" not in said and "clerk" not in said

    async def test_a_missing_database_is_explained(self, postgres_server: Any,
                                                   settings: Settings):
        url = postgres_server.url("no_such_database")
        with pytest.raises(StorageError, match=r"^The contract database \(127\.0\.0\.1:\d+/"
                           r"no_such_database\) cannot be opened: the PostgreSQL server at "
                           r"127\.0\.0\.1:\d+ has no such database\."):
            await self.open_store(url, settings)

    async def test_a_dropped_connection_fails_one_write_and_the_store_goes_on(
            self, store: Store, url: str, postgres_server: Any):
        import psycopg

        await store.write(lambda conn: run(conn, ADD, {"name": "a", "qty": 1}))
        database = url.rsplit("/", 1)[1]
        with psycopg.connect(postgres_server.url().replace("+psycopg", ""),
                             autocommit=True) as admin:  # as when the server restarts
            ended = admin.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = %s AND pid <> pg_backend_pid()", (database,)).fetchone()
        assert ended is not None and ended[0] >= 1
        with pytest.raises(StorageError, match="cannot be reached: the PostgreSQL server"):
            await store.write(lambda conn: run(conn, ADD, {"name": "b", "qty": 1}))
        await store.write(lambda conn: run(conn, ADD, {"name": "c", "qty": 1}))  # reconnected
        assert await store.read(names) == ["a", "c"]
