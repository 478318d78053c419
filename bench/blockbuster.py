"""A blockbuster opens: 1000 clients race for the 300 seats of one show.

    uv run python bench/blockbuster.py [--clients 1000] [--attempts 5]
                                       [--data-dir DIR] [--json]
    uv run python bench/blockbuster.py --engine postgres [--processes 1,2,4]
                                       [--pg-durability off|normal|full]

What it measures: a ``BoxOffice`` on a fresh data directory (payment latency 0). The show
is tomorrow's first one in hall-1, the bundled demo cinema's largest hall (334 seats for
sale); the cinema first takes 34 of them out of service with ``block_seats`` (the back
row N, wheelchair spaces included, and M1-M5 and M20-M24) and the box office settles, so
exactly 300 seats are on sale. Then N concurrent clients (asyncio tasks) start at once.
Each reads the seat map, picks one free seat at random, holds it and books it with cash.
On ``SeatUnavailable`` it reads a fresh seat map and tries another free seat, up to
``--attempts`` tries in all; when its map shows no free seat it tries one taken seat
anyway (a clerk whose screen lags), so that every loser hears ``SeatUnavailable`` from the
box office itself. Time runs from the start of the race.

How to read it:
  * sold out after: when the 300th ``book`` returned (PAID). Also when the last client
    finished (every loser told).
  * outcomes: one per client: ``booked``, ``SeatUnavailable`` (turned away), or an error
    type (anything else: should not happen). ``gave up`` means a client used all its
    attempts while its map still showed free seats (more attempts would have sold more).
  * hold/book latency p50/p99: what a clerk waited, per call, during the rush.
  * after ``settle()``: the seat map must count exactly 300 ``sold``, and no seat may be
    sold twice (the invariant auditor checks tickets, claims and the views).
  * --engine postgres: the same race on a throwaway PostgreSQL server (every service in a
    database of its own; the server's durability is printed, ``bench/pg_server.py``),
    once for each count in --processes: that many box-office processes, each opening a
    ``BoxOffice`` on the same databases with its share of the clients, all starting at one
    wall-clock instant (``bench/blockbuster_procs.py``). The scaling table at the end
    shows how the sell-out time and sales/s (300 / sell-out time) change with processes.
    The one-process SQLite race (the default) runs in this process, as it always did.
  * machine: load averages before and after each race; on a busy machine every figure
    is lower.
Targets (2-core machine, 1000 clients): sold out in < 5 s; exactly 300 sold; every other
client got ``SeatUnavailable``; audit clean.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import random
import shutil
import sys
import time
from typing import Any

from blockbuster_procs import race_in_processes
from blockbuster_race import (
    BLOCK,
    ON_SALE,
    TARGET_SOLD_OUT_S,
    Race,
    office_extras,
    prepare_show,
    run_clients,
    sold_by_second,
)
from figures import fresh_data_dir, machine_load, num, pct, verdict
from pg_server import DURABILITY, describe, start_server

from backend import BoxOffice, Settings
from backend.audit import audit


async def race_in_process(args: argparse.Namespace) -> dict[str, Any]:
    """The race with every client in this process, on SQLite files (the default)."""
    data_dir = fresh_data_dir(args.data_dir, "cinema-blockbuster-")
    settings = Settings(data_dir=data_dir, payment_latency_ms=0)
    rng = random.Random(args.seed)
    load_before = machine_load()
    try:
        async with BoxOffice.open(settings) as office:
            show = await prepare_show(office)
            on_sale = (await office.seat_map(show.id)).count("free")
            t_mono = time.monotonic()
            race = Race(time.perf_counter())
            await run_clients(office, race, show.id, args.clients, args.attempts, rng)
            transitions, pool_peak = office_extras(office, t_mono)
            settled = await office.settle(60)
            after = await office.seat_map(show.id)
            summary = next(s for s in await office.showtimes(office.days()[1])
                           if s.id == show.id)
            report = await asyncio.to_thread(audit, settings, office.catalog)
    finally:
        if not args.data_dir and not args.keep:
            shutil.rmtree(data_dir, ignore_errors=True)
    return {"race": race, "show": show, "on_sale": on_sale, "after": after,
            "summary": summary, "report": report, "settled": settled,
            "transitions": transitions, "pool_peak": pool_peak, "processes": 1,
            "per_process": [], "data_dir": str(data_dir), "load_before": load_before,
            "load_after": machine_load()}


def show_race(args: argparse.Namespace, engine: str, r: dict[str, Any]) -> dict[str, Any]:
    """Print one race's figures; its JSON figures (with ``pass``)."""
    race, show, on_sale, after = r["race"], r["show"], r["on_sale"], r["after"]
    summary, report, settled = r["summary"], r["report"], r["settled"]
    where = (f"{r['processes']} box-office process{'es' if r['processes'] > 1 else ''}"
             if engine == "postgres" else "one process")
    print(f"blockbuster on {engine}, {where}: {args.clients} clients race for {on_sale} "
          f"seats of {show.id} ({show.title_en}, {show.hall_en}, "
          f"{show.starts_at:%Y-%m-%d %H:%M}); data dir {r['data_dir']}")
    if on_sale != ON_SALE:
        print(f"note: {on_sale} seats free after blocking {len(BLOCK)}, expected {ON_SALE}",
              file=sys.stderr)
    print(f"  machine      {r['load_before']} (before), {r['load_after']} (after)")
    for p in r["per_process"]:
        print(f"  process {p['pid']} on {p['host']}: {p['clients']} clients, booked "
              f"{p['booked']}, started {p['start_lag_ms']:.1f} ms after the instant, "
              f"{p['cpu_s']:.2f} s CPU, settled {p['settled']}")
    sold = after.count("sold")
    booked = race.outcomes["booked"]
    sold_out_at = sorted(race.sold)[on_sale - 1] if len(race.sold) >= on_sale else None
    turned_away = race.outcomes["SeatUnavailable"]
    others = {k: v for k, v in race.outcomes.items() if k not in ("booked", "SeatUnavailable")}
    twice = len(race.seats_sold) - len(set(race.seats_sold))
    losers_ok = booked + turned_away == args.clients and not others
    fast = sold_out_at is not None and sold_out_at < TARGET_SOLD_OUT_S
    sales_s = on_sale / sold_out_at if sold_out_at else None
    print(f"  sold out after {f'{sold_out_at:.2f} s' if sold_out_at is not None else 'never'}"
          f"   target < {TARGET_SOLD_OUT_S:.0f} s   {verdict(fast)}"
          + (f"   ({sales_s:.0f} sales/s)" if sales_s else ""))
    print(f"  first sale after {min(race.sold, default=float('nan')):.2f} s; "
          f"sold by second: {sold_by_second(race.sold)}")
    print(f"  last client told after {race.finished:.2f} s")
    print(f"  outcomes     booked {booked}, SeatUnavailable {turned_away}"
          + (f", other {others}" if others else "")
          + f"   every other client SeatUnavailable: {verdict(losers_ok)}")
    print(f"  tries        {dict(sorted(race.tries.items()))} (clients reaching try n); "
          f"gave up with free seats on their map: {race.gave_up}")
    print(f"  seat map     p50 {pct(race.map_lat, 50):.1f} ms, p99 {pct(race.map_lat, 99):.1f} ms")
    print(f"  hold         p50 {pct(race.hold_lat, 50):.1f} ms, "
          f"p99 {pct(race.hold_lat, 99):.1f} ms (successful holds)")
    print(f"  book         p50 {pct(race.book_lat, 50):.1f} ms, "
          f"p99 {pct(race.book_lat, 99):.1f} ms")
    print(f"  payment      pool peaked at {r['pool_peak']}; refusals (book retried after "
          f"retry_after) {dict(race.refusals) or 'none'}")
    for at, old, new, slow, failed in r["transitions"]:
        print(f"    breaker {old} -> {new} at t={at:.2f} s (slow {slow:.0%}, failed {failed:.0%})")
    print(f"after settle ({settled}): seat map sold {sold}, held {after.count('held')}, "
          f"free {after.count('free')}, blocked {after.count('blocked')}; showtimes says "
          f"sold {summary.seats_sold}, free {summary.seats_free}")
    print(f"  exactly {on_sale} sold   {verdict(sold == on_sale == booked)}")
    print(f"  none sold twice (clients {twice}; audit)   {verdict(twice == 0 and report.ok)}")
    print(f"  audit        {'all invariants hold' if report.ok else 'VIOLATIONS'}"
          f"  {dict(report.counts)}")
    for v in report.violations:
        print(f"    - {v}")
    return {
        "engine": engine, "processes": r["processes"],
        "clients": args.clients, "on_sale": on_sale, "attempts": args.attempts,
        "sold_out_s": None if sold_out_at is None else round(sold_out_at, 3),
        "sales_per_s": None if sales_s is None else round(sales_s, 1),
        "last_client_s": round(race.finished, 3), "outcomes": dict(race.outcomes),
        "tries": dict(race.tries), "gave_up": race.gave_up,
        "hold_p50_ms": num(pct(race.hold_lat, 50)),
        "hold_p99_ms": num(pct(race.hold_lat, 99)),
        "book_p50_ms": num(pct(race.book_lat, 50)),
        "book_p99_ms": num(pct(race.book_lat, 99)),
        "map_p99_ms": num(pct(race.map_lat, 99)),
        "payment_refusals": dict(race.refusals), "breaker_transitions": r["transitions"],
        "pool_peak": r["pool_peak"], "per_process": r["per_process"],
        "sold": sold, "settled": settled, "audit_ok": report.ok,
        "violations": report.violations,
        "load_before": r["load_before"], "load_after": r["load_after"],
        "pass": {"sold_out": fast, "exactly_sold": sold == on_sale == booked,
                 "losers_seat_unavailable": losers_ok,
                 "none_twice": twice == 0 and report.ok},
    }


