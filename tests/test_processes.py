"""Several OS processes on one data directory; a process killed mid-saga.

These run real child processes (``tests/office_process.py``) against real SQLite files.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

from backend import BoxOffice, Settings
from backend.audit import audit
from backend.catalog import Catalog

CHILD = Path(__file__).with_name("office_process.py")
ROOT = Path(__file__).resolve().parent.parent


def _spawn(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(CHILD), *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _show(catalog: Catalog) -> str:
    """A show far enough ahead (by the real clock) to be on sale."""
    from datetime import datetime, timedelta

    day = datetime.now(catalog.timezone).date() + timedelta(days=2)
    return catalog.showtimes(day)[0].id


def test_two_processes_never_sell_one_seat_twice(tmp_path: Path, catalog: Catalog):
    data = tmp_path / "shared"
    show_id = _show(catalog)
    rounds = [["A1", "A2"], ["B5"], ["C3", "C4", "C5"], ["D8", "D9"], ["E2"], ["F1", "F2"]]
    start_at = time.time() + 3.0  # both processes are up and waiting by then
    children = [
        _spawn("race", str(data), show_id, str(start_at), json.dumps(rounds)) for _ in range(2)
    ]
    results: dict[int, list[dict[str, str]]] = {}
    for child in children:
        out, err = child.communicate(timeout=90)
        assert child.returncode == 0, err
        for line in out.splitlines():
            if line.strip():
                result = json.loads(line)
                results.setdefault(result["round"], []).append(result)
    assert sorted(results) == list(range(len(rounds)))
    for outcome in results.values():
        sold = [r for r in outcome if "sold" in r]
        refused = [r for r in outcome if "refused" in r]
        assert len(sold) == 1 and len(refused) == 1, outcome
        assert "already taken" in refused[0]["refused"]

    settings = Settings(data_dir=data)
    report = audit(settings, catalog, card_numbers=("4242424242424242",))
    assert report.ok, report.violations
    assert report.counts["COMPLETED"] == len(rounds)


async def test_killed_process_leaves_every_saga_finishable(tmp_path: Path, catalog: Catalog):
    data = tmp_path / "crash"
    show_id = _show(catalog)
    child = _spawn("churn", str(data), show_id)
    sold = 0
    deadline = time.time() + 60
    assert child.stdout is not None
    while sold < 40 and time.time() < deadline:
        line = child.stdout.readline()
        if not line:
            break
        if "sold" in line:
            sold += 1
    assert sold >= 40, child.stderr.read() if child.stderr else ""
    child.send_signal(signal.SIGKILL)  # mid-saga: holds, payments and messages in flight
    child.wait(timeout=10)
    assert child.returncode == -signal.SIGKILL

    settings = Settings(data_dir=data, payment_timeout_s=0.5)
    async with BoxOffice.open(settings) as office:
        assert await office.settle(60), "sagas did not all finish after the restart"
        health = await office.health()
        assert all(h.ready for h in health.values())
    report = audit(settings, catalog, card_numbers=("4242424242424242",))
    assert report.ok, report.violations
    assert report.counts["COMPLETED"] >= 1
