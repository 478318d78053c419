"""Booking throughput of the box office, and how close it comes to what the disk allows.

    uv run python bench/booking_throughput.py [--clients 100] [--bookings 2000]
                                              [--data-dir DIR] [--time-limit S] [--json]
                                              [--engine sqlite|postgres|both]
                                              [--pg-durability off|normal|full]

What it measures: a ``BoxOffice`` on a fresh data directory (payment latency 0) is warmed
up, then N concurrent clients (asyncio tasks) each loop hold 1-2 seats -> book by card ->
wait until the history view shows the booking COMPLETED. Every client owns its own seats
(a precomputed pool over all not-yet-started shows of the 7 published days), so no two
clients collide. Latency runs from before ``hold`` to COMPLETED visible in the view: the
whole saga (reservation, payment, cinema, information and the dispatcher in between).

How to read it:
  * bookings/s and p50/p95/p99 latency: what a box office full of clerks would see.
  * errors: by exception type; a healthy run has none.
  * audit: after ``settle()`` the invariant auditor checks seats, money and views agree.
  * write commits/booking: write transactions (BEGIN IMMEDIATE ... COMMIT) committed on
    the four service databases during the measured window, divided by bookings. Read
    transactions are counted apart (they never touch the WAL).
  * limit: a plain sqlite3 loop on the same disk (WAL, synchronous=NORMAL, one small
    INSERT per BEGIN IMMEDIATE transaction) does bookings x commits/booking commits;
    commits/s / commits-per-booking is the bookings/s the disk would allow if commits
    were all the box office did. ratio = measured bookings/s / that limit: how much of
    the cost is the commits themselves (1.0) rather than Python around them.
  * open loop: then bookings arrive at a fixed rate (default half the measured
    throughput) for a while; its latency is what a clerk waits when the office is busy
    but not saturated. With 100 clients that never pause (the first phase) latency is
    bounded below by Little's law, clients / throughput, so that phase's p99 measures
    queueing, not the box office.
  * CPU ms per booking: process CPU time over the measured phase / bookings.
  * --engine postgres: the same run with every service in its own database on a throwaway
    PostgreSQL server (``bench/pg_server.py``; its durability is printed: by default
    ``normal``, SQLite's own promise). The limit line is then a bare psycopg loop on that
    server, and "server CPU" is what the server's processes spent per booking (on the same
    cores). --engine both runs SQLite, then PostgreSQL, and prints them side by side.
  * machine: the load averages before and after; on a busy machine every figure is lower.
Targets (2-core machine, 100 clients): >= 200 bookings/s, p99 < 100 ms, ratio >= 0.3.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import random
import resource
import shutil
import sqlite3
import sys
import tempfile
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

from figures import fresh_data_dir, machine_load, num, pct, verdict
from pg_server import (
    DURABILITY,
    BenchServer,
    describe,
    plain_commits_per_s,
    server_cpu_seconds,
    service_urls,
    start_server,
)

from backend import BoxOffice, Card, Settings
from backend.audit import audit

CARD_NUMBER = "4242424242424242"
CARD = Card(CARD_NUMBER, "12/30", "123")
TARGET_RATE, TARGET_P99_MS, TARGET_RATIO = 200.0, 100.0, 0.3
WARMUP_BOOKINGS, WARMUP_CLIENTS = 30, 5


async def seat_units(office: BoxOffice, rng: random.Random) -> list[tuple[str, list[str]]]:
    """(show_id, 1-2 seats) units over every show not starting within 30 minutes."""
    soon = office.clock.now() + timedelta(minutes=30)
    units: list[tuple[str, list[str]]] = []
    for day in office.days():
        for summary in await office.showtimes(day):
            if summary.starts_at <= soon:
                continue
            seats = [s.label for s in office.catalog.showtime(summary.id).hall.seats
                     if not s.blocked]
            i = 0
            while i < len(seats):
                n = rng.choice((1, 2))
                units.append((summary.id, seats[i:i + n]))
                i += n
    rng.shuffle(units)  # spread every client over all shows
    return units


class Run:
    """Shared state of one measured phase."""

    def __init__(self, budget: int, deadline: float) -> None:
        self.budget, self.deadline = budget, deadline
        self.latencies: list[float] = []
        self.errors: Counter[str] = Counter()


async def client(office: BoxOffice, run: Run, units: list[tuple[str, list[str]]]) -> None:
    for show_id, seats in units:
        if run.budget <= 0 or time.perf_counter() > run.deadline:
            return
        run.budget -= 1
        t0 = time.perf_counter()
        try:
            hold = await office.hold(show_id, seats)
            booking = await office.book(hold.id, tickets={"adult": len(seats)}, payment=CARD)
            done = await office.wait_for_booking(booking.code, ("COMPLETED",))
            if done is None:
                run.errors["ViewTimeout(not COMPLETED in 10 s)"] += 1
                continue
        except Exception as exc:  # noqa: BLE001 - a benchmark counts, it does not stop
            run.errors[type(exc).__name__] += 1
            continue
        run.latencies.append(time.perf_counter() - t0)


async def open_loop(office: BoxOffice, units: list, rate: float, seconds: float) -> Run:
    """Bookings arriving at a fixed ``rate`` (not waiting for each other): the latency a
    clerk sees when the box office is busy but not saturated."""
    run = Run(len(units), time.perf_counter() + seconds + 30)
    tasks = []
    start = time.perf_counter()
    for i, unit in enumerate(units):
        due = start + i / rate
        if due > start + seconds:
            break
        await asyncio.sleep(max(0.0, due - time.perf_counter()))
        tasks.append(asyncio.create_task(client(office, run, [unit])))
    await asyncio.gather(*tasks)
    return run


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def drive(office: BoxOffice, units: list, clients: int, budget: int, limit: float) -> Run:
    run = Run(budget, time.perf_counter() + limit)
    await asyncio.gather(*(client(office, run, units[i::clients]) for i in range(clients)))
    return run


def count_commits(office: BoxOffice) -> dict[str, Counter[str]]:
    """Committed transactions so far per service: {service: {"write": n, "read": n}}
    (each store counts its own; subtract two snapshots for a window)."""
    return {name: Counter(service.store.commits)
            for name, service in office.runtime.services.items()}


def plain_sqlite_commits_per_s(parent: Path, commits: int) -> float:
    """Commits/s of a bare sqlite3 loop, one small INSERT per BEGIN IMMEDIATE transaction."""
    fd, name = tempfile.mkstemp(prefix="limit-", suffix=".db", dir=parent)
    path = Path(name)
    try:
        conn = sqlite3.connect(path, isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, at REAL, v TEXT)")
        t0 = time.perf_counter()
        for i in range(commits):
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("INSERT INTO t (at, v) VALUES (?, ?)", (time.time(), f"row {i}"))
            conn.execute("COMMIT")
        elapsed = time.perf_counter() - t0
        conn.close()
        return commits / elapsed
    finally:
        os.close(fd)
        for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
            p.unlink(missing_ok=True)


async def measure(args: argparse.Namespace, engine: str,
                  server: BenchServer | None = None) -> dict[str, Any]:
    """One engine's run: warm-up, the closed loop, the open loop, the audit, the limit."""
    data_dir = fresh_data_dir(args.data_dir if engine == "sqlite" else None,
                              f"cinema-bench-{engine}-")
    urls = service_urls(server, "bench") if server is not None else {}
    settings = Settings(data_dir=data_dir, payment_latency_ms=0, **urls)
    rng = random.Random(args.seed)
    load_before = machine_load()
    try:
        async with BoxOffice.open(settings) as office:
            units = await seat_units(office, rng)
            need = WARMUP_BOOKINGS + args.bookings
            if len(units) < need:
                print(f"note: only {len(units)} seat units for {need} bookings", file=sys.stderr)
            warm, units = units[:WARMUP_BOOKINGS], units[WARMUP_BOOKINGS:]
            # the closed loop walks its own share; the open loop gets the seats after it
            units, spare = units[:args.bookings], units[args.bookings:]
            await drive(office, warm, WARMUP_CLIENTS, WARMUP_BOOKINGS, 60)
            await office.settle()
            commits = count_commits(office)
            server_cpu0 = server_cpu_seconds(server) if server else 0.0
            t0, cpu0 = time.perf_counter(), cpu_seconds()
            run = await drive(office, units, args.clients, args.bookings, args.time_limit)
            elapsed, cpu = time.perf_counter() - t0, cpu_seconds() - cpu0
            server_cpu = server_cpu_seconds(server) - server_cpu0 if server else float("nan")
            after = count_commits(office)
            snapshot = {n: after[n] - commits[n] for n in after}
            await office.settle(60)
            open_rate = args.rate or max(1.0, 0.5 * len(run.latencies) / max(elapsed, 1e-9))
            steady = await open_loop(office, spare, open_rate, args.open_seconds)
            settled = await office.settle(60)
            report = await asyncio.to_thread(audit, settings, office.catalog, (CARD_NUMBER,))
        done = len(run.latencies)
        writes = sum(c["write"] for c in snapshot.values())
        reads = sum(c["read"] for c in snapshot.values())
        cpb = writes / done if done else float("nan")
        limit_commits = max(1, round(done * cpb)) if done else 1000
        if server is None:
            commits_s = plain_sqlite_commits_per_s(data_dir.parent, limit_commits)
        else:
            commits_s = await asyncio.to_thread(plain_commits_per_s, server, limit_commits)
    finally:
        if not args.data_dir and not args.keep:
            shutil.rmtree(data_dir, ignore_errors=True)
    rate = done / elapsed if elapsed else 0.0
    limit = commits_s / cpb if done else float("nan")
    p50, p95, p99 = (pct(run.latencies, q) for q in (50, 95, 99))
    o50, o99 = (pct(steady.latencies, q) for q in (50, 99))
    return {
        "engine": engine, "clients": args.clients, "bookings": done,
        "seconds": round(elapsed, 3), "bookings_per_s": round(rate, 1),
        "p50_ms": num(p50), "p95_ms": num(p95), "p99_ms": num(p99),
        "errors": dict(run.errors),
        "cpu_ms_per_booking": num(1000 * cpu / done if done else float("nan"), 2),
        "server_cpu_ms_per_booking": num(1000 * server_cpu / done if done else float("nan"), 2),
        "open_rate": round(open_rate, 1), "open_bookings": len(steady.latencies),
        "open_p50_ms": num(o50), "open_p99_ms": num(o99), "open_errors": dict(steady.errors),
        "audit_ok": report.ok, "audit_counts": dict(report.counts),
        "violations": report.violations, "settled": settled,
        "write_commits_per_booking": num(cpb, 2),
        "write_commits_by_service": {n: num(c["write"] / max(done, 1), 2)
                                     for n, c in snapshot.items()},
        "read_txns_per_booking": round(reads / max(done, 1), 2),
        "limit_commits": limit_commits, "plain_commits_per_s": round(commits_s),
        "limit_bookings_per_s": num(limit), "ratio": round(rate / limit, 3) if done else 0.0,
        "data_dir": str(data_dir), "load_before": load_before, "load_after": machine_load(),
        "pass": {"rate": rate >= TARGET_RATE, "p99": p99 < TARGET_P99_MS,
                 "ratio": done > 0 and rate / limit >= TARGET_RATIO},
    }


