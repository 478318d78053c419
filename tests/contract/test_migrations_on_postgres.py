"""The migrations on PostgreSQL: a fresh server database is brought to the code's schema,
a revision added later applies to one already in use, and two box offices starting
together migrate it once (PostgreSQL's advisory lock, where SQLite has BEGIN IMMEDIATE).

Upgrading v0.1.0's data directories (SQLite files) is SQLite's alone:
``tests/test_migrations.py``.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, inspect, text

from backend import BoxOffice, Settings
from backend.integrity import check_at_start
from backend.messaging.messages import SERVICES
from backend.schema import migrations
from tests.test_migrations import SECOND_REVISION


def on_postgres(tmp_path: Path, postgres_url: Callable[..., str]) -> Settings:
    """A cinema with all four services on fresh PostgreSQL databases."""
    urls = {f"{service}_db_url": postgres_url(service) for service in SERVICES}
    return Settings(data_dir=tmp_path / "data", **urls)


def payment_schema(url: str) -> tuple[str, set[str], set[str]]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            version = conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
            found = inspect(conn)
            columns = {c["name"] for c in found.get_columns("payments")}
            return version, columns, set(found.get_table_names())
    finally:
        engine.dispose()


def test_a_fresh_server_database_is_made_at_the_head(tmp_path: Path, postgres_url: Any):
    settings = on_postgres(tmp_path, postgres_url)
    plans = check_at_start(settings)
    for service in SERVICES:
        head = migrations.script_for(service).get_current_head()
        assert plans[service].head == head and not plans[service].adopt
    assert check_at_start(settings)["payment"].steps == []  # the second start: nothing to do


async def test_a_later_migration_applies_to_a_database_in_use(
        tmp_path: Path, postgres_url: Any, monkeypatch: Any):
    settings = on_postgres(tmp_path, postgres_url)
    async with BoxOffice.open(settings):
        pass
    before = payment_schema(settings.database_url("payment"))
    assert "note" not in before[1] and "payment_receipts" not in before[2]
    versions = _with_second_revision(tmp_path, monkeypatch)
    assert versions.exists()
    plan = check_at_start(settings)["payment"]
    assert plan.steps == ["payment_test_0002"]
    version, columns, tables = payment_schema(settings.database_url("payment"))
    assert version == "payment_test_0002" and "note" in columns and "payment_receipts" in tables
    async with BoxOffice.open(settings):  # and the box office starts on it
        pass


def test_two_box_offices_starting_together_migrate_once(
        tmp_path: Path, postgres_url: Any, monkeypatch: Any):
    settings = on_postgres(tmp_path, postgres_url)
    check_at_start(settings)  # in use at the code's head
    _with_second_revision(tmp_path, monkeypatch)
    together = threading.Barrier(2)
    results: list[Any] = []

    def start() -> None:
        together.wait()
        try:
            results.append(check_at_start(settings)["payment"].steps)
        except Exception as exc:  # noqa: BLE001 - reported below, with the other start's
            results.append(exc)

    starts = [threading.Thread(target=start) for _ in range(2)]
    for thread in starts:
        thread.start()
    for thread in starts:
        thread.join(timeout=60)
    assert sorted(results, key=len) == [[], ["payment_test_0002"]], results
    assert payment_schema(settings.database_url("payment"))[0] == "payment_test_0002"


def _with_second_revision(tmp_path: Path, monkeypatch: Any) -> Path:
    """The code's histories plus a later payment revision (the one
    ``tests/test_migrations.py`` adds), from now on."""
    versions = tmp_path / "versions"
    shutil.copytree(migrations.VERSIONS, versions, ignore=shutil.ignore_patterns("__pycache__"))
    head = migrations.script_for("payment").get_current_head()
    (versions / "payment" / "r0002_test.py").write_text(SECOND_REVISION.format(head=head))
    monkeypatch.setattr(migrations, "VERSIONS", versions)
    return versions
