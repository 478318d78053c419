"""``settle``: wait until a box office is quiet, the one meaning of "settled".

"Quiet" is what ``BoxOfficeAPI.quiet()`` answers: no mail waits anywhere and no sale is
mid-way. ``quiet()`` nudges the box office along each time it answers False (it wakes
the dispatcher and sweeps lapsed holds), so asking again after a short pause is all a
caller needs to do. Works with the real ``BoxOffice`` and with ``FakeOffice`` alike.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from backend import arguments

if TYPE_CHECKING:
    from backend.api import BoxOfficeAPI

#: The longest a caller may wait, in seconds (as every ``timeout`` of the API).
LONGEST_WAIT_S = 86_400.0
#: How long to pause between two questions, in seconds.
PAUSE_S = 0.02


async def settle(office: BoxOfficeAPI, timeout: float = 30.0) -> bool:
    """True once ``office.quiet()`` says so; False if ``timeout`` seconds (event-loop time,
    not the injected clock) pass first. A stopped service keeps a box office from being
    quiet: this then returns False, it does not raise. InvalidInput for a bad ``timeout``.
    """
    timeout = arguments.finite_number(timeout, "timeout", 0, LONGEST_WAIT_S)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        if await office.quiet():
            return True
        if loop.time() >= deadline:
            return False
        await asyncio.sleep(PAUSE_S)
