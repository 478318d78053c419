"""How the box office's costs grow with its data: a cinema's sales grown day by day.

    uv run python bench/scaling.py [--checkpoints 1000,10000] [--clients 100]
                                   [--probe 300] [--samples 50] [--data-dir DIR]

A ``BoxOffice`` on a fresh data directory, with a ``ManualClock``, sells day after day
the way a busy cinema does: every day a share of tomorrow's seats (``--fill``) in one or
two seat sales, by card or cash, each to one of 20,000 customers' phones; about 3 % are
cancelled before their show; then the clock moves on a day. At every checkpoint (the
bookings made so far: 1k, 10k, 30k, 60k, 100k for the issue's curve) it prints:

  * bookings/s: the last ``--probe`` bookings before the checkpoint, sold by
    ``--clients`` clients at once, each waiting for its booking to show COMPLETED (as
    ``bench/booking_throughput.py`` does), and the process's CPU ms per booking (a
    probe never spans the end of a day: the day's cancellations, settling and the
    retention pass are not selling, so a day that would end mid-probe ends before it);
  * sweep: the median of ``--samples`` calls of ``ReservationService.sweep`` (it runs
    every second, inside reservation's write transaction);
  * lookups: medians of a booking by code, a customer's history by phone, ``history()``
    (the newest bookings) and a seat map;
  * start-up: closing the box office and opening it again (the start-up check included);
  * disk: every file of the data directory, per booking;
  * check: the full audit (``backend.audit``, what ``cinema-tui check`` runs).

It only prints figures (no target is asserted: other programs on the machine change them,
so the load average is printed with each line). Targets (issue 15) at 100,000 bookings:
throughput >= 90 % of the empty directory's, sweep < 1 ms, check < 30 s. One probe's
bookings/s varies by 10-15 % from run to run on a small machine: for the throughput
target, grow a directory here (``--data-dir``) and compare it with an empty one, in
turns, with ``bench/throughput_at_size.py``.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import random
import resource
import statistics
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from figures import fresh_data_dir, machine_load

from backend import BoxOffice, Card, Cash, ManualClock, Settings
from backend.audit import audit

#: The first day's morning (the programme is generated for any day).
START = datetime(2026, 1, 5, 0, 30, tzinfo=UTC)  # 09:30 in Seoul
CUSTOMERS = 20_000
CARD = Card("4242424242424242", "12/30", "123")


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def ms(seconds: list[float]) -> float:
    return statistics.median(seconds) * 1000


class Cinema:
    """The growing cinema: its box office, clock, customers and the bookings sold so far."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.rng = random.Random(args.seed)
        self.clock = ManualClock(START)
        self.data = fresh_data_dir(args.data_dir, "cinema-scaling-")
        # retention runs at the end of each simulated day (below), not on its timer
        self.settings = Settings(data_dir=self.data, payment_latency_ms=0,
                                 journal_retention_days=args.retention_days or 3650,
                                 journal_retention_every_s=86_400)
        self.phones = [f"010-{n // 10**4:04d}-{n % 10**4:04d}"
                       for n in self.rng.sample(range(10**7, 10**8), CUSTOMERS)]
        self.codes: list[str] = []
        self.customers: list[str] = []  # the phone of every sale, to look them up by
        self.units: list[tuple[str, list[str]]] = []
        self.errors: Counter[str] = Counter()
        self.today_sold = 0
        self.new_day = asyncio.Lock()
        self.office: BoxOffice | None = None
        #: (bookings, bytes) at the last checkpoint: what each booking since then added
        self.last_disk = (0, 0)

    async def start(self) -> float:
        t0 = time.perf_counter()
        self.office = BoxOffice(self.settings, clock=self.clock)
        await self.office.start()
        elapsed = time.perf_counter() - t0
        self.catalog = self.office.catalog
        return elapsed

    async def stop(self) -> None:
        if self.office is not None:
            await self.office.close()
            self.office = None

    @property
    def box(self) -> BoxOffice:
        assert self.office is not None
        return self.office

    def next_day(self) -> None:
        """The clock moves on a day; tomorrow's seats are put on sale."""
        self.clock.advance(86_400)
        tomorrow = self.box.days()[1]
        units: list[tuple[str, list[str]]] = []
        for show in self.box.catalog.showtimes(tomorrow):
            seats = [s.label for s in show.hall.seats if not s.blocked]
            i = 0
            while i < len(seats):
                n = self.rng.choice((1, 2))
                units.append((show.id, seats[i:i + n]))
                i += n
        self.rng.shuffle(units)
        self.units = units[: int(len(units) * self.args.fill)]

    async def sell_one(self, wait: bool) -> None:
        async with self.new_day:  # one client closes the day; the others wait for it
            if not self.units:
                await self.end_of_day()
        show_id, seats = self.units.pop()
        payment = CARD if self.rng.random() < 0.7 else Cash(20_000 * len(seats))
        try:
            hold = await self.box.hold(show_id, seats)
            phone = self.rng.choice(self.phones)
            booking = await self.box.book(hold.id, tickets={"adult": len(seats)},
                                          payment=payment, phone=phone)
            self.codes.append(booking.code)
            self.customers.append(phone)
            if wait and await self.box.wait_for_booking(booking.code) is None:
                self.errors["not COMPLETED in 10 s"] += 1
        except Exception as exc:  # noqa: BLE001 - a benchmark counts, it does not stop
            self.errors[type(exc).__name__] += 1

    async def end_of_day(self) -> None:
        """About 3 % of the day's sales are cancelled; the box office settles; a new day."""
        await self.box.settle(120)
        sold_today = self.codes[-self.today_sold:] if self.today_sold else []
        for code in self.rng.sample(sold_today, int(len(sold_today) * self.args.cancel)):
            try:
                await self.box.cancel(code)
            except Exception as exc:  # noqa: BLE001
                self.errors[f"cancel: {type(exc).__name__}"] += 1
        await self.box.settle(120)
        self.next_day()
        self.today_sold = 0
        if self.args.retention_days:
            await self.box.runtime.keeper.compact()  # what its task does every 10 min

    async def sell(self, count: int, clients: int, wait: bool) -> None:
        """``count`` sales by ``clients`` clients at once."""
        left = count

        async def client() -> None:
            nonlocal left
            while left > 0:
                left -= 1
                self.today_sold += 1
                await self.sell_one(wait)

        await asyncio.gather(*(client() for _ in range(clients)))


