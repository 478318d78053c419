"""A blockbuster opens: 1000 clients race for the 300 seats of one show.

    uv run python bench/blockbuster.py [--clients 1000] [--attempts 5]
                                       [--data-dir DIR] [--json]

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
from collections import Counter

from backend import BoxOffice, Cash, PaymentUnavailable, SeatUnavailable, Settings
from backend.audit import audit
from figures import fresh_data_dir, num, pct, verdict

HALL = "hall-1"
ON_SALE = 300
BLOCK = [f"N{i}" for i in range(1, 25)] + [f"M{i}" for i in (1, 2, 3, 4, 5, 20, 21, 22, 23, 24)]
CASH = Cash(20_000)  # covers any one ticket (adult 14000, premium +2000)
TARGET_SOLD_OUT_S = 5.0


class Race:
    """Shared state of the race."""

    def __init__(self, start: float) -> None:
        self.start = start
        self.sold: list[float] = []               # seconds since start, per sale
        self.outcomes: Counter[str] = Counter()
        self.tries: Counter[int] = Counter()      # holds tried per client
        self.hold_lat: list[float] = []
        self.book_lat: list[float] = []
        self.map_lat: list[float] = []
        self.seats_sold: list[str] = []
        self.gave_up = 0
        self.finished = 0.0
        self.refusals: Counter[str] = Counter()   # PaymentUnavailable by class (retried)


async def client(office: BoxOffice, race: Race, show_id: str, attempts: int,
                 rng: random.Random) -> None:
    outcome = "no attempt"
    for attempt in range(1, attempts + 1):
        try:
            t0 = time.perf_counter()
            seat_map = await office.seat_map(show_id)
            race.map_lat.append(time.perf_counter() - t0)
        except Exception as exc:  # noqa: BLE001 - a benchmark counts, it does not stop
            outcome = f"seat_map:{type(exc).__name__}"
            break
        free = [s.label for s in seat_map.seats if s.state == "free"]
        last = not free or attempt == attempts
        if not free:  # the screen says sold out; ask anyway, to hear it from the box office
            free = [s.label for s in seat_map.seats if s.state in ("held", "sold")]
        seat = rng.choice(free)
        race.tries[attempt] += 1
        try:
            t0 = time.perf_counter()
            hold = await office.hold(show_id, [seat])
            race.hold_lat.append(time.perf_counter() - t0)
        except SeatUnavailable:
            outcome = "SeatUnavailable"
            if last:
                if any(s.state == "free" for s in seat_map.seats):
                    race.gave_up += 1
                break
            continue
        except Exception as exc:  # noqa: BLE001
            outcome = f"hold:{type(exc).__name__}"
            break
        try:
            for pay_try in range(1, attempts + 1):
                t0 = time.perf_counter()
                try:
                    await office.book(hold.id, tickets={"adult": 1}, payment=CASH)
                except PaymentUnavailable as exc:  # the hold is kept: wait, then pay again
                    race.refusals[type(exc).__name__] += 1
                    if pay_try == attempts:
                        raise
                    await asyncio.sleep(min(exc.retry_after or 1.0, 5.0))
                    continue
                race.book_lat.append(time.perf_counter() - t0)
                break
        except Exception as exc:  # noqa: BLE001
            outcome = f"book:{type(exc).__name__}"
            try:
                await office.release(hold.id)
            except Exception:  # noqa: BLE001
                pass
            break
        race.sold.append(time.perf_counter() - race.start)
        race.seats_sold.append(seat)
        outcome = "booked"
        break
    race.outcomes[outcome] += 1
    race.finished = max(race.finished, time.perf_counter() - race.start)


def sold_by_second(times: list[float]) -> list[int]:
    """Cumulative sales at the end of each second of the race."""
    if not times:
        return []
    return [sum(t < s for t in times) for s in range(1, int(max(times)) + 2)]








async def main(args: argparse.Namespace) -> int:
    data_dir = fresh_data_dir(args.data_dir, "cinema-blockbuster-")
    settings = Settings(data_dir=data_dir, payment_latency_ms=0)
    rng = random.Random(args.seed)
    try:
        async with BoxOffice.open(settings) as office:
            tomorrow = office.days()[1]
            show = next(s for s in await office.showtimes(tomorrow) if s.hall_id == HALL)
            await office.block_seats(show.id, BLOCK)
            await office.settle()
            before = await office.seat_map(show.id)
            on_sale = before.count("free")
            print(f"blockbuster: {args.clients} clients race for {on_sale} seats of {show.id} "
                  f"({show.title_en}, {show.hall_en}, {show.starts_at:%Y-%m-%d %H:%M}); "
                  f"data dir {data_dir}")
            if on_sale != ON_SALE:
                print(f"note: {on_sale} seats free after blocking {len(BLOCK)}, "
                      f"expected {ON_SALE}", file=sys.stderr)
            t_mono = time.monotonic()
            race = Race(time.perf_counter())
            await asyncio.gather(*(
                client(office, race, show.id, args.attempts, random.Random(rng.random()))
                for _ in range(args.clients)))
            transitions = [(round(t.at - t_mono, 2), t.old.value, t.new.value,
                            round(t.slow_call_rate, 2), round(t.failure_rate, 2))
                           for t in office.breaker_transitions if t.at >= t_mono]
            pool_peak = max((n for at, n in office.payment_pool().history if at >= t_mono),
                            default=office.payment_pool().size)
            settled = await office.settle(60)
            after = await office.seat_map(show.id)
            summary = next(s for s in await office.showtimes(tomorrow) if s.id == show.id)
            report = await asyncio.to_thread(audit, settings, office.catalog)
    finally:
        if not args.data_dir and not args.keep:
            shutil.rmtree(data_dir, ignore_errors=True)

    sold = after.count("sold")
    booked = race.outcomes["booked"]
    sold_out_at = sorted(race.sold)[on_sale - 1] if len(race.sold) >= on_sale else None
    turned_away = race.outcomes["SeatUnavailable"]
    others = {k: v for k, v in race.outcomes.items() if k not in ("booked", "SeatUnavailable")}
    twice = len(race.seats_sold) - len(set(race.seats_sold))
    losers_ok = booked + turned_away == args.clients and not others
    fast = sold_out_at is not None and sold_out_at < TARGET_SOLD_OUT_S
    print(f"  sold out after {f'{sold_out_at:.2f} s' if sold_out_at is not None else 'never'}"
          f"   target < {TARGET_SOLD_OUT_S:.0f} s   {verdict(fast)}")
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
    print(f"  payment      pool peaked at {pool_peak}; refusals (book retried after "
          f"retry_after) {dict(race.refusals) or 'none'}")
    for at, old, new, slow, failed in transitions:
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
    if args.json:
        print(json.dumps({
            "clients": args.clients, "on_sale": on_sale, "attempts": args.attempts,
            "sold_out_s": None if sold_out_at is None else round(sold_out_at, 3),
            "last_client_s": round(race.finished, 3), "outcomes": dict(race.outcomes),
            "tries": dict(race.tries), "gave_up": race.gave_up,
            "hold_p50_ms": num(pct(race.hold_lat, 50)),
            "hold_p99_ms": num(pct(race.hold_lat, 99)),
            "book_p50_ms": num(pct(race.book_lat, 50)),
            "book_p99_ms": num(pct(race.book_lat, 99)),
            "map_p99_ms": num(pct(race.map_lat, 99)),
            "payment_refusals": dict(race.refusals), "breaker_transitions": transitions,
            "pool_peak": pool_peak,
            "sold": sold, "settled": settled, "audit_ok": report.ok,
            "violations": report.violations,
            "pass": {"sold_out": fast, "exactly_sold": sold == on_sale == booked,
                     "losers_seat_unavailable": losers_ok,
                     "none_twice": twice == 0 and report.ok},
        }))
    return 0 if report.ok and sold == on_sale == booked and losers_ok else 1


def parse() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--clients", type=int, default=1000, help="concurrent clients (1000)")
    p.add_argument("--attempts", type=int, default=5,
                   help="holds a client tries before giving up (5)")
    p.add_argument("--data-dir", help="use this (empty or new) data dir instead of a temp one")
    p.add_argument("--seed", type=int, default=1, help="seat choice seed (1)")
    p.add_argument("--keep", action="store_true", help="keep the temporary data dir")
    p.add_argument("--json", action="store_true", help="print a JSON line of the figures")
    return p.parse_args()


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING)
    sys.exit(asyncio.run(main(parse())))
