"""Several OS processes on one data directory; a process killed mid-saga.

These run real child processes (``tests/office_process.py``) against real SQLite files.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from backend import BoxOffice, Settings
from backend.audit import audit
from backend.catalog import Catalog

CHILD = Path(__file__).with_name("office_process.py")
ROOT = Path(__file__).resolve().parent.parent


def _spawn(*args: str, hostname: str | None = None) -> subprocess.Popen[str]:
    env = dict(os.environ)
    if hostname is not None:
        env["CINEMA_HOSTNAME"] = hostname  # a box office "on another machine"
    return subprocess.Popen(
        [sys.executable, str(CHILD), *args],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def _read_sales(child: subprocess.Popen[str], count: int, timeout: float = 60) -> int:
    """Read ``child``'s lines until it has printed ``count`` sales (or stopped)."""
    assert child.stdout is not None
    sold = 0
    deadline = time.time() + timeout
    while sold < count and time.time() < deadline:
        line = child.stdout.readline()
        if not line:
            break
        if "sold" in line:
            sold += 1
    return sold


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


@pytest.mark.parametrize("where", ["this host", "another host"])
def test_a_killed_box_office_is_finished_by_a_running_one_exactly_once(
    tmp_path: Path, catalog: Catalog, where: str
):
    """Two box offices sell on one data directory; one is SIGKILLed mid-saga. The other,
    still running (not restarted), takes over its leases and finishes its sagas, each once.

    Its views are slowed so that mail is always leased and not yet applied when it dies.
    On this host it leases for 600 s: only taking over (its pid is gone) can deliver that
    mail in time, not the lease running out. On another host (where its pid means
    nothing) it leases for the same 2 s as the survivor, whose heartbeat check or the
    lease running out frees its mail.
    """
    data = tmp_path / "two"
    show_id = _show(catalog)
    here = where == "this host"
    doomed = _spawn("churn", str(data), show_id, "600" if here else "2", "0.05",
                    hostname=None if here else "another-till")
    assert _read_sales(doomed, 15) >= 15, doomed.stderr.read() if doomed.stderr else ""
    survivor = _spawn("survive", str(data), show_id, "2")
    try:
        assert survivor.stdout is not None and survivor.stdin is not None
        ready = survivor.stdout.readline()
        assert "ready" in ready, survivor.stderr.read() if survivor.stderr else ""
        assert _read_sales(doomed, 25) >= 25
        doomed.send_signal(signal.SIGKILL)  # mid-saga: payments and messages in flight
        doomed.wait(timeout=10)

        survivor.stdin.write("settle\n")
        survivor.stdin.flush()
        out, err = survivor.communicate(timeout=120)
        assert survivor.returncode == 0, err
        result = json.loads(out.strip().splitlines()[-1])
        assert result["settled"], (result, err)
        if here:
            assert result["taken_back"] >= 1, result
    finally:
        for child in (doomed, survivor):
            if child.poll() is None:
                child.kill()
                child.wait()

    settings = Settings(data_dir=data)
    report = audit(settings, catalog, card_numbers=("4242424242424242",))
    assert report.ok, report.violations
    assert _repeated_events(data / "reservation.db") == []
    with sqlite3.connect(data / "reservation.db") as conn:
        left = conn.execute("SELECT count(*) FROM deliveries").fetchone()[0]
        owners = [r[0] for r in conn.execute("SELECT owner FROM lease_owners")]
    assert left == 0
    assert not any(f"pid={doomed.pid};" in o for o in owners)  # the dead one's beat is gone


def _repeated_events(db: Path) -> list[tuple[str, str, int]]:
    """Saga events reservation emitted more than once for one booking (none, if every
    step was taken exactly once whoever finished it)."""
    with sqlite3.connect(db) as conn:
        return conn.execute(
            "SELECT correlation_id, type, count(*) FROM outbox"
            " WHERE type IN ('BookingRequested', 'BookingPaid', 'BookingFailed',"
            " 'BookingCompleted', 'BookingRejected', 'BookingCancelled', 'RequestRefund',"
            " 'ReleaseSeats') GROUP BY correlation_id, type HAVING count(*) > 1"
        ).fetchall()
