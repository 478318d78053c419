"""The operator's commands, run as an operator runs them: ``cinema-tui check``, ``backup``,
``restore`` and ``migrate`` (real files; the backup taken while another process sells)."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from backend import BoxOffice, Settings
from backend.catalog import Catalog

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = Path(__file__).parent / "fixtures" / "v0.1.0-data"


def cinema_tui(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "cinema_tui", *args], capture_output=True,
                          text=True, timeout=timeout, cwd=ROOT, stdin=subprocess.DEVNULL)


@pytest.fixture
def old_data(tmp_path: Path) -> Path:
    data = tmp_path / "cinema"
    shutil.copytree(FIXTURE, data)
    return data


def test_check_passes_on_good_books_and_fails_on_damaged_ones(old_data):
    done = cinema_tui("check", "--data-dir", str(old_data))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "No problem found" in done.stdout and "6 bookings" in done.stdout
    # check changes nothing: the old databases are still unmigrated
    with sqlite3.connect(old_data / "payment.db") as conn:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
    assert "alembic_version" not in tables

    with sqlite3.connect(old_data / "cinema.db") as conn:
        conn.execute("DELETE FROM cinema_tickets")  # tickets lost: the books disagree
    done = cinema_tui("check", "--data-dir", str(old_data))
    assert done.returncode == 1
    assert "lacks cinema tickets" in done.stdout and "Traceback" not in done.stdout + done.stderr


def test_check_names_a_dropped_column(old_data):
    assert cinema_tui("migrate", "--data-dir", str(old_data)).returncode == 0
    with sqlite3.connect(old_data / "payment.db") as conn:
        conn.execute("ALTER TABLE payments DROP COLUMN change")
    done = cinema_tui("check", "--data-dir", str(old_data))
    assert done.returncode == 1
    assert "payment database" in done.stdout and "payments has no column change" in done.stdout


def test_migrate_lists_then_applies_then_has_nothing_to_do(old_data):
    dry = cinema_tui("migrate", "--dry-run", "--data-dir", str(old_data))
    assert dry.returncode == 0 and "would adopt the v0.1.0 tables" in dry.stdout
    with sqlite3.connect(old_data / "payment.db") as conn:
        assert "alembic_version" not in {r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master")}
    done = cinema_tui("migrate", "--data-dir", str(old_data))
    assert done.returncode == 0 and "payment: adopt the v0.1.0 tables" in done.stdout
    again = cinema_tui("migrate", "--data-dir", str(old_data))
    assert again.stdout.count("nothing to do") == 4


async def test_restore_refuses_while_a_box_office_runs_and_keeps_what_it_replaces(
        old_data, tmp_path):
    backup_dir = tmp_path / "backup"
    assert cinema_tui("backup", str(backup_dir), "--data-dir", str(old_data)).returncode == 0
    async with BoxOffice.open(Settings(data_dir=old_data)):
        refused = cinema_tui("restore", str(backup_dir), "--data-dir", str(old_data))
    assert refused.returncode == 1 and "A box office is running" in refused.stdout
    before = (old_data / "payment.db").read_bytes()
    done = cinema_tui("restore", str(backup_dir), "--data-dir", str(old_data))
    assert done.returncode == 0, done.stdout
    aside = list(old_data.glob("replaced-*"))
    assert len(aside) == 1 and (aside[0] / "payment.db").read_bytes() == before
    assert "No problem found" in done.stdout


def test_restore_refuses_an_incomplete_backup(old_data, tmp_path):
    partial = tmp_path / "partial"
    partial.mkdir()
    shutil.copy(old_data / "payment.db", partial / "payment.db")
    done = cinema_tui("restore", str(partial), "--data-dir", str(old_data))
    assert done.returncode == 1 and "not a complete backup" in done.stdout


async def test_a_backup_taken_while_another_process_sells_restores_to_good_books(
        tmp_path: Path, catalog: Catalog):
    data = tmp_path / "selling"
    day = datetime.now(catalog.timezone).date() + timedelta(days=2)
    show_id = catalog.showtimes(day)[0].id
    seller = subprocess.Popen(
        [sys.executable, str(Path(__file__).parent / "office_process.py"), "churn", str(data),
         show_id], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    told: list[str] = []  # sales the seller had been told were PAID, in order

    def read_sales() -> None:
        assert seller.stdout is not None
        for line in seller.stdout:
            if '"sold"' in line:
                told.append(json.loads(line)["sold"])

    reader = threading.Thread(target=read_sales, daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + 60
        while len(told) < 30:
            assert time.monotonic() < deadline and seller.poll() is None, "no sales"
            time.sleep(0.1)
        paid_before = list(told)
        backup_dir = tmp_path / "backup"
        done = cinema_tui("backup", str(backup_dir), "--data-dir", str(data))
        assert done.returncode == 0, done.stdout + done.stderr
        sold_during = len(told)
        time.sleep(1.0)
        assert len(told) > sold_during, "selling went on during and after the backup"
    finally:
        seller.kill()
        seller.wait(10)

    restored = tmp_path / "restored"
    done = cinema_tui("restore", str(backup_dir), "--data-dir", str(restored))
    # Sagas caught mid-way by the backup finish once the box office has settled.
    settings = Settings(data_dir=restored, payment_timeout_s=0.5)
    async with BoxOffice.open(settings) as office:
        assert await office.settle(60)
        for code in paid_before:
            assert (await office.booking(code)).code == code
    done = cinema_tui("check", "--data-dir", str(restored))
    assert done.returncode == 0, done.stdout


def test_check_on_empty_database_files_says_so_and_shows_no_trace(tmp_path):
    """Empty files where the databases should be (a failed copy, a `touch`): check says
    they have no tables yet, audits nothing, and never shows a driver's traceback."""
    data = tmp_path / "cinema"
    data.mkdir()
    for service in ("reservation", "payment", "cinema", "information"):
        (data / f"{service}.db").touch()
    done = cinema_tui("check", "--data-dir", str(data))
    assert "Traceback" not in done.stdout + done.stderr
    assert done.returncode == 0, done.stdout + done.stderr
    assert "empty (no tables)" in done.stdout and "audit: skipped" in done.stdout


def test_check_names_a_table_that_is_gone(old_data):
    assert cinema_tui("migrate", "--data-dir", str(old_data)).returncode == 0
    with sqlite3.connect(old_data / "information.db") as conn:
        conn.execute("ALTER TABLE info_seats RENAME TO info_seats_old")
    done = cinema_tui("check", "--data-dir", str(old_data))
    assert "Traceback" not in done.stdout + done.stderr
    assert done.returncode == 1
    assert "information database" in done.stdout
