"""The clerk's keys while the box office is besieged: key-to-repaint under load.

    uv run python bench/tui_under_load.py [--clients 100] [--keys 60] [--settle 4]

The app and its services share one process and one event loop, so the load that can slow
a clerk's keys is load on *that* loop. This script starts the real app in a pseudo-
terminal (80×24) with a siege running inside the app's own process (this same file, run
with ``--child``): ``--clients`` clients booking without pause, exactly as
``bench/siege.py`` does, on every show except the ones in view. Three scenarios:

  * quiet:      no load (the baseline, as in ``bench/tui_latency.py``);
  * healthy:    the siege with the payment simulator at latency 0;
  * overloaded: the siege with payment latency 400 ms (over the breaker's 300 ms
                slow-call threshold), so the breaker opens and refuses fast.

In each, the seat map of a Hall 1 show is opened and arrow keys are sent one at a time
(right, down, left, up: the cursor circles and never meets an edge). The time is from
writing the key until the side panel's "Cursor <seat>" shows the new seat on the
terminal; other output (toasts, the status line) cannot be mistaken for the repaint.
The child reports what the siege did meanwhile (bookings, fast refusals, breaker state).

Target (issue 4): overloaded, key-to-repaint stays under 50 ms (p95 reported beside it).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import select
import shutil
import statistics
import sys
import tempfile
import time
from collections import deque
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

ROOT = Path(__file__).resolve().parent.parent
CURSOR = re.compile(rb"Cursor ([A-Z]\d+)")
KEYS = [b"\x1b[C", b"\x1b[B", b"\x1b[D", b"\x1b[A"]
SCENARIOS = {"quiet": None, "healthy": 0.0, "overloaded": 400.0}


# -- the child: the real app with a siege inside ------------------------------------------
def child(args: argparse.Namespace) -> int:
    import siege
    from backend import Settings
    from backend.runtime.breaker import BreakerOpen  # noqa: F401 - siege counts it
    from cinema_tui.app import create_app

    app = create_app(Settings(data_dir=args.data_dir, language="en"))
    status_file = Path(args.status)

    async def besiege() -> None:
        await app.backend_ready.wait()
        office = app.office
        tomorrow = office.days()[1]
        in_view = {s.id for s in await office.showtimes(tomorrow) if s.hall_id == "hall-1"}
        pools = await siege.seat_pools(office, args.clients, random.Random(7))
        pools = [deque(u for u in pool if u[0] not in in_view) for pool in pools]
        state = siege.Siege()
        state.phase = state.phases[siege.OVERLOADED if args.latency_ms else siege.HEALTHY]
        await office.configure_payment_simulator(latency_ms=args.latency_ms)
        tasks = [asyncio.create_task(siege.client(office, state, pool)) for pool in pools]
        started = time.monotonic()
        while True:
            phase = state.phase
            status_file.write_text(json.dumps({
                "seconds": time.monotonic() - started,
                "ok": phase.ok,
                "fast_refusals": len(phase.open_refusals),
                "other_refusals": len(phase.other_refusals),
                "failures": phase.failed,
                "breaker": getattr(office.breaker().state, "value", str(office.breaker().state)),
            }))
            await asyncio.sleep(0.5)
            if all(t.done() for t in tasks):
                break

    async def run() -> None:
        load = asyncio.create_task(besiege())
        try:
            await app.run_async()
        finally:
            load.cancel()

    asyncio.run(run())
    return 0


# -- the parent: a clerk's terminal -------------------------------------------------------
def measure(scenario: str, latency_ms: float | None, args: argparse.Namespace) -> dict:
    from tui_latency import Terminal, largest_hall_row

    data = Path(tempfile.mkdtemp(prefix="tui-load-"))
    status = data / "status.json"
    command = None
    if latency_ms is not None:
        command = [sys.executable, str(Path(__file__).resolve()), "--child",
                   "--data-dir", str(data / "cinema"), "--status", str(status),
                   "--clients", str(args.clients), "--latency-ms", str(latency_ms)]
    term = Terminal(data / "cinema", command=command)
    latencies: list[float] = []
    missed = 0
    try:
        term.read_until(b"Now showing", 60)
        if command is not None:
            deadline = time.monotonic() + 60
            while not status.exists() and time.monotonic() < deadline:
                term.drain(0.1, 0.2)
        term.drain(0.3, 2)
        largest_hall_row(term)
        end = time.monotonic() + args.settle  # let the siege (and breaker) get going
        while time.monotonic() < end:
            term.drain(0.1, 0.2)
        label = CURSOR.findall(term.seen)[-1]
        for i in range(args.keys):
            took, label_after = key_to_cursor(term, KEYS[i % len(KEYS)], label)
            if took is None:
                missed += 1
            else:
                latencies.append(took)
                label = label_after
        report = json.loads(status.read_text()) if status.exists() else {}
    finally:
        term.close()
        shutil.rmtree(data, ignore_errors=True)
    return {"scenario": scenario, "latencies": latencies, "missed": missed, "load": report}


def key_to_cursor(term, key: bytes, before: bytes, timeout: float = 3.0):
    """Seconds from writing ``key`` until a "Cursor X" other than ``before`` is drawn."""
    term.drain(0.02, 0.3)
    term.seen = b""
    t0 = time.perf_counter()
    os.write(term.fd, key)
    deadline = t0 + timeout
    while time.perf_counter() < deadline:
        found = CURSOR.findall(term.seen)
        if found and found[-1] != before:
            return time.perf_counter() - t0, found[-1]
        ready, _, _ = select.select([term.fd], [], [], 0.002)
        if ready:
            term.seen += os.read(term.fd, 65536)
    return None, before


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--keys", type=int, default=60)
    parser.add_argument("--settle", type=float, default=4.0,
                        help="seconds of load before the first key")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--data-dir", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--status", help=argparse.SUPPRESS)
    parser.add_argument("--latency-ms", type=float, default=0.0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args)

    print(f"key to repaint on the hall-1 seat map, {args.keys} keys per scenario, "
          f"{args.clients} siege clients in the app's process")
    worst_ok = True
    for scenario, latency in SCENARIOS.items():
        result = measure(scenario, latency, args)
        lat = sorted(result["latencies"])
        if not lat:
            print(f"{scenario:>10}: no repaint seen ({result['missed']} keys lost)")
            worst_ok = False
            continue
        median = statistics.median(lat) * 1000
        p95 = lat[min(len(lat) - 1, int(len(lat) * 0.95))] * 1000
        load = result["load"]
        seconds = max(load.get("seconds", 0.0), 1e-9)
        extra = ""
        if load:
            extra = (f"   siege: {load['ok'] / seconds:.0f} bookings/s, "
                     f"{load['fast_refusals'] / seconds:.0f} fast refusals/s, "
                     f"{load['failures']} failures, breaker {load['breaker']}")
        verdict = ""
        if scenario == "overloaded":
            ok = median < 50 and not result["missed"]
            worst_ok = ok
            verdict = f"   target < 50 ms: {'PASS' if ok else 'MISS'}"
        print(f"{scenario:>10}: median {median:.1f} ms, p95 {p95:.1f} ms, max {lat[-1] * 1000:.0f} ms"
              f" ({len(lat)} keys, {result['missed']} lost){extra}{verdict}")
    return 0 if worst_ok else 1


if __name__ == "__main__":
    sys.exit(main())