def scaling(figures: list[dict[str, Any]]) -> None:
    """How the race changes with box-office processes (--engine postgres)."""
    print(f"\n{'processes':>9} {'sold out':>9} {'sales/s':>8} {'last told':>10} "
          f"{'hold p50':>9} {'book p50':>9} {'sold':>5} {'audit':>6}   load (1 min)")
    for f in figures:
        out = f"{f['sold_out_s']:.2f} s" if f["sold_out_s"] is not None else "never"
        print(f"{f['processes']:>9} {out:>9} {f['sales_per_s'] or 0:>8.0f} "
              f"{f['last_client_s']:>8.2f} s {f['hold_p50_ms']!s:>6} ms {f['book_p50_ms']!s:>6} ms "
              f"{f['sold']:>5} {'clean' if f['audit_ok'] else 'BAD':>6}   "
              f"{f['load_before'].split()[2]}")


def processes_list(text: str) -> list[int]:
    try:
        counts = [int(p) for p in text.split(",")]
    except ValueError:
        counts = []
    if not counts or any(c < 1 or c > 32 for c in counts):
        sys.exit(f"--processes {text!r}: give counts from 1 to 32 separated by commas, "
                 "e.g. 1,2,4.")
    return counts


async def main(args: argparse.Namespace) -> int:
    if args.engine == "sqlite":
        if args.processes not in (None, "1"):
            sys.exit("--processes is for --engine postgres: the SQLite race runs in one process.")
        figures = [show_race(args, "sqlite", await race_in_process(args))]
    else:
        if args.data_dir:
            sys.exit("--data-dir is for the SQLite race; on PostgreSQL every box office "
                     "gets a temporary directory (--keep keeps them).")
        counts = processes_list(args.processes or "1,2,4")
        server = await asyncio.to_thread(start_server, args.pg_durability)
        figures = []
        try:
            print(describe(server))
            for processes in counts:
                result = await race_in_processes(args, server, processes)
                figures.append(show_race(args, "postgres", result))
        finally:
            await asyncio.to_thread(server.stop)
        scaling(figures)
    if args.json:
        for f in figures:
            print(json.dumps(f))
    passed = [f["audit_ok"] and f["pass"]["exactly_sold"] and f["pass"]["losers_seat_unavailable"]
              for f in figures]
    return 0 if all(passed) else 1


def parse() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--clients", type=int, default=1000, help="concurrent clients (1000)")
    p.add_argument("--attempts", type=int, default=5,
                   help="holds a client tries before giving up (5)")
    p.add_argument("--data-dir", help="use this (empty or new) data dir instead of a temp one")
    p.add_argument("--seed", type=int, default=1, help="seat choice seed (1)")
    p.add_argument("--keep", action="store_true", help="keep the temporary data dir(s)")
    p.add_argument("--engine", choices=("sqlite", "postgres"), default="sqlite",
                   help="SQLite files in one process (default) or a throwaway PostgreSQL")
    p.add_argument("--processes", default=None,
                   help="box-office processes to race with, one race per count "
                        "(--engine postgres; default 1,2,4)")
    p.add_argument("--pg-durability", choices=tuple(DURABILITY), default="normal",
                   help="the PostgreSQL server's durability (see bench/pg_server.py)")
    p.add_argument("--json", action="store_true",
                   help="print a JSON line of the figures (one per race)")
    return p.parse_args()


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING)
    sys.exit(asyncio.run(main(parse())))
