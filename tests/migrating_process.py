"""A box office starting in its own OS process on a data directory, for the migration tests.

    python tests/migrating_process.py VERSIONS_DIR DATA_DIR START_AT

It uses the migration histories in VERSIONS_DIR (a copy with a revision a test added),
waits until the wall clock reaches START_AT (so that two processes start together),
opens the box office and prints one JSON line: what opening did to each service's
schema (adopted a v0.1.0 database, and the migrations it ran).
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from pathlib import Path

from backend import BoxOffice, Settings
from backend.integrity import check_at_start
from backend.schema import migrations


async def main(versions: Path, data_dir: Path, start_at: float) -> None:
    migrations.VERSIONS = versions
    await asyncio.sleep(max(0.0, start_at - time.time()))
    settings = Settings(data_dir=data_dir)
    plans = await asyncio.to_thread(check_at_start, settings)  # what BoxOffice.open runs
    async with BoxOffice.open(settings):
        pass
    print(json.dumps({name: {"adopted": plan.adopt, "steps": plan.steps}
                      for name, plan in plans.items()}), flush=True)


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1]), Path(sys.argv[2]), float(sys.argv[3])))
