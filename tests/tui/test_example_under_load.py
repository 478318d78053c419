"""The documented example, twenty times in a row on a machine kept busy.

Two child processes spin on the CPU (``while True: pass``) for as long as the test
runs, so the app's workers, timers and repaints get less time than they expect, which
is when a test that reads a screen before it is filled reads ``''``. The example waits
for every text it reads, so it must pass every time. Each run gets a fresh data
directory and clock, built by the kit's ``app_factory`` (what ``box_office_app`` gives).
Two runs go at once on the test's event loop (each app in its own task), which starves
each of them a little more and halves the wall time.

Marked ``stress``: the default run leaves it out, since its busy loops would take the
CPU from every test running beside it for minutes; .ci/run runs it alone afterwards
(``uv run pytest -m stress -n 0``), where the only load is the one it makes itself.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from cinema_tui.testing import START, ManualClock, app_factory
from tests.tui.test_example_from_docs import test_sell_two_seats_then_cancel_them as example

RUNS = 20
AT_ONCE = 2
BUSY_LOOPS = 2


@pytest.fixture
def busy_cpu() -> Iterator[list[subprocess.Popen[bytes]]]:
    """Busy-loop children, killed (and reaped) when the test ends."""
    loops = [
        subprocess.Popen([sys.executable, "-c", "while True: pass"])
        for _ in range(BUSY_LOOPS)
    ]
    try:
        yield loops
    finally:
        for loop in loops:
            loop.kill()
        for loop in loops:
            loop.wait()


@pytest.mark.stress
@pytest.mark.timeout(900)
async def test_the_documented_example_never_fails_under_load(
    tmp_path: Path, busy_cpu: list[subprocess.Popen[bytes]]
):
    async def runs(first: int) -> None:
        for run in range(first, RUNS, AT_ONCE):
            assert all(loop.poll() is None for loop in busy_cpu), "the load stopped"
            make = app_factory(tmp_path / f"run-{run}" / "data", ManualClock(START))
            try:
                await example(make)
            except Exception as exc:
                raise AssertionError(
                    f"run {run + 1} of {RUNS} failed under load: {exc!r}") from exc

    await asyncio.gather(*(runs(first) for first in range(AT_ONCE)))
