"""Selling on a grown data directory against selling on an empty one, in turns.

    uv run python bench/throughput_at_size.py DATA_DIR [--pairs 3] [--probe 1000] [--probes 3]

``bench/scaling.py`` times one probe of bookings per checkpoint, and on a small shared
machine one probe varies by 10-15 % from run to run: too much to tell whether a grown
cinema sells at 90 % of an empty one's rate. This script asks only that question. It
takes a data directory ``scaling.py --data-dir`` grew (it is copied, never changed) and,
``--pairs`` times, sells ``--probes`` x ``--probe`` bookings on a fresh empty directory
and then on a fresh copy of the grown one (the clock set to the day after its last
sale), in turns, so that whatever else the machine does falls on both alike. Each
probe is timed as scaling.py does (100 clients, each waiting for COMPLETED; CPU ms per
booking of the whole process). It prints every probe, then the medians and the ratio.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import sqlite3
import statistics
import time
from pathlib import Path

from scaling import Cinema, cpu_seconds

from backend import ManualClock
from backend.runtime.clock import from_epoch


async def probes(grown: Path | None, args: argparse.Namespace) -> list[tuple[float, float]]:
    """(bookings/s, CPU ms per booking) of each probe on an empty directory (``grown``
    None) or on a fresh copy of ``grown``."""
    options = argparse.Namespace(seed=99, data_dir=None, retention_days=30.0, fill=0.7,
                                 cancel=0.03)
    cinema = Cinema(options)
    if grown is not None:
        shutil.rmtree(cinema.data)
        shutil.copytree(grown, cinema.data)
        with sqlite3.connect(cinema.data / "reservation.db") as conn:
            last = conn.execute("SELECT max(created_at) FROM bookings").fetchone()[0]
        cinema.clock = ManualClock(from_epoch(last))
    try:
        await cinema.start()
        cinema.next_day()
        await cinema.sell(300, 100, wait=False)  # warm: the caches, the first day's sales
        await cinema.box.settle(60)
        out = []
        for _ in range(args.probes):
            if len(cinema.units) < args.probe:  # a probe never spans the end of a day
                await cinema.end_of_day()
            cpu0, t0 = cpu_seconds(), time.perf_counter()
            await cinema.sell(args.probe, 100, wait=True)
            elapsed, cpu = time.perf_counter() - t0, cpu_seconds() - cpu0
            out.append((args.probe / elapsed, cpu / args.probe * 1000))
            await cinema.box.settle(60)
        if cinema.errors:
            print("  errors:", dict(cinema.errors))
        return out
    finally:
        await cinema.stop()
        shutil.rmtree(cinema.data, ignore_errors=True)


async def run(args: argparse.Namespace) -> None:
    grown = Path(args.data_dir).expanduser().resolve()
    with sqlite3.connect(grown / "reservation.db") as conn:
        bookings = conn.execute("SELECT count(*) FROM bookings").fetchone()[0]
    print(f"grown: {grown} ({bookings:,} bookings); {args.pairs} pairs of "
          f"{args.probes} x {args.probe} bookings")
    empty: list[tuple[float, float]] = []
    big: list[tuple[float, float]] = []
    for _ in range(args.pairs):
        for name, source, into in (("empty", None, empty), ("grown", grown, big)):
            got = await probes(source, args)
            into.extend(got)
            print(f"  {name:<6} " + "  ".join(f"{r:4.0f}/s {c:.2f} ms" for r, c in got)
                  + f"   load {os.getloadavg()[0]:.2f}", flush=True)
    rate_e, rate_g = (statistics.median(r for r, _ in s) for s in (empty, big))
    cpu_e, cpu_g = (statistics.median(c for _, c in s) for s in (empty, big))
    print(f"median: empty {rate_e:.0f}/s {cpu_e:.2f} ms; grown {rate_g:.0f}/s {cpu_g:.2f} ms")
    print(f"grown/empty: bookings/s {rate_g / rate_e:.0%}, CPU per booking {cpu_g / cpu_e:.0%}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("data_dir", help="a data directory bench/scaling.py grew (copied)")
    parser.add_argument("--pairs", type=int, default=3)
    parser.add_argument("--probe", type=int, default=1000, help="bookings per probe")
    parser.add_argument("--probes", type=int, default=3, help="probes per turn")
    args = parser.parse_args()
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