def show(f: dict[str, Any], args: argparse.Namespace) -> None:
    """One engine's figures, as a reader wants them."""
    ok = f["pass"]
    print(f"{f['engine']}: {f['clients']} clients, {f['bookings']} bookings in "
          f"{f['seconds']:.2f} s (data dir {f['data_dir']})")
    print(f"  machine      {f['load_before']} (before), {f['load_after']} (after)")
    print(f"  throughput   {f['bookings_per_s']:8.1f} bookings/s   target >= {TARGET_RATE:.0f}   "
          f"{verdict(ok['rate'])}")
    print(f"  latency p50  {f['p50_ms']:8.1f} ms")
    print(f"  latency p95  {f['p95_ms']:8.1f} ms")
    print(f"  latency p99  {f['p99_ms']:8.1f} ms           target <  {TARGET_P99_MS:.0f}   "
          f"{verdict(ok['p99'])}")
    print(f"  CPU          {f['cpu_ms_per_booking']:8.1f} ms per booking (this process, all "
          f"threads; one core is the ceiling)")
    if f["server_cpu_ms_per_booking"] is not None:
        print(f"  server CPU   {f['server_cpu_ms_per_booking']:8.1f} ms per booking (the "
              f"PostgreSQL server's processes, on the same 2 cores)")
    print(f"  errors       {f['errors'] or 'none'}")
    print(f"open loop: {f['open_bookings']} bookings arriving at {f['open_rate']:.1f}/s "
          f"for {args.open_seconds:.0f} s")
    print(f"  latency p50  {f['open_p50_ms']:8.1f} ms")
    print(f"  latency p99  {f['open_p99_ms']:8.1f} ms           target <  {TARGET_P99_MS:.0f}   "
          f"{verdict(f['open_p99_ms'] is not None and f['open_p99_ms'] < TARGET_P99_MS)}")
    print(f"  errors       {f['open_errors'] or 'none'}")
    print(f"  settled      {f['settled']}")
    print(f"  audit        {'all invariants hold' if f['audit_ok'] else 'VIOLATIONS'}"
          f"  {f['audit_counts']}")
    for v in f["violations"]:
        print(f"    - {v}")
    per = ", ".join(f"{n} {c:.2f}" for n, c in f["write_commits_by_service"].items())
    cpb = f["write_commits_per_booking"]
    print(f"  write commits/booking {cpb:.2f} ({per}); read txns/booking "
          f"{f['read_txns_per_booking']:.2f}")
    plain = "sqlite3 on the same disk" if f["engine"] == "sqlite" else "psycopg on the same server"
    print(f"plain {plain}: {f['limit_commits']} commits at {f['plain_commits_per_s']:,} "
          f"commits/s")
    print(f"  limit        {f['limit_bookings_per_s']:8.1f} bookings/s   (commits/s / {cpb:.2f})")
    print(f"  ratio        {f['ratio']:8.3f}                target >= {TARGET_RATIO}   "
          f"{verdict(ok['ratio'])}")