async def timed(call: Callable[[], Awaitable[Any]], samples: int) -> float:
    """The median of ``samples`` calls, in ms."""
    times = []
    for _ in range(samples):
        t0 = time.perf_counter()
        await call()
        times.append(time.perf_counter() - t0)
    return ms(times)


async def checkpoint(cinema: Cinema, bookings: int, rate: float, cpu_ms: float) -> None:
    args, box, rng = cinema.args, cinema.box, cinema.rng
    await box.settle(120)
    sweep = await timed(box.runtime.reservation.sweep, args.samples)
    by_code = await timed(lambda: box.booking(rng.choice(cinema.codes)), args.samples)
    by_phone = await timed(lambda: box.history(phone=rng.choice(cinema.customers)), args.samples)
    recent = await timed(box.history, max(5, args.samples // 5))
    show_id = cinema.units[-1][0] if cinema.units else box.catalog.showtimes(box.days()[1])[0].id
    seat_map = await timed(lambda: box.seat_map(show_id), args.samples)
    await cinema.stop()
    files = [p for p in Path(cinema.data).rglob("*") if p.is_file()]
    disk = sum(p.stat().st_size for p in files)
    grown = (disk - cinema.last_disk[1]) / max(1, bookings - cinema.last_disk[0])
    cinema.last_disk = (bookings, disk)
    t0 = time.perf_counter()
    report = await asyncio.to_thread(audit, cinema.settings, cinema.catalog)
    check = time.perf_counter() - t0
    start = await cinema.start()
    one, five, _ = os.getloadavg()
    print(f"{bookings:>8,} {rate:>8.0f} {cpu_ms:>6.2f} {sweep:>8.3f} {by_code:>6.2f} "
          f"{by_phone:>6.2f} {recent:>7.1f} {seat_map:>6.2f} {start:>6.2f} "
          f"{disk / bookings / 1024:>6.2f} {grown / 1024:>6.2f} {check:>7.2f} {'ok' if report.ok else 'BAD':>5} "
          f"{cinema.errors.total():>4} {one:>5.2f}/{five:.2f}", flush=True)
    if cinema.errors:
        print("  errors:", dict(cinema.errors), flush=True)
    if not report.ok:
        print("  audit:", "; ".join(report.violations[:3]), flush=True)


async def run(args: argparse.Namespace) -> None:
    cinema = Cinema(args)
    await cinema.start()
    cinema.next_day()
    print(f"data directory {cinema.data}; {machine_load()}")
    print(f"{'bookings':>8} {'book/s':>8} {'cpu ms':>6} {'sweep ms':>8} {'code':>6} "
          f"{'phone':>6} {'history':>7} {'seats':>6} {'start s':>6} {'KB/bk':>6} {'KB/new':>6} "
          f"{'check s':>7} {'audit':>5} {'errs':>4} {'load 1/5':>9}")
    print(f"{'':>8} {'':>8} {'':>6} {'(median':>8} {'lookup':>6} {'ms,':>6} "
          f"{'median)':>7}")
    sold = 0
    for target in args.checkpoints:
        growth = max(0, target - sold - args.probe)
        await cinema.sell(growth, args.grow_clients, wait=False)
        await cinema.box.settle(120)
        probe = target - sold - growth
        if len(cinema.units) < probe:  # the day would end mid-probe: end it before
            await cinema.end_of_day()
        cpu0, t0 = cpu_seconds(), time.perf_counter()
        await cinema.sell(probe, args.clients, wait=True)
        elapsed, cpu = time.perf_counter() - t0, cpu_seconds() - cpu0
        sold = target
        await checkpoint(cinema, sold, probe / elapsed, cpu / max(probe, 1) * 1000)
    await cinema.stop()
    print("where the bytes are (KB per booking, by table and its indexes):")
    for line in space_by_table(cinema.data, sold):
        print("  " + line)


def space_by_table(data: Path, bookings: int) -> list[str]:
    """Each database's biggest tables (with their indexes) per booking, and free pages."""
    import sqlite3

    lines = []
    for db in sorted(Path(data).glob("*.db")):
        with sqlite3.connect(db) as conn:
            try:
                rows = conn.execute(
                    "SELECT coalesce(m.tbl_name, s.name), sum(s.pgsize) FROM dbstat s"
                    " LEFT JOIN sqlite_schema m ON m.name = s.name GROUP BY 1"
                    " ORDER BY 2 DESC LIMIT 6").fetchall()
                free = conn.execute("PRAGMA freelist_count").fetchone()[0] * conn.execute(
                    "PRAGMA page_size").fetchone()[0]
            except sqlite3.Error as exc:  # a build without dbstat: say so, go on
                lines.append(f"{db.name}: {exc}")
                continue
        parts = [f"{name} {size / bookings / 1024:.2f}" for name, size in rows]
        lines.append(f"{db.stem:<12} " + ", ".join(parts) + f"; free {free / bookings / 1024:.2f}")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--checkpoints", default="1000,10000",
                        help="bookings at which to measure, e.g. 1000,10000,30000,60000,100000")
    parser.add_argument("--clients", type=int, default=100,
                        help="clients selling at once while bookings/s is measured")
    parser.add_argument("--grow-clients", type=int, default=20,
                        help="clients selling at once between measurements")
    parser.add_argument("--probe", type=int, default=300,
                        help="bookings timed before each checkpoint")
    parser.add_argument("--samples", type=int, default=50, help="calls per median")
    parser.add_argument("--fill", type=float, default=0.7,
                        help="share of tomorrow's seats sold each day")
    parser.add_argument("--cancel", type=float, default=0.03,
                        help="share of each day's bookings cancelled")
    parser.add_argument("--retention-days", type=float, default=30.0,
                        help="journal retention window, run at the end of every day "
                             "(0: none, the journals keep everything)")
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("--data-dir", help="an empty or new directory (default: a temporary one)")
    args = parser.parse_args()
    args.checkpoints = sorted(int(n.replace("_", "")) for n in args.checkpoints.split(","))
    logging.basicConfig(level=logging.WARNING)
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
