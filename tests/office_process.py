"""A box office in a separate OS process, for the multi-process and crash tests.

    python tests/office_process.py race  DATA_DIR SHOW_ID START_AT ROUNDS_JSON
    python tests/office_process.py churn DATA_DIR SHOW_ID

``race`` plays rounds (a JSON list of seat lists): round i starts when the wall clock
reaches START_AT + i × 0.5 s, and tries to hold and sell that round's seats; it prints one
JSON line per round: {"round": i, "sold": code} or {"round": i, "refused": message}.
``churn`` sells and cancels as fast as it can with many concurrent clerks, printing a
line per sale, until it is killed.
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


async def churn(data_dir: Path, show_id: str) -> None:
    settings = Settings(data_dir=data_dir, payment_timeout_s=0.5, payment_latency_ms=15)
    async with BoxOffice.open(settings) as office:
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

        await asyncio.gather(*(clerk(i) for i in range(12)))


def main() -> None:
    mode, data_dir, show_id, *rest = sys.argv[1:]
    if mode == "race":
        asyncio.run(race(Path(data_dir), show_id, float(rest[0]), json.loads(rest[1])))
    elif mode == "churn":
        asyncio.run(churn(Path(data_dir), show_id))
    else:
        raise SystemExit(f"unknown mode {mode}")


if __name__ == "__main__":
    main()
