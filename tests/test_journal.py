"""Durable messaging: redelivery is harmless, poison messages are dead-lettered, crashes heal."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from backend import BoxOffice, Cash
from backend.audit import audit
from backend.messaging.journal import DELIVERIES, OUTBOX, PROCESSED
from tests.conftest import tomorrow_show


async def _book(office: BoxOffice, seat: str) -> str:
    show = await tomorrow_show(office)
    hold = await office.hold(show.id, [seat])
    booking = await office.book(hold.id, tickets={"adult": 1}, payment=Cash(20000))
    assert await office.wait_for_booking(booking.code)
    assert await office.settle(10)
    return booking.code


async def test_redelivering_processed_messages_changes_nothing(office: BoxOffice, settings, catalog):
    await _book(office, "A1")
    reservation = office.runtime.reservation
    # put every message reservation ever sent back in the delivery queue, as after a crash
    def requeue(conn):
        rows = conn.execute(select(OUTBOX.c.message_id, OUTBOX.c.type)).all()
        from backend.messaging.messages import ROUTES
        conn.execute(
            DELIVERIES.insert(),
            [{"message_id": m, "destination": d} for m, t in rows for d in ROUTES[t]],
        )
        return len(rows)

    before = audit(settings, catalog)
    assert await reservation.store.write(requeue) > 0
    office.runtime.dispatcher.wake()
    assert await office.settle(10)
    after = audit(settings, catalog)
    assert after.ok, after.violations
    assert after.counts == before.counts
    view = await office.history()
    assert len(view) == 1 and view[0].status == "COMPLETED"


async def test_poison_message_is_dead_lettered_and_retryable(office: BoxOffice, settings, catalog):
    cinema = office.runtime.cinema
    original = cinema.on_BookingPaid
    calls = 0

    def broken(tx, env):
        nonlocal calls
        calls += 1
        raise ValueError("cinema cannot read this message")

    cinema.on_BookingPaid = broken  # type: ignore[method-assign]
    show = await tomorrow_show(office)
    hold = await office.hold(show.id, ["A2"])
    booking = await office.book(hold.id, tickets={"adult": 1}, payment=Cash(20000))
    for _ in range(100):
        letters = (await office.dead_letters())["cinema"]
        if letters:
            break
        await asyncio.sleep(0.05)
    assert [d.type for d in letters] == ["BookingPaid"]
    assert "cannot read" in letters[0].error
    assert calls == 2  # tried, retried once, then parked
    assert "dead letter" in (await office.health())["cinema"].last_error
    assert (await office.booking(booking.code)).status == "PAID"

    cinema.on_BookingPaid = original  # type: ignore[method-assign]
    assert await cinema.retry_dead_letter(letters[0].message_id)
    assert await office.wait_for_booking(booking.code, ("COMPLETED",), timeout=10)
    assert (await office.dead_letters())["cinema"] == []
    assert await office.settle(10)
    assert audit(settings, catalog).ok


async def test_crashed_actor_is_restarted_and_loses_nothing(office: BoxOffice, settings, catalog):
    cinema = office.runtime.cinema
    original = cinema.handle_deliveries
    crashes = 0

    async def crash_once(batch):
        nonlocal crashes
        if crashes == 0:
            crashes += 1
            raise RuntimeError("simulated crash of the cinema actor")
        await original(batch)

    cinema.handle_deliveries = crash_once  # type: ignore[method-assign]
    code = await _book(office, "A3")
    assert crashes == 1
    health = (await office.health())["cinema"]
    assert health.restarts == 1 and health.ready
    assert (await office.booking(code)).status == "COMPLETED"
    assert audit(settings, catalog).ok


async def test_processed_ids_are_recorded_with_the_effect(office: BoxOffice):
    await _book(office, "A4")
    info = office.runtime.information
    count = await info.query(lambda c: len(c.execute(select(PROCESSED)).all()))
    assert count >= 6
    # no delivery is left leased or pending anywhere
    for service in office.runtime.services.values():
        rows = await service.query(lambda c: c.execute(select(DELIVERIES)).all())
        assert rows == []


async def test_hung_actor_is_restarted_and_its_mail_redelivered(tmp_path, catalog):
    import asyncio

    from backend import Settings

    settings = Settings(data_dir=tmp_path / "d", hang_after_s=0.5)
    async with BoxOffice.open(settings) as office:  # real time: the watchdog measures it
        cinema = office.runtime.cinema
        original = cinema.handle_deliveries
        hangs = 0

        async def hang_once(batch):
            nonlocal hangs
            if hangs == 0:
                hangs += 1
                await asyncio.sleep(3600)  # stuck, not crashed
            await original(batch)

        cinema.handle_deliveries = hang_once  # type: ignore[method-assign]
        code = await _book(office, "A5")  # completes once the watchdog restarted the cinema
        health = (await office.health())["cinema"]
        assert hangs == 1 and health.restarts == 1
        assert "hung" in health.last_error
        assert (await office.booking(code)).status == "COMPLETED"
    assert audit(settings, catalog).ok


async def test_crash_by_operator_is_healed(office: BoxOffice):
    import asyncio

    office.crash_service("payment")
    for _ in range(200):
        health = (await office.health())["payment"]
        if health.ready and health.restarts == 1:
            break
        await asyncio.sleep(0.02)
    assert health.ready and health.restarts == 1
    await _book(office, "A6")


# --- lease owners on several machines (owners.py) ----------------------------------------


def _gone_pid() -> int:
    """The id of a process that has ended (and been reaped) on this machine."""
    import subprocess
    import sys

    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


async def _emit_leased_to(office: BoxOffice, owner: str, until: float) -> str:
    """Reservation emits a hold's SeatsHeld with its delivery leased to ``owner`` until
    ``until``: as if that box office had committed it and died before delivering it."""
    from backend.messaging.journal import Tx
    from backend.messaging.messages import SeatsHeld

    show = await tomorrow_show(office)
    reservation = office.runtime.reservation

    def write(conn):
        tx = Tx(conn, office.clock.now(), "reservation", reservation.store.is_sqlite,
                lambda _r: (owner, until))
        env = tx.emit(
            SeatsHeld(hold_id="h_elsewhere", show_id=show.id, seats=["J9"], expires_at="-"),
            correlation_id="h_elsewhere",
        )
        return env.message_id

    return await reservation.store.write(write)


async def _lease_owner_of(office: BoxOffice, message_id: str) -> str | None:
    rows = await office.runtime.reservation.query(
        lambda c: c.execute(select(DELIVERIES.c.lease_owner)
                            .where(DELIVERIES.c.message_id == message_id)).all())
    assert len(rows) == 1
    return rows[0][0]


async def _applied_by_information(office: BoxOffice, message_id: str) -> bool:
    from backend.messaging.journal import already_processed

    info = office.runtime.information
    return bool(await info.query(already_processed, [message_id]))


async def test_a_silent_owner_on_another_host_is_taken_over_after_the_lease_time(
    office: BoxOffice, clock
):
    from backend.messaging.owners import Owner, beat

    lease = office.settings.delivery_lease_s
    remote = Owner("another-till", _gone_pid(), "0badcafe")  # its pid means nothing here
    now = clock.now().timestamp()
    await office.runtime.reservation.store.write(beat, remote, now)
    message_id = await _emit_leased_to(office, str(remote), now + 3600)  # a long lease

    # alive: its heartbeat is fresh, although os.kill finds no such pid on this machine
    assert await office.runtime.dispatcher.heartbeat() == 0
    clock.advance(lease * 0.9)
    assert await office.runtime.dispatcher.heartbeat() == 0
    assert await _lease_owner_of(office, message_id) == str(remote)
    assert not await _applied_by_information(office, message_id)

    clock.advance(lease * 0.2)  # silent for longer than a lease: dead, wherever it ran
    assert await office.runtime.dispatcher.heartbeat() == 1
    assert await office.settle(10)
    assert await _applied_by_information(office, message_id)
    seat_map = await office.seat_map((await tomorrow_show(office)).id)
    assert seat_map.seat("J9").state == "held"


async def test_a_dead_process_on_this_host_is_taken_over_at_once(office: BoxOffice, clock):
    from backend.messaging.owners import Owner, this_host

    dead = Owner(this_host(), _gone_pid(), "0badcafe")  # no heartbeat needed: pid is gone
    message_id = await _emit_leased_to(office, str(dead), clock.now().timestamp() + 3600)
    assert await office.runtime.dispatcher.heartbeat() == 1
    assert await office.settle(10)
    assert await _applied_by_information(office, message_id)


async def test_v0_1_pid_leases_are_judged_by_their_pid(office: BoxOffice, clock):
    import os

    far = clock.now().timestamp() + 3600
    alive = await _emit_leased_to(office, f"pid:{os.getppid()}", far)  # a running process
    assert await office.runtime.dispatcher.heartbeat() == 0
    assert await _lease_owner_of(office, alive) == f"pid:{os.getppid()}"

    gone = await _emit_leased_to(office, f"pid:{_gone_pid()}", far)
    assert await office.runtime.dispatcher.heartbeat() == 1
    assert await _lease_owner_of(office, alive) == f"pid:{os.getppid()}"
    assert await office.settle(1) is False  # the live one's mail waits for its lease
    assert await _applied_by_information(office, gone)
    assert not await _applied_by_information(office, alive)


def test_owner_names_say_host_process_and_start(monkeypatch):
    import os

    from backend.messaging.owners import Judge, Owner, new_owner, parse_owner

    monkeypatch.setenv("CINEMA_HOSTNAME", "till-3")
    me = new_owner()
    assert str(me).startswith(f"host=till-3;pid={os.getpid()};start=")
    assert parse_owner(str(me)) == me
    assert parse_owner("pid:42") == Owner(None, 42, None)
    assert parse_owner("nonsense") is None
    again = new_owner()
    assert again.start != me.start  # a reused pid is not the old owner

    judge = Judge(me, now=1000.0, lease_seconds=10.0, running=lambda pid: pid == 7)
    here_running = str(Owner("till-3", 7, "aaaaaaaa"))
    here_gone = str(Owner("till-3", 8, "aaaaaaaa"))
    there_gone = str(Owner("till-9", 8, "aaaaaaaa"))
    assert not judge.is_dead(str(me), None)
    assert not judge.is_dead(here_running, None) and not judge.is_dead(here_running, 995.0)
    assert judge.is_dead(here_running, 989.0)  # alive pid, silent: a reused pid
    assert judge.is_dead(here_gone, 999.0)  # gone from this machine: at once
    assert not judge.is_dead(there_gone, None) and not judge.is_dead(there_gone, 990.0)
    assert judge.is_dead(there_gone, 989.9)
    assert judge.is_dead(str(again), None)  # an earlier start of this very process
    assert not judge.is_dead(str(again), 999.0)  # ... unless it still beats (two offices)
    assert judge.is_dead("pid:8", None) and not judge.is_dead("pid:7", None)
    assert not judge.is_dead("nonsense", None)


def test_an_owner_is_judged_by_its_own_lease_not_the_judge_s():
    """Terminals set up with different leases: one leasing for 600 s beats every 200 s,
    so a judge leasing for 2 s must not call it dead after 3 s of silence."""
    from backend.messaging.owners import Judge, Owner, parse_owner

    me = Owner("till-1", 1, "aaaaaaaa", 2.0)
    patient = Owner("till-2", 2, "bbbbbbbb", 600.0)
    assert str(patient) == "host=till-2;pid=2;start=bbbbbbbb;lease=600"
    assert parse_owner(str(patient)) == patient
    judge = Judge(me, now=1000.0, lease_seconds=2.0)
    assert not judge.is_dead(str(patient), 700.0)  # 300 s quiet: within its 600 s
    assert judge.is_dead(str(patient), 399.0)  # longer than its own lease: dead
    assert judge.is_dead(str(Owner("till-2", 2, "cccccccc")), 997.0)  # says none: ours
    for nonsense in ("0", "-5", "inf", "nan", "x"):
        owner = parse_owner(f"host=till-2;pid=2;start=dddddddd;lease={nonsense}")
        assert owner is None or owner.lease is None, nonsense
