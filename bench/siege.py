"""The original project's load test (``siege -c100 -t60S``), healthy and then overloaded.

    uv run python bench/siege.py [--clients 100] [--seconds 60] [--steps 100,200,400,800]
                                 [--step-seconds 5] [--data-dir DIR] [--json]

What it measures: a ``BoxOffice`` on a fresh data directory is besieged by N concurrent
clients (asyncio tasks). Each client loops, without pausing: hold 1 seat -> book it by
card (4242 4242 4242 4242, 12/30, 123). Every client owns its own seats (a precomputed
pool over all not-yet-started shows of the 7 published days), so no two clients ever
want the same seat. Two phases of ``--seconds`` each, back to back, under the same load:

  1. healthy: payment simulator latency 0.
  2. overloaded: the simulator's latency is raised step by step (``--steps`` ms, one
     step every ``--step-seconds``) until the payment circuit breaker opens; the latency
     then stays there and the clients keep going to the end of the phase.

When ``book`` raises ``PaymentUnavailable`` the client counts a refusal, times it (the
``book`` call alone) and releases the hold; the seat goes to the back of its own pool
and is tried again later. Any other exception is a failure. Attempts are counted in the
phase during which they started.

How to read it:
  * the per-second table: bookings that succeeded (ok), refusals by the open breaker
    (``BreakerOpen``: the fast refusals), other ``PaymentUnavailable`` (payment itself
    was late or full: a booking was written and failed), failures (anything else), the
    breaker's state and the payment pool (size/busy/waiting) at the end of that second.
    Breaker transitions are printed as they happen, timed from the start of the run.
  * per phase: attempts, successes and their latency (hold + book), refusals, failures.
  * refusal latency: p50/p99/max of the ``book`` calls that raised ``BreakerOpen`` (what
    a clerk waits to hear "payment is paused"), and apart from them the other
    ``PaymentUnavailable`` refusals, which wait for payment and cannot be fast.
  * lost: after the load, latency back to 0 and ``settle(60)``; every booking ``book``
    returned must be ``COMPLETED`` in ``history()``. Bookings whose outcome the client
    never learnt (``PaymentPending``, time-outs) are listed with their final status.
  * audit: the invariant auditor over the data directory at rest.
Targets: healthy phase: zero failed bookings (no failure, no refusal); overloaded phase:
every refusal is a ``PaymentUnavailable`` (no other failure), and refusals raised while
the breaker is open (``BreakerOpen``) are fast: p99 < 5 ms. The app's key-to-repaint
under overload (< 50 ms) is measured by ``bench/tui_under_load.py``, not here.
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
from collections import Counter, deque
from dataclasses import dataclass, field
from datetime import timedelta

from backend import BoxOffice, Card, PaymentPending, PaymentUnavailable, Settings
from backend.audit import audit
from figures import fresh_data_dir, num, pct, verdict
from backend.runtime.breaker import BreakerOpen

CARD_NUMBER = "4242424242424242"
CARD = Card(CARD_NUMBER, "12/30", "123")
TARGET_REFUSAL_P99_MS = 5.0
HEALTHY, OVERLOADED = "healthy", "overloaded"


async def seat_pools(office: BoxOffice, clients: int, rng: random.Random) -> list[deque]:
    """One pool of (show_id, seat) per client, over every show not starting within 30 min."""
    soon = office.clock.now() + timedelta(minutes=30)
    units: list[tuple[str, str]] = []
    for day in office.days():
        for summary in await office.showtimes(day):
            if summary.starts_at <= soon:
                continue
            units += [(summary.id, s.label) for s in office.catalog.showtime(summary.id).hall.seats
                      if not s.blocked]
    rng.shuffle(units)  # spread every client over all shows
    return [deque(units[i::clients]) for i in range(clients)]


@dataclass
class Phase:
    """What happened to the attempts that started in one phase."""

    name: str
    attempts: int = 0
    ok: int = 0
    ok_latencies: list[float] = field(default_factory=list)     # hold + book, s
    open_refusals: list[float] = field(default_factory=list)    # BreakerOpen, book call, s
    other_refusals: list[float] = field(default_factory=list)   # other PaymentUnavailable
    failures: Counter[str] = field(default_factory=Counter)
    loop_lag: list[float] = field(default_factory=list)         # event-loop lag samples, s

    @property
    def failed(self) -> int:
        return sum(self.failures.values())


class Siege:
    """Shared state of the run."""

    def __init__(self) -> None:
        self.phases = {HEALTHY: Phase(HEALTHY), OVERLOADED: Phase(OVERLOADED)}
        self.phase = self.phases[HEALTHY]
        self.stop = False
        self.codes: list[str] = []                   # bookings book() returned
        self.unknown: list[str] = []                 # outcome not learnt (PaymentPending)
        self.exhausted = 0                           # clients that ran out of seats
        self.latency_ms = 0.0
        self.latency_log: list[tuple[float, float]] = []  # (monotonic, latency ms) per step
        self.lag_max = 0.0                                # worst loop lag this second


async def client(office: BoxOffice, siege: Siege, pool: deque) -> None:
    while not siege.stop:
        if not pool:
            siege.exhausted += 1
            return
        show_id, seat = pool.popleft()
        phase = siege.phase
        phase.attempts += 1
        t0 = time.perf_counter()
        try:
            hold = await office.hold(show_id, [seat])
        except Exception as exc:  # noqa: BLE001 - a benchmark counts, it does not stop
            phase.failures[f"hold:{type(exc).__name__}"] += 1
            continue
        t1 = time.perf_counter()
        try:
            booking = await office.book(hold.id, tickets={"adult": 1}, payment=CARD)
        except PaymentUnavailable as exc:
            took = time.perf_counter() - t1
            if isinstance(exc, BreakerOpen):
                phase.open_refusals.append(took)
            else:
                phase.other_refusals.append(took)
            pool.append((show_id, seat))  # try this seat again later
            try:
                await office.release(hold.id)
            except Exception as rel:  # noqa: BLE001
                phase.failures[f"release:{type(rel).__name__}"] += 1
            continue
        except PaymentPending as exc:
            phase.failures["book:PaymentPending"] += 1
            siege.unknown.append(exc.booking_code)
            continue
        except Exception as exc:  # noqa: BLE001
            phase.failures[f"book:{type(exc).__name__}"] += 1
            continue
        phase.ok += 1
        phase.ok_latencies.append(time.perf_counter() - t0)
        siege.codes.append(booking.code)


async def lag_probe(siege: Siege) -> None:
    """How late the event loop wakes a 5 ms sleep: the floor under any answer, refusals
    included (everything runs on this one loop)."""
    while True:
        t0 = time.perf_counter()
        await asyncio.sleep(0.005)
        lag = time.perf_counter() - t0 - 0.005
        siege.phase.loop_lag.append(lag)
        siege.lag_max = max(siege.lag_max, lag)


def tally(siege: Siege) -> tuple[int, int, int, int]:
    """Running totals over both phases: ok, breaker refusals, other refusals, failures."""
    ps = siege.phases.values()
    return (sum(p.ok for p in ps), sum(len(p.open_refusals) for p in ps),
            sum(len(p.other_refusals) for p in ps), sum(p.failed for p in ps))


async def monitor(office: BoxOffice, siege: Siege, t_start: float, rows: list[dict],
                  transitions: list[dict], quiet: bool) -> None:
    """Every second: what happened in it, the breaker and the pool; transitions as they come."""
    seen = list(office.breaker_transitions)[-1:]   # the newest transition already shown
    last = tally(siege)
    tick = t_start
    if not quiet:
        print(f"{'t':>4} {'phase':<10} {'lat ms':>6} {'ok':>5} {'open-ref':>8} {'pay-ref':>7} "
              f"{'failed':>6}  {'breaker':<9} {'pool s/b/w':<10} {'lag max':>7}")
    while True:
        tick += 1.0
        await asyncio.sleep(max(0.0, tick - time.monotonic()))
        trans = list(office.breaker_transitions)   # a deque of at most 200: find the news
        start = next((i + 1 for i in range(len(trans) - 1, -1, -1) if seen and trans[i] is seen[0]),
                     0)
        for t in trans[start:]:
            row = {"t": round(t.at - t_start, 3), "old": t.old.value, "new": t.new.value,
                   "failure_rate": round(t.failure_rate, 2),
                   "slow_call_rate": round(t.slow_call_rate, 2)}
            transitions.append(row)
            if not quiet:
                print(f"     breaker {row['old']} -> {row['new']} at t={row['t']:.2f} s "
                      f"(failure rate {row['failure_rate']:.0%}, slow {row['slow_call_rate']:.0%})")
        seen = trans[-1:] or seen
        now = tally(siege)
        delta = [a - b for a, b in zip(now, last)]
        last = now
        pool, breaker = office.payment_pool(), office.breaker()
        row = {"t": round(tick - t_start), "phase": siege.phase.name,
               "latency_ms": siege.latency_ms, "ok": delta[0], "open_refusals": delta[1],
               "other_refusals": delta[2], "failed": delta[3], "breaker": breaker.state.value,
               "pool_size": pool.size, "pool_busy": pool.busy, "pool_waiting": pool.waiting,
               "loop_lag_max_ms": round(siege.lag_max * 1000, 1)}
        siege.lag_max = 0.0
        rows.append(row)
        if not quiet:
            print(f"{row['t']:>4} {row['phase']:<10} {siege.latency_ms:>6.0f} {delta[0]:>5} "
                  f"{delta[1]:>8} {delta[2]:>7} {delta[3]:>6}  {row['breaker']:<9} "
                  f"{f'{pool.size}/{pool.busy}/{pool.waiting}':<10} "
                  f"{row['loop_lag_max_ms']:>5.0f}ms")


async def overload(office: BoxOffice, siege: Siege, steps: list[float], step_s: float,
                   seconds: float, opened: list[float], t_start: float) -> None:
    """Raise payment latency a step at a time until the breaker opens; then hold it."""
    began = time.monotonic()
    end = began + seconds
    for latency in steps:
        await office.configure_payment_simulator(latency_ms=latency)
        siege.latency_ms = latency
        siege.latency_log.append((time.monotonic(), latency))
        step_end = min(end, time.monotonic() + step_s)
        while True:
            first = next((t.at for t in office.breaker_transitions
                          if t.new.value == "open" and t.at >= began), None)
            if first is not None or office.breaker().state.value == "open":
                if not opened:
                    opened.append((first or time.monotonic()) - t_start)
                await asyncio.sleep(max(0.0, end - time.monotonic()))
                return
            if time.monotonic() >= step_end:
                break
            await asyncio.sleep(0.05)
        if time.monotonic() >= end:
            return
    await asyncio.sleep(max(0.0, end - time.monotonic()))




def ms(values: list[float]) -> str:
    if not values:
        return "-"
    return (f"p50 {pct(values, 50):.1f} ms, p99 {pct(values, 99):.1f} ms, "
            f"max {max(values) * 1000:.1f} ms")






def phase_json(p: Phase, seconds: float) -> dict:
    return {
        "attempts": p.attempts, "ok": p.ok, "ok_per_s": round(p.ok / seconds, 1),
        "ok_p50_ms": num(pct(p.ok_latencies, 50)), "ok_p99_ms": num(pct(p.ok_latencies, 99)),
        "breaker_refusals": len(p.open_refusals),
        "breaker_refusal_p50_ms": num(pct(p.open_refusals, 50), 2),
        "breaker_refusal_p99_ms": num(pct(p.open_refusals, 99), 2),
        "breaker_refusal_max_ms": num(max(p.open_refusals, default=float("nan")) * 1000, 2),
        "other_refusals": len(p.other_refusals),
        "other_refusal_p99_ms": num(pct(p.other_refusals, 99)),
        "failures": dict(p.failures),
        "loop_lag_p50_ms": num(pct(p.loop_lag, 50)), "loop_lag_p99_ms": num(pct(p.loop_lag, 99)),
    }


async def main(args: argparse.Namespace) -> int:
    data_dir = fresh_data_dir(args.data_dir, "cinema-siege-")
    settings = Settings(data_dir=data_dir, payment_latency_ms=0)
    steps = [float(s) for s in args.steps.split(",") if s.strip()]
    step_s = min(args.step_seconds, args.seconds / (len(steps) + 1))
    siege = Siege()
    rows: list[dict] = []
    transitions: list[dict] = []
    opened: list[float] = []
    try:
        async with BoxOffice.open(settings) as office:
            pools = await seat_pools(office, args.clients, random.Random(args.seed))
            print(f"siege: {args.clients} clients, {args.seconds:.0f} s healthy + "
                  f"{args.seconds:.0f} s overloaded (latency steps {steps} ms every "
                  f"{step_s:.1f} s until the breaker opens); "
                  f"{sum(map(len, pools))} seats in the pools; data dir {data_dir}")
            t_start = time.monotonic()
            watch = asyncio.create_task(
                monitor(office, siege, t_start, rows, transitions, args.quiet))
            probe = asyncio.create_task(lag_probe(siege))
            tasks = [asyncio.create_task(client(office, siege, p)) for p in pools]
            await asyncio.sleep(args.seconds)
            siege.phase = siege.phases[OVERLOADED]
            t_over = time.monotonic()
            await overload(office, siege, steps, step_s, args.seconds, opened, t_start)
            if not opened:  # it may have opened just as a step ended
                opened += [t.at - t_start for t in office.breaker_transitions
                           if t.new.value == "open" and t.at >= t_over][:1]
            # the latency in effect when it first opened
            at_open = next((lat for at, lat in reversed(siege.latency_log)
                            if opened and at - t_start <= opened[0]), None)
            siege.stop = True
            t_stop = time.monotonic()
            await asyncio.gather(*tasks)
            drain = time.monotonic() - t_stop
            await asyncio.sleep(max(0.0, 1.0 - (time.monotonic() - t_stop)))  # last row
            watch.cancel()
            probe.cancel()
            await asyncio.gather(watch, probe, return_exceptions=True)
            final_breaker = office.breaker()
            pool_peak = max((size for _, size in office.payment_pool().history), default=0)
            # the operator fixes payment; everything under way must now come to rest
            await office.configure_payment_simulator(latency_ms=0)
            settled = await office.settle(60)
            completed = {b.code for b in await office.history(status="COMPLETED",
                                                              limit=1_000_000)}
            lost = [c for c in siege.codes if c not in completed]
            lost_status = {}
            for code in lost[:20]:
                try:
                    lost_status[code] = (await office.booking(code)).status
                except Exception as exc:  # noqa: BLE001
                    lost_status[code] = type(exc).__name__
            unknown_status = {}
            for code in siege.unknown[:20]:
                try:
                    unknown_status[code] = (await office.booking(code)).status
                except Exception as exc:  # noqa: BLE001
                    unknown_status[code] = type(exc).__name__
            unacknowledged = len(completed) - len(set(siege.codes) & completed)
            report = await asyncio.to_thread(audit, settings, office.catalog, (CARD_NUMBER,))
    finally:
        if not args.data_dir and not args.keep:
            shutil.rmtree(data_dir, ignore_errors=True)

    healthy, over = siege.phases[HEALTHY], siege.phases[OVERLOADED]
    healthy_ok = healthy.failed == 0 and not healthy.open_refusals and not healthy.other_refusals
    over_ok = over.failed == 0
    p99_open = pct(over.open_refusals, 99)
    fast_ok = bool(over.open_refusals) and p99_open < TARGET_REFUSAL_P99_MS
    print()
    for p in (healthy, over):
        print(f"{p.name}: {p.attempts} attempts, {p.ok} booked ({p.ok / args.seconds:.1f}/s)")
        print(f"  booked       {ms(p.ok_latencies)} (hold + book)")
        print(f"  refused open {len(p.open_refusals):6d}   {ms(p.open_refusals)} (book call)")
        print(f"  refused pay  {len(p.other_refusals):6d}   {ms(p.other_refusals)} (book call)")
        print(f"  failures     {dict(p.failures) or 'none'}")
        print(f"  loop lag     {ms(p.loop_lag)} (a 5 ms sleep's overshoot: the floor under "
              f"every answer)")
    print(f"breaker: opened first at "
          f"{f't={opened[0]:.2f} s with latency {at_open:.0f} ms' if opened else 'never'} "
          f"(latency at the end {siege.latency_ms:.0f} ms), {len(transitions)} transitions, "
          f"{final_breaker.refused} refused in all, {final_breaker.state.value} at the end; "
          f"payment pool peaked at {pool_peak}; clients took {drain:.1f} s to stop")
    if siege.exhausted:
        print(f"note: {siege.exhausted} clients ran out of seats")
    print("targets:")
    print(f"  healthy: zero failed bookings ({healthy.failed} failures, "
          f"{len(healthy.open_refusals) + len(healthy.other_refusals)} refusals)   "
          f"{verdict(healthy_ok)}")
    print(f"  overloaded: every refusal a PaymentUnavailable ({over.failed} other failures)   "
          f"{verdict(over_ok)}")
    print(f"  overloaded: BreakerOpen refusal p99 {p99_open:.2f} ms < "
          f"{TARGET_REFUSAL_P99_MS:.0f} ms ({len(over.open_refusals)} refusals)   "
          f"{verdict(fast_ok)}")
    print("  app key-to-repaint under overload < 50 ms: measured by bench/tui_under_load.py")
    print(f"after the load: settled {settled}; {len(siege.codes)} bookings returned by book(), "
          f"{len(completed)} COMPLETED in history")
    print(f"  lost         {len(lost)} (book() returned but not COMPLETED)"
          + (f" e.g. {lost_status}" if lost else "") + f"   {verdict(not lost)}")
    if siege.unknown or unacknowledged:
        print(f"  outcome not learnt by the client: {len(siege.unknown)} "
              f"{unknown_status or ''}; COMPLETED but never returned by book(): "
              f"{unacknowledged}")
    print(f"  audit        {'all invariants hold' if report.ok else 'VIOLATIONS'}"
          f"  {dict(report.counts)}")
    for v in report.violations:
        print(f"    - {v}")
    if args.json:
        print(json.dumps({
            "clients": args.clients, "seconds_per_phase": args.seconds, "steps_ms": steps,
            "step_seconds": step_s, "breaker_opened_at_s": round(opened[0], 3) if opened else None,
            "latency_ms_at_open": at_open,
            "latency_ms_at_end": siege.latency_ms,
            "healthy": phase_json(healthy, args.seconds),
            "overloaded": phase_json(over, args.seconds),
            "transitions": transitions, "per_second": rows, "pool_peak": pool_peak,
            "settled": settled, "returned": len(siege.codes), "completed": len(completed),
            "lost": len(lost), "unknown_outcome": len(siege.unknown),
            "audit_ok": report.ok, "violations": report.violations,
            "pass": {"healthy_zero_failed": healthy_ok, "overloaded_only_unavailable": over_ok,
                     "breaker_refusal_p99": fast_ok, "nothing_lost": not lost},
        }))
    return 0 if report.ok and not lost and healthy_ok and over_ok else 1


def parse() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--clients", type=int, default=100, help="concurrent clients (100)")
    p.add_argument("--seconds", type=float, default=60.0, help="seconds per phase (60)")
    p.add_argument("--steps", default="100,200,400,800",
                   help="payment latency steps of the overloaded phase, ms (100,200,400,800)")
    p.add_argument("--step-seconds", type=float, default=5.0,
                   help="seconds per latency step, at most seconds/(steps+1) (5)")
    p.add_argument("--data-dir", help="use this (empty or new) data dir instead of a temp one")
    p.add_argument("--seed", type=int, default=1, help="seat shuffling seed (1)")
    p.add_argument("--keep", action="store_true", help="keep the temporary data dir")
    p.add_argument("--quiet", action="store_true", help="no per-second table")
    p.add_argument("--json", action="store_true", help="print a JSON line of the figures")
    return p.parse_args()


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING)
    sys.exit(asyncio.run(main(parse())))
