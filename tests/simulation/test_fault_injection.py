"""Fault-injection simulation: for each seed, a random mix of sales and faults.

Each seed draws a scenario (holds, card and cash sales, declines, cancellations, and
faults: services stopped, crashed, hung or restarted while selling, payment slowed
into timeouts and breaker trips, the whole box office shut down mid-flight and reopened
on the same data directory). Once the system is quiet every invariant of DESIGN.md §3
must hold. A failing seed is printed; replay one with

    CINEMA_SIM_SEED=<seed> uv run pytest tests/simulation -q

``CINEMA_SIM_SEEDS`` sets how many seeds run (default 200). A share of the seeds run on
PostgreSQL (the test session's throwaway server, ``tests/postgres.py``): one in ten with
every service on it, one in ten "polyglot" (reservation and payment on PostgreSQL, cinema
and information on SQLite); the seed decides (``engine_of``), so a replay runs on the
same engines.
"""

from __future__ import annotations

import asyncio
import os
import random
from pathlib import Path

import pytest

from backend import BoxOffice, Card, Cash, Settings
from backend.audit import audit
from backend.errors import BoxOfficeError
from backend.messaging.messages import SERVICES

CARDS = ("4242424242424242", "4000000000000002", "4000000000009995", "4000000000000119",
         "5555555555554444")


#: Which services a seed puts on PostgreSQL, by ``seed % 10`` (others: all SQLite).
ENGINES = {3: ("postgres", SERVICES), 7: ("polyglot", ("reservation", "payment"))}


def engine_of(seed: int) -> tuple[str, tuple[str, ...]]:
    """(name, services on PostgreSQL) for a seed."""
    return ENGINES.get(seed % 10, ("sqlite", ()))


def seeds() -> list[int]:
    if os.environ.get("CINEMA_SIM_SEED"):
        return [int(os.environ["CINEMA_SIM_SEED"])]
    return list(range(int(os.environ.get("CINEMA_SIM_SEEDS", "200"))))


class Scenario:
    """One seed's box office life."""

    def __init__(self, seed: int, data_dir: Path, urls: dict[str, str] | None = None) -> None:
        self.seed = seed
        self.rng = random.Random(seed)
        self.settings = Settings(
            data_dir=data_dir,
            **(urls or {}),
            payment_timeout_s=0.15,
            hang_after_s=0.3,
            breaker_minimum_calls=4,
            breaker_window_size=6,
            breaker_wait_open_s=0.2,
            breaker_half_open_calls=1,
            pool_tick_s=0.05,
            pool_quiet_s=0.2,
            payment_seed=seed,
        )
        self.codes: list[str] = []
        self.log: list[str] = []

    async def clerk(self, office: BoxOffice, shows: list, n: int) -> None:
        rng = random.Random(self.rng.random())
        for _ in range(n):
            show_id, labels = rng.choice(shows)
            seats = rng.sample(labels, rng.randint(1, 3))
            try:
                hold = await office.hold(show_id, seats)
                if rng.random() < 0.15:
                    await office.release(hold.id)
                    continue
                tender = (Cash(50000) if rng.random() < 0.3
                          else Card(rng.choice(CARDS), "12/30", "123"))
                booking = await office.book(hold.id, tickets={"adult": len(seats)},
                                            payment=tender)
                self.codes.append(booking.code)
                if rng.random() < 0.3:
                    await office.cancel(booking.code)
            except BoxOfficeError:
                pass  # refused, declined, busy, unavailable: each is a legitimate answer

    async def fault(self, office: BoxOffice) -> None:
        kind = self.rng.choice(
            ["stop_cinema", "crash", "hang", "slow_payment", "failing_payment", "restart",
             "stop_information", "none"]
        )
        name = self.rng.choice(SERVICES)
        self.log.append(f"{kind}:{name}")
        if kind == "stop_cinema":
            await office.stop_service("cinema")
            await asyncio.sleep(self.rng.uniform(0.05, 0.3))
            await office.start_service("cinema")
        elif kind == "stop_information":
            await office.stop_service("information")
            await asyncio.sleep(self.rng.uniform(0.05, 0.2))
            await office.start_service("information")
        elif kind == "crash":
            office.crash_service(name)
        elif kind == "hang":
            service = office.runtime.services[name]
            original = service.handle_deliveries

            async def hang_once(batch, original=original, service=service):
                service.handle_deliveries = original  # type: ignore[method-assign]
                await asyncio.sleep(3600)

            service.handle_deliveries = hang_once  # type: ignore[method-assign]
        elif kind == "slow_payment":
            await office.configure_payment_simulator(latency_ms=self.rng.choice([100, 200, 400]))
            await asyncio.sleep(self.rng.uniform(0.1, 0.4))
            await office.configure_payment_simulator(latency_ms=0)
        elif kind == "failing_payment":
            await office.configure_payment_simulator(failure_rate=0.5)
            await asyncio.sleep(self.rng.uniform(0.05, 0.2))
            await office.configure_payment_simulator(failure_rate=0.0)
        elif kind == "restart":
            await office.restart_service(name)

    async def run(self, catalog) -> None:
        office = BoxOffice(self.settings)
        await office.start()
        try:
            days = office.days()
            shows = []
            for show in (await office.showtimes(days[1 + self.seed % 5]))[:3]:
                spec = catalog.showtime(show.id)
                shows.append((show.id, [s.label for s in spec.hall.seats if not s.blocked][:12]))
            clerks = [self.clerk(office, shows, self.rng.randint(3, 6)) for _ in range(4)]
            faults = [self.fault(office) for _ in range(self.rng.randint(1, 3))]
            work = asyncio.gather(*clerks, *faults)
            if self.rng.random() < 0.3:  # the box office is shut down mid-flight
                self.log.append("kill")
                await asyncio.sleep(self.rng.uniform(0.02, 0.2))
                work.cancel()
                await asyncio.gather(work, return_exceptions=True)
                await office.close()
                office = BoxOffice(self.settings)
                await office.start()
            else:
                await work
            await office.configure_payment_simulator(latency_ms=0, failure_rate=0.0)
            for name in SERVICES:
                if not office.runtime.services[name].ready:
                    await office.start_service(name)
            quiet = await office.settle(30)
            assert quiet, f"seed {self.seed}: not quiet after 30 s ({self.log})"
        finally:
            await office.close()


@pytest.mark.parametrize("seed", seeds(), ids=lambda seed: f"{seed}-{engine_of(seed)[0]}")
async def test_invariants_hold_after_random_faults(seed: int, tmp_path: Path, catalog,
                                                  request: pytest.FixtureRequest) -> None:
    _, on_postgres = engine_of(seed)
    urls = {}
    if on_postgres:
        make = request.getfixturevalue("postgres_url")
        urls = {f"{name}_db_url": make(name) for name in on_postgres}
    scenario = Scenario(seed, tmp_path / f"seed-{seed}", urls)
    try:
        await asyncio.wait_for(scenario.run(catalog), 90)
    except BaseException:
        print(f"\nFAILING SEED {seed}: faults {scenario.log}; "
              f"replay with CINEMA_SIM_SEED={seed} uv run pytest tests/simulation -q")
        raise
    report = audit(scenario.settings, catalog, card_numbers=CARDS)
    if not report.ok:
        print(f"\nFAILING SEED {seed}: faults {scenario.log}; "
              f"replay with CINEMA_SIM_SEED={seed} uv run pytest tests/simulation -q")
    assert report.ok, (seed, scenario.log, report.violations)
