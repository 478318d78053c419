"""Read-your-writes: a write returns once the information view shows what it did.

The services are eventually consistent: reservation commits a hold or a sale, and the
information view that seat maps and history are read from catches up a moment later
through the journal. A clerk who was just told "sold" must not open the history and
miss the sale, so ``hold``, ``release``, ``book`` and ``cancel`` wait here, briefly,
for the view. A wait that runs out (or a view that goes away meanwhile) returns
without raising: the write stands, and the view catches up later.
"""

from __future__ import annotations

from typing import Any

from backend.errors import BoxOfficeError
from backend.services.information.status import STATUS_RANK

#: How long a write waits for the view to catch up before returning anyway, in seconds.
VIEW_WAIT = 2.0


async def booking_shown(information: Any, booking_id: str, status: str,
                        timeout: float = VIEW_WAIT) -> None:
    """Wait (briefly) until the history view shows the booking at ``status`` or later."""
    if not information.ready:
        return
    rank = STATUS_RANK.get(status, 0)

    async def check() -> bool | None:
        return True if await information.rank_of(booking_id) >= rank else None

    try:
        await information.wait_for(booking_id, check, timeout)
    except BoxOfficeError:  # the view went away meanwhile: it catches up later
        pass


async def hold_shown(information: Any, show_id: str, hold_id: str, *, held: bool) -> None:
    """Wait (briefly) until the seat view shows a hold taken (``held``) or given back."""
    if not information.ready:
        return

    async def check() -> bool | None:
        return True if await information.hold_shown(hold_id) == held else None

    def worth_checking() -> bool:  # every change to the show wakes us: is it ours?
        return information.hold_seen(hold_id)

    try:
        await information.wait_for(show_id, check, VIEW_WAIT, worth_checking=worth_checking)
    except BoxOfficeError:  # the view went away meanwhile: it catches up later
        pass
