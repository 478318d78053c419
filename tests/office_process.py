"""A box office in a separate OS process, for the multi-process and crash tests.

    python tests/office_process.py race  DATA_DIR SHOW_ID START_AT ROUNDS_JSON
    python tests/office_process.py churn DATA_DIR SHOW_ID [LEASE_S [SLOW_VIEWS_S]]
    python tests/office_process.py survive DATA_DIR SHOW_ID LEASE_S

``race`` plays rounds (a JSON list of seat lists): round i starts when the wall clock
reaches START_AT + i × 0.5 s, and tries to hold and sell that round's seats; it prints one
JSON line per round: {"round": i, "sold": code} or {"round": i, "refused": message}.
``churn`` sells and cancels as fast as it can with many concurrent clerks, printing a
line per sale, until it is killed (its deliveries leased for LEASE_S, 10 s by default;
with SLOW_VIEWS_S, information pauses that long before each batch of mail, so there is
always mail leased and not yet applied when the process is killed).
``survive`` sells two seats, prints {"ready": n}, then keeps running until a line arrives
on stdin; it then waits (up to 60 s) for every saga on the data directory to finish and
prints {"settled": bool, "taken_back": deliveries taken from dead box offices}.
``CINEMA_HOSTNAME`` in the environment makes either run "on another machine".

For tests/multihost (box offices on machines of their own, PostgreSQL on another):

    python tests/office_process.py sell  DATA_DIR SHOW_ID LEASE_S
    python tests/office_process.py watch DATA_DIR SHOW_ID
    python tests/office_process.py hold  DATA_DIR SHOW_ID

``sell`` sells and cancels like ``churn`` (a line per sale and per cancellation), until a
line arrives on stdin; then its clerks stop, it waits (up to 60 s) for every saga to
finish and prints {"settled": bool, "taken_back": n, "escaped": [errors other than the
box office's that stopped a clerk], "settle_s": seconds}.
``watch`` prints {"changed": wall time, "held": [labels], "sold": [labels]} each time the
show's seat map changes (the first line is the map at start).
``hold`` prints {"ready": true}, then for each line on stdin (a JSON list of seats) holds
those seats and prints {"held": [seats], "at": wall time when the hold returned} or
{"refused": message}; it stops at the end of stdin.

Every mode reads its settings from the environment as the box office does, so
``CINEMA_RESERVATION_DB_URL`` (and payment's, cinema's, information's) put the services
on PostgreSQL; DATA_DIR keeps only what is local.
"""

from __future__ import annotations

import asyncio
import json
import random
import sys
import time
from pathlib import Path

from backend import BoxOffice, Card, Cash, SeatUnavailable, Settings
from backend.errors import BoxOfficeError

VISA = "4242424242424242"


async def race(data_dir: Path, show_id: str, start_at: float, rounds: list[list[str]]) -> None:
    settings = Settings(data_dir=data_dir)
    async with BoxOffice.open(settings) as office:
        for i, seats in enumerate(rounds):
            await asyncio.sleep(max(0.0, start_at + i * 0.5 - time.time()))
            try:
                hold = await office.hold(show_id, seats)
                booking = await office.book(
                    hold.id, tickets={"adult": len(seats)}, payment=Card(VISA, "12/30", "123")
                )
                print(json.dumps({"round": i, "sold": booking.code}), flush=True)
            except SeatUnavailable as exc:
                print(json.dumps({"round": i, "refused": str(exc)}), flush=True)
        await office.settle(10)


def _clerks(office: BoxOffice, show_id: str, count: int = 12) -> list[asyncio.Task[None]]:
    """``count`` clerks selling (and now and then cancelling) as fast as they can, each
    printing a line per sale and per cancellation; any refusal is shrugged off."""
    labels = [s.label for s in office.catalog.showtime(show_id).hall.seats if not s.blocked]
    rng = random.Random(7)

    async def clerk(n: int) -> None:
        while True:
            seats = rng.sample(labels, rng.randint(1, 3))
            try:
                hold = await office.hold(show_id, seats)
                tender = Card(VISA, "12/30", "123") if n % 2 else Cash(100000)
                booking = await office.book(hold.id, tickets={"adult": len(seats)}, payment=tender)
                print(json.dumps({"sold": booking.code}), flush=True)
                if rng.random() < 0.3:
                    await office.cancel(booking.code)
                    print(json.dumps({"cancelled": booking.code}), flush=True)
            except BoxOfficeError:
                await asyncio.sleep(0.01)

    return [asyncio.create_task(clerk(i)) for i in range(count)]


