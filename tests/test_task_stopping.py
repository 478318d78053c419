"""Stopping a background task: cancelled, really ended before the stop returns, and a
task that had already failed does not make the stop fail (backend/runtime/tasks.py)."""

from __future__ import annotations

import asyncio

from backend.runtime.tasks import cancel_and_wait


async def test_every_task_has_ended_when_the_stop_returns():
    ended: list[str] = []

    async def runs_until_cancelled(name: str) -> None:
        try:
            await asyncio.Event().wait()
        finally:
            await asyncio.sleep(0)  # a last step after the cancellation, as a write would
            ended.append(name)

    first = asyncio.create_task(runs_until_cancelled("sweeper"))
    second = asyncio.create_task(runs_until_cancelled("keeper"))
    await asyncio.sleep(0)
    await cancel_and_wait(first, None, second)
    assert sorted(ended) == ["keeper", "sweeper"]
    assert first.cancelled() and second.cancelled()


async def test_a_task_that_had_failed_does_not_fail_the_stop():
    async def fails() -> None:
        raise RuntimeError("the database went away")

    failed = asyncio.create_task(fails())
    await asyncio.sleep(0)
    await cancel_and_wait(failed)  # no error
    assert isinstance(failed.exception(), RuntimeError)
    await cancel_and_wait()  # nothing to stop
    await cancel_and_wait(None)