SIDE_BY_SIDE = [
    ("bookings/s (closed loop)", "bookings_per_s"), ("latency p50 ms", "p50_ms"),
    ("latency p99 ms", "p99_ms"), ("CPU ms/booking", "cpu_ms_per_booking"),
    ("server CPU ms/booking", "server_cpu_ms_per_booking"),
    ("open loop rate /s", "open_rate"), ("open loop p50 ms", "open_p50_ms"),
    ("open loop p99 ms", "open_p99_ms"), ("write commits/booking", "write_commits_per_booking"),
    ("plain commits/s", "plain_commits_per_s"), ("limit bookings/s", "limit_bookings_per_s"),
    ("ratio", "ratio"), ("audit clean", "audit_ok"),
]


def side_by_side(runs: list[dict[str, Any]]) -> None:
    """The engines' headline figures in columns (``--engine both``)."""
    print(f"\n{'':26}" + "".join(f"{r['engine']:>12}" for r in runs))
    for label, key in SIDE_BY_SIDE:
        print(f"{label:26}" + "".join(f"{r[key]!s:>12}" for r in runs))
    errors = [sum(r["errors"].values()) + sum(r["open_errors"].values()) for r in runs]
    print(f"{'errors':26}" + "".join(f"{e:>12}" for e in errors))