async def churn(data_dir: Path, show_id: str, lease_s: float = 10.0,
                slow_views_s: float = 0.0) -> None:
    settings = Settings(data_dir=data_dir, payment_timeout_s=0.5, payment_latency_ms=15,
                        delivery_lease_s=lease_s)
    async with BoxOffice.open(settings) as office:
        if slow_views_s:
            information = office.runtime.information
            apply = information.handle_deliveries

            async def slowly(batch):  # type: ignore[no-untyped-def]
                await asyncio.sleep(slow_views_s)
                await apply(batch)

            information.handle_deliveries = slowly  # type: ignore[method-assign]
        await asyncio.gather(*_clerks(office, show_id))


async def sell(data_dir: Path, show_id: str, lease_s: float) -> None:
    settings = Settings(data_dir=data_dir, payment_timeout_s=0.5, payment_latency_ms=15,
                        delivery_lease_s=lease_s)
    async with BoxOffice.open(settings) as office:
        clerks = _clerks(office, show_id)
        await asyncio.to_thread(sys.stdin.readline)
        for task in clerks:
            task.cancel()
        ended = await asyncio.gather(*clerks, return_exceptions=True)
        # A clerk stops only when cancelled: anything else escaped the box office's
        # errors (a driver's exception, a bug), which a clerk would see as a traceback.
        escaped = [repr(e) for e in ended if not isinstance(e, asyncio.CancelledError)]
        began = time.monotonic()
        settled = await office.settle(60)
        taken = office.runtime.dispatcher.taken_back
        print(json.dumps({"settled": settled, "taken_back": taken, "escaped": escaped,
                          "settle_s": time.monotonic() - began}), flush=True)


async def watch(data_dir: Path, show_id: str) -> None:
    async with BoxOffice.open(Settings(data_dir=data_dir)) as office:
        async for seat_map in office.watch_seat_map(show_id):
            now = time.time()
            held = [s.label for s in seat_map.seats if s.state == "held"]
            sold = [s.label for s in seat_map.seats if s.state == "sold"]
            print(json.dumps({"changed": now, "held": held, "sold": sold}), flush=True)


async def hold_on_request(data_dir: Path, show_id: str) -> None:
    async with BoxOffice.open(Settings(data_dir=data_dir)) as office:
        print(json.dumps({"ready": True}), flush=True)
        while line := await asyncio.to_thread(sys.stdin.readline):
            seats = json.loads(line)
            try:
                await office.hold(show_id, seats)
                print(json.dumps({"held": seats, "at": time.time()}), flush=True)
            except BoxOfficeError as exc:
                print(json.dumps({"refused": str(exc)}), flush=True)


async def survive(data_dir: Path, show_id: str, lease_s: float) -> None:
    settings = Settings(data_dir=data_dir, payment_timeout_s=0.5, delivery_lease_s=lease_s)
    async with BoxOffice.open(settings) as office:
        sold = 0
        for seats in (["M1"], ["M2"]):
            try:
                hold = await office.hold(show_id, seats)
                await office.book(hold.id, tickets={"adult": 1}, payment=Cash(100000))
                sold += 1
            except BoxOfficeError:
                pass  # taken by the churning process: being alive is what counts here
        print(json.dumps({"ready": sold}), flush=True)
        await asyncio.to_thread(sys.stdin.readline)
        settled = await office.settle(60)
        taken = office.runtime.dispatcher.taken_back
        print(json.dumps({"settled": settled, "taken_back": taken}), flush=True)


def main() -> None:
    mode, data_dir, show_id, *rest = sys.argv[1:]
    if mode == "race":
        asyncio.run(race(Path(data_dir), show_id, float(rest[0]), json.loads(rest[1])))
    elif mode == "churn":
        asyncio.run(churn(Path(data_dir), show_id, *(float(r) for r in rest)))
    elif mode == "survive":
        asyncio.run(survive(Path(data_dir), show_id, float(rest[0])))
    elif mode == "sell":
        asyncio.run(sell(Path(data_dir), show_id, float(rest[0])))
    elif mode == "watch":
        asyncio.run(watch(Path(data_dir), show_id))
    elif mode == "hold":
        asyncio.run(hold_on_request(Path(data_dir), show_id))
    else:
        raise SystemExit(f"unknown mode {mode}")


if __name__ == "__main__":
    main()
