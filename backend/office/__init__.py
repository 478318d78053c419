"""The real box office: ``BoxOffice``, put together from one class per job.

* ``core`` — settings, clock, catalog, life cycle, and the checks every job needs;
* ``lookup`` — the programme, seat maps and their cache, bookings, history, watches;
* ``selling`` — hold, release, book, cancel (each waits for the view: ``consistency``);
* ``operations`` — health, the Ops snapshot, the operator's levers, ``quiet``.

``BoxOffice`` implements ``backend.api.BoxOfficeAPI``; ``docs/api.md`` documents it.
"""

from __future__ import annotations

import asyncio

from backend import arguments
from backend.office.core import LONGEST_WAIT_S
from backend.office.operations import Operations
from backend.office.selling import Selling


class BoxOffice(Selling, Operations):
    """The box office's API. Create with ``BoxOffice.open(settings)``."""

    async def settle(self, timeout: float = 30.0) -> bool:
        """Wait until the box office is quiet (True), or time out (False).

        Meant for tests, benchmarks and shutdown: "once the system is quiet".
        """
        timeout = arguments.finite_number(timeout, "timeout", 0, LONGEST_WAIT_S)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while loop.time() < deadline:
            if await self.quiet():
                return True
            await asyncio.sleep(0.05)
        return False


__all__ = ["BoxOffice"]
