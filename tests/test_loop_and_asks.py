"""SQLite on the event loop's thread, and asks answered in the caller's task.

A transaction runs on the loop's own thread only when the write lock can be had at
once; when another process holds it, the loop must stay free (the app keeps drawing)
and the transaction must still happen, on the store's thread, once the lock is gone.
The WAL is checkpointed on the store's thread (a checkpoint ends in an fsync).
An ask answered in the caller's task must keep the actor's promises: a bound (``Busy``),
a deadline, a drain that waits for it, and "unavailable" once the actor stopped.
"""

from __future__ import annotations

import asyncio
import sqlite3

import pytest

from backend import BoxOffice, Busy, Cash, ServiceUnavailable, Settings
from backend.audit import audit
from backend.runtime.actor import Actor
from backend.storage import INLINE_AUTOCHECKPOINT, Store, sqlite_url
from tests.conftest import tomorrow_show


async def test_a_write_waits_off_the_loop_while_another_process_holds_the_lock(
    office: BoxOffice, settings
):
    show = await tomorrow_show(office)
    other = sqlite3.connect(settings.data_dir / "reservation.db", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another program holds reservation's write lock
    try:
        hold = asyncio.create_task(office.hold(show.id, ["C3"]))
        ticks = 0
        for _ in range(20):  # the loop keeps turning while the hold waits for the lock
            await asyncio.sleep(0.01)
            ticks += 1
        assert ticks == 20 and not hold.done()
    finally:
        other.execute("ROLLBACK")
        other.close()
    taken = await asyncio.wait_for(hold, 10)  # ... and the hold is made once it is free
    assert taken.seats == ("C3",)
    assert (await office.seat_map(show.id)).seat("C3").state == "held"
    assert office.runtime.reservation.store.commits["write"] > 0


class _Waiter(Actor):
    """Answers each ask when told to."""

    def __init__(self, **kw) -> None:
        super().__init__("waiter", **kw)
        self.go = asyncio.Event()

    async def handle_ask(self, request):
        await self.go.wait()
        return request * 2


async def test_asks_answered_in_the_callers_task_keep_the_actors_promises():
    actor = _Waiter(mailbox_size=3)
    await actor.start()
    try:
        asks = [asyncio.create_task(actor.ask(i, 5.0)) for i in range(3)]
        await asyncio.sleep(0)
        with pytest.raises(Busy):  # three in flight fill a mailbox of three
            await actor.ask(9, 5.0)
        assert not await actor.drain(0.05)  # drain waits for asks in flight
        actor.go.set()
        assert await asyncio.gather(*asks) == [0, 2, 4]
        assert await actor.drain(1.0)
        actor.go.clear()
        with pytest.raises(asyncio.TimeoutError):  # the deadline still holds
            await actor.ask(1, 0.05)
    finally:
        await actor.stop()
    with pytest.raises(ServiceUnavailable):
        await actor.ask(1, 1.0)


async def test_a_booking_whose_caller_goes_away_mid_payment_is_settled_at_once(
    tmp_path, catalog
):
    settings = Settings(data_dir=tmp_path / "d", payment_latency_ms=5000)
    async with BoxOffice.open(settings) as office:
        show = await tomorrow_show(office)
        hold = await office.hold(show.id, ["D4"])
        paying = asyncio.create_task(
            office.book(hold.id, tickets={"adult": 1}, payment=Cash(20000))
        )
        payment = office.runtime.payment
        while payment.in_flight == 0:  # the ask (run in the caller's task) is paying now
            await asyncio.sleep(0.01)
        paying.cancel()
        with pytest.raises(asyncio.CancelledError):
            await paying
        await office.configure_payment_simulator(latency_ms=0)
        # settled without waiting for the sweeper's stale-payment pass (2 x 5 s)
        assert await office.settle(5)
        history = await office.history()
        assert [b.status for b in history] == ["FAILED"]
        # nothing was charged and the hold is the clerk's again
        booking = await office.book(hold.id, tickets={"adult": 1}, payment=Cash(20000))
        assert booking.status == "PAID"
        assert await office.wait_for_booking(booking.code)
        assert await office.settle(10)
    report = audit(settings, catalog)
    assert report.ok, report.violations
    assert report.counts["COMPLETED"] == 1


async def test_checkpoints_run_off_the_loop_and_the_wal_stays_bounded(tmp_path):
    from sqlalchemy import Column, Integer, MetaData, Table

    table = Table("t", MetaData(), Column("id", Integer, primary_key=True))
    store = Store("probe", sqlite_url(tmp_path / "probe.db"), [table])
    await store.open()
    checkpoints: list[int] = []
    original = store._checkpoint
    store._checkpoint = lambda: (checkpoints.append(1), original())[1]  # type: ignore
    # Past the auto-checkpoint, every commit tries to start the WAL over; one that finds
    # the writer thread's own checkpoint running gives way. Twice the threshold leaves
    # thousands of tries (a margin of 500 was not enough on a loaded machine).
    commits = INLINE_AUTOCHECKPOINT * 2
    try:
        def insert(conn) -> None:
            conn.connection.driver_connection.execute("INSERT INTO t DEFAULT VALUES")

        for _ in range(commits):
            await store.write(insert)
        while store._checkpointing:
            await asyncio.sleep(0.01)
        probe = sqlite3.connect(tmp_path / "probe.db")
        try:
            # (busy, frames now in the WAL, frames copied): at least one frame per commit
            # would be there had the WAL never started over
            _busy, frames, _done = probe.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        finally:
            probe.close()
        assert frames < commits
        assert checkpoints  # run on the writer thread, every CHECKPOINT_EVERY commits
        assert store.commits["write"] == commits
    finally:
        await store.close()
