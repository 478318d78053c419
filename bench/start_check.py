"""What the start-up check costs on a large data directory (target: < 200 ms at 100,000
bookings).

    uv run python bench/start_check.py [--bookings 100000] [--data-dir DIR]

How: a fresh box office sells 20 bookings for real (every service's tables and journal
filled as a sale fills them); then every row of every table is copied until there are
N bookings, with each key made unique (pending deliveries are not copied: a real
directory has none once quiet). The copies are not sales the box office could replay,
but they give every table and index the size N bookings give them, and the check only
reads through indexes, so its cost is what it would be. Then it times
``backend.integrity.check_at_start``: what every start runs, migrations included.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path

from backend import BoxOffice, Cash, Settings
from backend.integrity import check_at_start
from backend.messaging.messages import SERVICES

SEED = 20


async def sell(settings: Settings) -> None:
    async with BoxOffice.open(settings) as office:
        show = (await office.showtimes(office.days()[2]))[0]
        free = [s.label for s in (await office.seat_map(show.id)).seats if s.state == "free"]
        for seat in free[:SEED]:
            hold = await office.hold(show.id, [seat])
            await office.book(hold.id, tickets={"adult": 1}, payment=Cash(20_000),
                              phone="010-1234-5678")
        await office.settle(30)


def grow(db: Path, copies: int) -> None:
    """Copy every row ``copies`` times, keys made unique with a suffix."""
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("BEGIN")
    tables = [r[0] for r in conn.execute(
        "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'")]
    for table in tables:
        if table in ("deliveries", "alembic_version", "box_office_identity"):
            continue
        columns = list(conn.execute(f"PRAGMA table_info({table})"))
        unique = {r[2] for index in conn.execute(f"PRAGMA index_list({table})")
                  if index[2] for r in conn.execute(f"PRAGMA index_info({index[1]})")}
        names, values = [], []
        for _, name, kind, _, _, pk in columns:
            if pk and kind.upper() == "INTEGER":
                continue  # a rowid: numbered afresh
            names.append(name)
            keyed = pk or name in unique or name.endswith("_id") or name == "code"
            values.append(f"{name} || '-' || :k" if keyed and kind.upper() != "INTEGER"
                          else name)
        statement = (f"INSERT INTO {table} ({', '.join(names)}) "
                     f"SELECT {', '.join(values)} FROM {table} WHERE rowid <= :n")
        original = conn.execute(f"SELECT max(rowid) FROM {table}").fetchone()[0] or 0
        for k in range(1, copies + 1):
            conn.execute(statement, {"k": k, "n": original})
    conn.execute("COMMIT")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bookings", type=int, default=100_000)
    parser.add_argument("--data-dir", type=Path)
    args = parser.parse_args()
    data = args.data_dir or Path(tempfile.mkdtemp(prefix="start-check-"))
    settings = Settings(data_dir=data)
    try:
        asyncio.run(sell(settings))
        started = time.perf_counter()
        for service in SERVICES:
            grow(data / f"{service}.db", args.bookings // SEED - 1)
        with sqlite3.connect(data / "reservation.db") as conn:
            bookings = conn.execute("SELECT count(*) FROM bookings").fetchone()[0]
        size = sum(p.stat().st_size for p in data.glob("*.db*"))
        print(f"data directory: {bookings:,} bookings, {size / 1e6:.0f} MB "
              f"(grown in {time.perf_counter() - started:.0f} s)")
        times = []
        for _ in range(7):
            t = time.perf_counter()
            check_at_start(settings)
            times.append((time.perf_counter() - t) * 1000)
        print(f"start-up check: median {statistics.median(times):.0f} ms, "
              f"min {min(times):.0f} ms, max {max(times):.0f} ms (7 runs; target < 200 ms)")
    finally:
        if args.data_dir is None:
            shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    main()
