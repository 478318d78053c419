"""A migration added after a release applies to an upgraded and to a fresh data directory,
and two box offices starting together on an old data directory migrate it once."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from backend import BoxOffice, Settings
from backend.integrity import check_at_start
from backend.schema import migrations

FIXTURE = Path(__file__).parent / "fixtures" / "v0.1.0-data"

#: A second payment revision, as a later release might add it: a new nullable column on
#: an existing table (batch mode, so it works on SQLite as on PostgreSQL) and a new table.
SECOND_REVISION = '''
"""Payments get a note; receipts get a table."""
import sqlalchemy as sa
from alembic import op

revision = "payment_test_0002"
down_revision = "{head}"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("payments") as batch:
        batch.add_column(sa.Column("note", sa.String(), nullable=True))
    op.create_table(
        "payment_receipts",
        sa.Column("payment_id", sa.String(), primary_key=True),
        sa.Column("printed_at", sa.Float(), nullable=False),
    )
'''


@pytest.fixture
def later_versions(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The code's migration histories plus a second payment revision."""
    versions = tmp_path / "versions"
    shutil.copytree(migrations.VERSIONS, versions,
                    ignore=shutil.ignore_patterns("__pycache__"))
    head = migrations.script_for("payment").get_current_head()
    (versions / "payment" / "r0002_test.py").write_text(SECOND_REVISION.format(head=head))
    monkeypatch.setattr(migrations, "VERSIONS", versions)
    return versions


def payment_schema(db: Path) -> tuple[str, set[str], set[str]]:
    with sqlite3.connect(db) as conn:
        version = conn.execute("SELECT version_num FROM alembic_version").fetchone()[0]
        columns = {r[1] for r in conn.execute("PRAGMA table_info(payments)")}
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    return version, columns, tables


@pytest.mark.parametrize("start", ["v0.1.0", "fresh"])
async def test_a_later_migration_applies(tmp_path, later_versions, start):
    data = tmp_path / "cinema"
    if start == "v0.1.0":
        shutil.copytree(FIXTURE, data)
    plan = check_at_start(Settings(data_dir=data))["payment"]  # as the box office starts
    assert plan.steps[-1] == "payment_test_0002"
    assert plan.adopt == (start == "v0.1.0")
    async with BoxOffice.open(Settings(data_dir=data)):
        pass
    version, columns, tables = payment_schema(data / "payment.db")
    assert version == "payment_test_0002"
    assert "note" in columns and "change" in columns
    assert "payment_receipts" in tables
    assert check_at_start(Settings(data_dir=data))["payment"].steps == []  # nothing to do


def test_two_box_offices_starting_together_migrate_once(tmp_path, later_versions):
    data = tmp_path / "cinema"
    shutil.copytree(FIXTURE, data)
    start_at = time.time() + 3.0
    children = [
        subprocess.Popen(
            [sys.executable, str(Path(__file__).parent / "migrating_process.py"),
             str(later_versions), str(data), str(start_at)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        for _ in range(2)
    ]
    results = []
    for child in children:
        out, err = child.communicate(timeout=90)
        assert child.returncode == 0, err
        results.append(json.loads(out.strip().splitlines()[-1]))
    for service in ("reservation", "payment", "cinema", "information"):
        adopted = [r[service] for r in results if r[service]["adopted"]]
        assert len(adopted) == 1, (service, results)
    migrated = [r["payment"]["steps"] for r in results if r["payment"]["steps"]]
    assert len(migrated) == 1 and migrated[0][-1] == "payment_test_0002", results
    assert payment_schema(data / "payment.db")[0] == "payment_test_0002"
