"""Stopping the background tasks a part of the backend runs for itself.

The sweeper, the watchdog, the pool's scaler, the journal keeper, the wake-up listener
and the actors' loops all stop the same way: cancel, then wait until the task has
really ended, so that nothing it does (a last write, a log line) lands after its owner
has said it stopped. What the task ended with (its cancellation, or the error that had
already ended it) is the owner's to have logged while it ran, not the stopper's to
raise: a stop never fails because the thing it stops had failed.
"""

from __future__ import annotations

import asyncio


async def cancel_and_wait(*tasks: asyncio.Task[object] | None) -> None:
    """Cancel every task given (None is skipped) and wait until each has ended."""
    running = [task for task in tasks if task is not None]
    for task in running:
        task.cancel()
    if running:
        await asyncio.gather(*running, return_exceptions=True)