async def main(args: argparse.Namespace) -> int:
    engines = ["sqlite", "postgres"] if args.engine == "both" else [args.engine]
    runs = []
    for engine in engines:
        if engine == "sqlite":
            runs.append(await measure(args, engine))
        else:
            server = await asyncio.to_thread(start_server, args.pg_durability)
            try:
                print(describe(server))
                runs.append(await measure(args, engine, server))
            finally:
                await asyncio.to_thread(server.stop)
        show(runs[-1], args)
    if len(runs) > 1:
        side_by_side(runs)
    if args.json:
        for f in runs:
            print(json.dumps(f))
    healthy = [r["audit_ok"] and not r["errors"] and not r["open_errors"] for r in runs]
    return 0 if all(healthy) else 1


def parse() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--clients", type=int, default=100, help="concurrent clients (100)")
    p.add_argument("--bookings", type=int, default=2000, help="bookings to make (2000)")
    p.add_argument("--data-dir", help="use this (empty or new) data dir instead of a temp one")
    p.add_argument("--time-limit", type=float, default=120.0, help="seconds, at most (120)")
    p.add_argument("--seed", type=int, default=1, help="seat shuffling seed (1)")
    p.add_argument("--keep", action="store_true", help="keep the temporary data dir")
    p.add_argument("--rate", type=float, default=0.0,
                   help="open-loop arrival rate, bookings/s (default: half the throughput)")
    p.add_argument("--open-seconds", type=float, default=10.0,
                   help="how long the open-loop phase runs (10)")
    p.add_argument("--engine", choices=("sqlite", "postgres", "both"), default="sqlite",
                   help="where the four services keep their books: SQLite files (default), "
                        "a throwaway PostgreSQL server, or both one after the other")
    p.add_argument("--pg-durability", choices=tuple(DURABILITY), default="normal",
                   help="the PostgreSQL server's durability (normal: like SQLite's; see "
                        "bench/pg_server.py)")
    p.add_argument("--json", action="store_true",
                   help="print a JSON line of the figures (one per engine)")
    return p.parse_args()


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING)
    sys.exit(asyncio.run(main(parse())))
