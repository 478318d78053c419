"""The blockbuster's race itself, shared by the one-process run and the box-office
processes of ``blockbuster_procs``: the show on sale, the clients, what they record.

A ``Race`` is what one process saw; ``as_json``/``merge`` carry it from a box-office
process to the parent, which adds the processes' races up into one (times are seconds
since the common start, so they add up as they are).
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter
from typing import Any

from backend import BoxOffice, Cash, PaymentUnavailable, SeatUnavailable

HALL = "hall-1"
ON_SALE = 300
BLOCK = [f"N{i}" for i in range(1, 25)] + [f"M{i}" for i in (1, 2, 3, 4, 5, 20, 21, 22, 23, 24)]
CASH = Cash(20_000)  # covers any one ticket (adult 14000, premium +2000)
TARGET_SOLD_OUT_S = 5.0


class Race:
    """What the clients of one process (or, merged, of all) saw."""

    LISTS = ("sold", "hold_lat", "book_lat", "map_lat", "seats_sold")
    COUNTERS = ("outcomes", "tries", "refusals")

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

    def as_json(self) -> dict[str, Any]:
        """Everything but ``start`` (which is this process's own clock)."""
        return {**{k: [round(x, 6) if isinstance(x, float) else x for x in getattr(self, k)]
                    for k in self.LISTS},
                **{k: dict(getattr(self, k)) for k in self.COUNTERS},
                "gave_up": self.gave_up, "finished": self.finished}

    def merge(self, other: dict[str, Any]) -> None:
        """Add another process's race (``as_json``) to this one."""
        for k in self.LISTS:
            getattr(self, k).extend(other[k])
        for k in self.COUNTERS:
            getattr(self, k).update({int(t) if k == "tries" else t: n
                                     for t, n in other[k].items()})
        self.gave_up += other["gave_up"]
        self.finished = max(self.finished, other["finished"])


async def prepare_show(office: BoxOffice) -> Any:
    """Tomorrow's first show in hall-1 with exactly ``ON_SALE`` seats for sale."""
    tomorrow = office.days()[1]
    show = next(s for s in await office.showtimes(tomorrow) if s.hall_id == HALL)
    await office.block_seats(show.id, BLOCK)
    await office.settle()
    return show


async def run_clients(office: BoxOffice, race: Race, show_id: str, clients: int,
                      attempts: int, rng: random.Random) -> None:
    """``clients`` clients at once, each with its own seeded choice of seats."""
    await asyncio.gather(*(
        client(office, race, show_id, attempts, random.Random(rng.random()))
        for _ in range(clients)))


def office_extras(office: BoxOffice, t_mono: float) -> tuple[list[Any], int]:
    """The payment breaker's transitions since ``t_mono`` and the worker pool's peak."""
    transitions = [(round(t.at - t_mono, 2), t.old.value, t.new.value,
                    round(t.slow_call_rate, 2), round(t.failure_rate, 2))
                   for t in office.breaker_transitions if t.at >= t_mono]
    pool_peak = max((n for at, n in office.payment_pool().history if at >= t_mono),
                    default=office.payment_pool().size)
    return transitions, pool_peak


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
            except Exception:  # noqa: BLE001, S110 - the hold lapses by itself anyway
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
