"""The contract of ``BoxOfficeAPI``: one suite, run against the real ``BoxOffice`` and
against ``backend.testing.FakeOffice``.

Screen tests run on the fake; this suite is what makes that honest. Every test here
runs twice (``office`` is ``real`` then ``fake``) and checks what a screen relies on:
holds and seat conflicts, selling by card and by cash, declines, bookings and their
timeline, history, cancellation and refunds, sales, the watches, holds running out with
the clock, stopped services, the Ops snapshot. ``test_bad_arguments_get_one_sentence``
runs both side by side and wants the very same sentence from each.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import aclosing
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from backend import BoxOffice, Card, Cash, ManualClock, Settings
from backend.api import (
    SERVICE_NAMES,
    BoxOfficeAPI,
    HoldExpired,
    HoldLimitReached,
    InvalidInput,
    NotCancellable,
    NotFound,
    OpsSnapshot,
    PaymentDeclined,
    PaymentUnavailable,
    SeatUnavailable,
    ServiceUnavailable,
)
from backend.testing import FakeOffice, settle
from tests.conftest import VISA

KINDS = ("real", "fake")
PHONE = "010-1234-5678"
SAGA = ["SeatsHeld", "BookingRequested", "PaymentCaptured", "BookingPaid",
        "SeatsConfirmed", "BookingCompleted"]


#: Fresh ``*_db_url`` settings for each real box office a test opens (empty unless
#: CINEMA_TEST_ENGINE puts services on PostgreSQL); set for each test by ``engine``.
_database_urls: Callable[[], dict[str, str]] = dict


def engine(database_urls: Callable[[], dict[str, str]]) -> None:
    """Put the real box offices of this test on the engine ``CINEMA_TEST_ENGINE`` names
    (``tests/conftest.py``)."""
    global _database_urls
    _database_urls = database_urls


@pytest.fixture(autouse=True)
def _this_modules_engine(database_urls: Callable[[], dict[str, str]]) -> None:
    engine(database_urls)


async def opened(kind: str, tmp_path: Path, clock: ManualClock, **more: Any) -> BoxOfficeAPI:
    urls = _database_urls() if kind == "real" else {}
    settings = Settings(data_dir=tmp_path / kind, language="en", **urls, **more)
    office = BoxOffice(settings, clock=clock) if kind == "real" else FakeOffice(
        settings, clock=clock)
    await office.start()
    return office


@pytest.fixture(params=KINDS)
async def office(request, tmp_path: Path, clock: ManualClock,
                 database_urls: Callable[[], dict[str, str]]) -> AsyncIterator[BoxOfficeAPI]:
    """The real box office on a fresh data directory, then the fake; English, the test's
    ManualClock (2026-11-24 10:00 in Seoul)."""
    engine(database_urls)  # also for the modules that import this fixture alone
    office = await opened(request.param, tmp_path, clock)
    try:
        yield office
    finally:
        await office.close()


async def show_at_ten(office: BoxOfficeAPI, hall: str = "hall-1"):
    """Tomorrow's first show at or after 10:00 (full prices; never started today)."""
    shows = await office.showtimes(office.days()[1])
    return next(s for s in shows if s.hall_id == hall and s.starts_at.hour >= 10)


async def sale(office: BoxOfficeAPI, seats=("E5", "E6"), payment=None, phone=PHONE):
    show = await show_at_ten(office)
    hold = await office.hold(show.id, list(seats))
    booking = await office.book(hold.id, tickets={"adult": len(seats)},
                                payment=payment or Card(VISA, "12/30", "123"), phone=phone)
    return show, hold, booking


async def states(office: BoxOfficeAPI, show_id: str, *seats: str) -> list[str]:
    seat_map = await office.seat_map(show_id)
    return [seat_map.seat(s).state for s in seats]


# --- the door itself -------------------------------------------------------------------


async def test_it_is_a_box_office_api(office):
    assert isinstance(office, BoxOfficeAPI)
    assert office.running
    assert office.settings.language == "en"
    assert office.today().isoformat() == "2026-11-24"
    assert [d.isoformat() for d in office.days()][1:3] == ["2026-11-25", "2026-11-26"]
    assert len(office.days()) == 7


async def test_the_programme_and_a_seat_map(office):
    shows = await office.showtimes(office.days()[1])
    assert shows and all(s.counts_known and s.seats_free == s.capacity for s in shows)
    show = await show_at_ten(office)
    seat_map = await office.seat_map(show.id)
    assert seat_map.show_id == show.id and len(seat_map.seats) >= show.capacity
    assert seat_map.count("free") == show.capacity
    assert office.quote(show.id, ["E5", "E6"], {"adult": 1, "youth": 1}).total == 25_000


# --- holds -------------------------------------------------------------------------------


async def test_a_hold_sets_seats_aside_and_a_second_one_is_refused(office, clock):
    show = await show_at_ten(office)
    hold = await office.hold(show.id, ["e5", "E6"])
    assert hold.seats == ("E5", "E6") and hold.show_id == show.id
    assert hold.expires_at == clock.now() + timedelta(minutes=office.settings.hold_minutes)
    assert await states(office, show.id, "E5", "E6", "E8") == ["held", "held", "free"]
    [summary] = [s for s in await office.showtimes(office.days()[1]) if s.id == show.id]
    assert summary.seats_held == 2 and summary.seats_free == show.capacity - 2
    with pytest.raises(SeatUnavailable) as refused:
        await office.hold(show.id, ["E6", "E8"])
    assert refused.value.seats == ["E6"]
    assert str(refused.value) == "Seat E6 is already taken; choose other seats."
    assert await states(office, show.id, "E8") == ["free"]


async def test_replacing_a_hold_moves_its_seats(office):
    show = await show_at_ten(office)
    first = await office.hold(show.id, ["E5", "E6"])
    second = await office.hold(show.id, ["E6", "E8"], replaces=first.id)
    assert second.seats == ("E6", "E8")
    assert await states(office, show.id, "E5", "E6", "E8") == ["free", "held", "held"]


async def test_release_gives_the_seats_back(office):
    show = await show_at_ten(office)
    hold = await office.hold(show.id, ["E5"])
    await office.release(hold.id)
    assert await states(office, show.id, "E5") == ["free"]
    await office.release(hold.id)  # again: nothing to do
    with pytest.raises(NotFound, match="That seat hold does not exist."):
        await office.release("hold_nonexistent")


async def test_a_hold_runs_out_with_the_clock(office, clock):
    show = await show_at_ten(office)
    hold = await office.hold(show.id, ["E5"])
    clock.advance(office.settings.hold_minutes * 60 - 1)
    assert await states(office, show.id, "E5") == ["held"]
    clock.advance(2)
    with pytest.raises(HoldExpired, match="The seat hold ran out"):
        await office.book(hold.id, tickets={"adult": 1}, payment=Cash(20_000))
    # The seat map frees it once the hold is swept (the real sweeper runs every second).
    async with asyncio.timeout(5):
        while await states(office, show.id, "E5") != ["free"]:
            await asyncio.sleep(0.05)
    again = await office.hold(show.id, ["E5"])  # anybody may take the seat now
    assert again.seats == ("E5",)


# --- extending a hold ----------------------------------------------------------------------


async def until_free(office: BoxOfficeAPI, show_id: str, seat: str) -> None:
    """Wait until the hold sweep has freed ``seat`` (the real sweeper runs every second)."""
    async with asyncio.timeout(5):
        while await states(office, show_id, seat) != ["free"]:
            await asyncio.sleep(0.05)


async def test_extending_a_hold_gives_it_the_extend_step_more(office, clock):
    show = await show_at_ten(office)
    hold = await office.hold(show.id, ["E5", "E6"])
    clock.advance(60)
    extended = await office.extend_hold(hold.id)
    step = timedelta(minutes=office.settings.hold_extend_minutes)
    assert extended.expires_at == hold.expires_at + step  # from the old expiry, not from now
    assert (extended.id, extended.show_id, extended.seats) == (hold.id, show.id, ("E5", "E6"))
    assert await states(office, show.id, "E5", "E6") == ["held", "held"]
    again = await office.extend_hold(hold.id)
    assert again.expires_at == hold.expires_at + 2 * step
    # Replacing it is as before: a new hold of hold_minutes from now.
    moved = await office.hold(show.id, ["E6", "E8"], replaces=hold.id)
    assert moved.expires_at == clock.now() + timedelta(minutes=office.settings.hold_minutes)
    assert await states(office, show.id, "E5", "E6", "E8") == ["free", "held", "held"]


async def test_a_hold_is_extended_no_further_than_its_limit(office, clock):
    settings = office.settings
    show = await show_at_ten(office)
    hold = await office.hold(show.id, ["E5"])
    limit = hold.expires_at - timedelta(minutes=settings.hold_minutes) + timedelta(
        minutes=settings.hold_max_minutes)
    expiries = []
    for _ in range(20):  # the limit counts from when the seats were first held, not from now
        try:
            expiries.append((await office.extend_hold(hold.id)).expires_at)
        except HoldLimitReached as refused:
            assert str(refused) == (
                "This hold cannot be extended any further: seats can be held for at most "
                "15 minutes. Take payment now or release the seats.")
            assert refused.key == "hold.limit" and refused.params["minutes"] == "15"
            break
        clock.advance(60)
    # 5 → 7 → 9 → 11 → 13 → 15 minutes, then no more
    assert len(expiries) == 5 and expiries[-1] == limit
    assert await states(office, show.id, "E5") == ["held"]  # refused, the hold stays good
    paid = await office.book(hold.id, tickets={"adult": 1}, payment=Cash(20_000))
    assert paid.status == "PAID"


@pytest.mark.parametrize("kind", KINDS)
async def test_the_last_extension_stops_at_the_limit(kind, tmp_path, clock):
    office = await opened(kind, tmp_path, clock, hold_minutes=5, hold_extend_minutes=2,
                          hold_max_minutes=8)
    try:
        show = await show_at_ten(office)
        hold = await office.hold(show.id, ["E5"])
        first = await office.extend_hold(hold.id)
        last = await office.extend_hold(hold.id)  # one minute left to the limit: that much
        assert first.expires_at == hold.expires_at + timedelta(minutes=2)
        assert last.expires_at == hold.expires_at + timedelta(minutes=3)
        with pytest.raises(HoldLimitReached, match="at most 8 minutes"):
            await office.extend_hold(hold.id)
    finally:
        await office.close()


async def test_a_hold_that_is_gone_cannot_be_extended(office, clock):
    show = await show_at_ten(office)
    lapsed = await office.hold(show.id, ["E5"])
    released = await office.hold(show.id, ["E6"])
    await office.release(released.id)
    with pytest.raises(HoldExpired, match="The seat hold ran out"):
        await office.extend_hold(released.id)
    clock.advance(office.settings.hold_minutes * 60)  # E5's hold lapses this very second
    with pytest.raises(HoldExpired, match="The seat hold ran out"):
        await office.extend_hold(lapsed.id)
    await until_free(office, show.id, "E5")
    with pytest.raises(HoldExpired):
        await office.extend_hold(lapsed.id)  # swept: still the same answer
    with pytest.raises(NotFound, match="That seat hold does not exist."):
        await office.extend_hold("hold_nonexistent")
    _, sold, _ = await sale(office, seats=("E8",))
    with pytest.raises(InvalidInput, match="These seats were sold"):
        await office.extend_hold(sold.id)


async def test_an_extended_hold_is_not_swept_at_its_old_expiry(office, clock):
    show = await show_at_ten(office)
    kept = await office.hold(show.id, ["E5"])
    other = await office.hold(show.id, ["E8"])  # not extended: shows when a sweep has run
    extended = await office.extend_hold(kept.id)
    clock.advance(office.settings.hold_minutes * 60 + 1)
    await until_free(office, show.id, "E8")  # the sweep ran after the old expiry...
    assert await states(office, show.id, "E5") == ["held"]  # ...and kept the extended hold
    [summary] = [s for s in await office.showtimes(office.days()[1]) if s.id == show.id]
    assert summary.seats_held == 1
    with pytest.raises(SeatUnavailable, match="Seat E5 is already taken"):
        await office.hold(show.id, ["E5"])  # a competing clerk does not free it either
    with pytest.raises(HoldExpired):
        await office.book(other.id, tickets={"adult": 1}, payment=Cash(20_000))
    clock.advance((extended.expires_at - clock.now()).total_seconds())  # the new expiry
    await until_free(office, show.id, "E5")


@pytest.mark.parametrize("kind", KINDS)
async def test_an_extension_survives_a_restart(kind, tmp_path, clock):
    """The new expiry and the time the seats were first held are kept with the hold
    (durable state), so neither a restart frees the seats early nor resets the limit."""
    office = await opened(kind, tmp_path, clock)
    try:
        show = await show_at_ten(office)
        hold = await office.hold(show.id, ["E5"])
        extended = await office.extend_hold(hold.id)
        await office.close()
        if kind == "real":  # a new process would do the same: a new office, same data
            office = BoxOffice(office.settings, clock=clock)
        await office.start()
        clock.advance(office.settings.hold_minutes * 60 + 1)  # past the old expiry
        with pytest.raises(SeatUnavailable):
            await office.hold(show.id, ["E5"])
        assert await states(office, show.id, "E5") == ["held"]
        later = [await office.extend_hold(hold.id) for _ in range(4)]  # 9, 11, 13, 15 min
        assert later[0].expires_at == extended.expires_at + timedelta(minutes=2)
        with pytest.raises(HoldLimitReached):  # the limit still counts from the first hold
            await office.extend_hold(hold.id)
    finally:
        await office.close()


async def test_blocked_seats_cannot_be_held(office):
    show = await show_at_ten(office)
    assert await office.block_seats(show.id, ["e5"]) == ["E5"]
    assert await settle(office, timeout=10)
    assert await states(office, show.id, "E5") == ["blocked"]
    with pytest.raises(SeatUnavailable, match="Seat E5 is out of service."):
        await office.hold(show.id, ["E5"])
    await office.block_seats(show.id, "E5", blocked=False)
    assert await settle(office, timeout=10)
    assert (await office.hold(show.id, ["E5"])).seats == ("E5",)


# --- selling ------------------------------------------------------------------------------


async def test_a_card_sale_is_paid_then_completed_with_its_timeline(office):
    show, hold, booking = await sale(office)
    assert booking.status == "PAID" and booking.amount == 28_000
    assert booking.method == "card" and (booking.brand, booking.last4) == ("VISA", "4242")
    assert booking.hold_id == hold.id and booking.seats == ("E5", "E6")
    assert booking.phone == PHONE and booking.timeline == ()
    done = await office.wait_for_booking(booking.code, ("COMPLETED",), timeout=10)
    assert done is not None and done.status == "COMPLETED"
    assert done.ticket_numbers == (f"{booking.code}-E5", f"{booking.code}-E6")
    names = [s.step for s in done.timeline]
    assert [n for n in names if n in SAGA] == SAGA
    by_name = {s.step: s for s in done.timeline}
    assert by_name["SeatsConfirmed"].causation_id == by_name["BookingPaid"].message_id
    assert by_name["BookingCompleted"].causation_id == by_name["SeatsConfirmed"].message_id
    assert by_name["SeatsConfirmed"].service == "cinema"
    assert by_name["PaymentCaptured"].service == "payment"
    assert by_name["SeatsConfirmed"].data["tickets"] == list(done.ticket_numbers)
    assert {s.correlation_id for s in done.timeline} == {booking.id, hold.id}
    assert await states(office, show.id, "E5", "E6") == ["sold", "sold"]


async def test_cash_gives_change(office):
    _, _, booking = await sale(office, payment=Cash(50_000), phone=None)
    assert booking.method == "cash" and booking.change == 22_000 and booking.phone is None
    with pytest.raises(InvalidInput, match="is not enough"):
        await sale(office, ("F1",), payment=Cash(1_000))


@pytest.mark.parametrize("number, reason", [
    ("4000000000000002", "card_declined"),
    ("4000000000009995", "insufficient_funds"),
    ("4000000000000119", "processing_error"),
])
async def test_a_declined_card_keeps_the_hold(office, number, reason):
    show = await show_at_ten(office)
    hold = await office.hold(show.id, ["E5", "E6"])
    with pytest.raises(PaymentDeclined) as declined:
        await office.book(hold.id, tickets={"adult": 2}, payment=Card(number, "12/30", "123"))
    assert declined.value.reason == reason and declined.value.booking_id
    assert "nothing was charged" in str(declined.value)
    assert str(declined.value).endswith(" The seats are still held.")
    [failed] = await office.history(status="FAILED")
    assert failed.hold_id == hold.id and failed.reason == reason
    assert await states(office, show.id, "E5") == ["held"]
    paid = await office.book(hold.id, tickets={"adult": 2}, payment=Cash(30_000))
    assert paid.status == "PAID" and paid.hold_id == hold.id and paid.change == 2_000


async def test_the_simulators_knobs(office):
    knobs = await office.configure_payment_simulator(failure_rate=1.0)
    assert knobs == {"latency_ms": 0.0, "failure_rate": 1.0, "capacity": 100}
    snapshot = office.payment_simulator()
    assert (snapshot.latency_ms, snapshot.failure_rate, snapshot.capacity) == (0.0, 1.0, 100)
    show = await show_at_ten(office)
    hold = await office.hold(show.id, ["E5"])
    with pytest.raises(PaymentDeclined) as declined:
        await office.book(hold.id, tickets={"adult": 1}, payment=Cash(20_000))
    assert declined.value.reason == "cash_error"
    paid = await office.book(hold.id, tickets={"adult": 1}, payment=Card(VISA, "12/30", "123"))
    assert paid.status == "PAID"  # the test cards are never affected


# --- looking up ----------------------------------------------------------------------------


async def test_a_booking_is_found_by_its_code_in_any_case(office):
    _, _, booking = await sale(office)
    found = await office.booking(booking.code.lower())
    assert found.id == booking.id and found.code == booking.code
    with pytest.raises(NotFound) as missing:
        await office.booking("ZZZZ22")
    assert str(missing.value) == "No booking has the code ZZZZ22."
    with pytest.raises(InvalidInput, match="is not a booking code"):
        await office.booking("hello!")
    assert await office.wait_for_booking("ZZZZ22", timeout=0.1) is None


async def test_history_filters(office):
    _, _, first = await sale(office, ("E5", "E6"))
    _, _, second = await sale(office, ("F1",), payment=Cash(14_000), phone="01099990000")
    await office.cancel(second.code)
    assert await settle(office, timeout=10)
    assert {b.code for b in await office.history()} == {first.code, second.code}
    assert [b.code for b in await office.history(PHONE)] == [first.code]
    assert [b.code for b in await office.history("010 9999 0000")] == [second.code]
    assert [b.code for b in await office.history(phone_digits="9999")] == [second.code]
    assert [b.code for b in await office.history(status="CANCELLED")] == [second.code]
    assert [b.code for b in await office.history(status="COMPLETED")] == [first.code]
    assert len(await office.history(limit=1)) == 1
    assert len(await office.history(day=office.today())) == 2
    assert await office.history(day=office.days()[1]) == []
    assert all(b.timeline == () for b in await office.history())


async def test_cancel_refunds_and_frees_the_seats(office):
    show, _, booking = await sale(office)
    assert await settle(office, timeout=10)
    cancelled = await office.cancel(booking.code)
    assert cancelled.status == "CANCELLED" and cancelled.refunded_amount == 28_000
    names = [s.step for s in cancelled.timeline]
    assert names.index("CancellationRequested") < names.index("PaymentRefunded") \
        < names.index("SeatsReleased") < names.index("BookingCancelled")
    assert await states(office, show.id, "E5", "E6") == ["free", "free"]
    with pytest.raises(NotCancellable) as again:
        await office.cancel(booking.code)
    assert str(again.value) == f"Booking {booking.code} is already cancelled."


async def test_a_started_show_cannot_be_cancelled(office, clock):
    show, _, booking = await sale(office)
    clock.set(show.starts_at + timedelta(minutes=1))
    with pytest.raises(NotCancellable) as refused:
        await office.cancel(booking.code)
    assert str(refused.value) == "The show has already started; its tickets cannot be refunded."


async def test_sales_count_completed_bookings_less_refunds(office):
    await sale(office)
    _, _, gone = await sale(office, ("F1",), payment=Cash(14_000))
    assert await settle(office, timeout=10)
    await office.cancel(gone.code)
    assert await settle(office, timeout=10)
    day = await office.sales()
    assert (day.day, day.bookings, day.tickets) == ("2026-11-24", 2, 3)
    assert (day.amount, day.refunded, day.net) == (42_000, 14_000, 28_000)
    assert (await office.sales(office.days()[1])).bookings == 0


async def test_watch_seat_map_yields_a_change(office):
    show = await show_at_ten(office)
    async with aclosing(office.watch_seat_map(show.id, interval=0.05)) as stream:
        first = await anext(stream)
        assert first.seat("E5").state == "free"
        await office.hold(show.id, ["E5"])
        changed = await asyncio.wait_for(anext(stream), 5)
        assert changed.seat("E5").state == "held"


async def test_watch_booking_follows_it_to_completed(office):
    _, _, booking = await sale(office)
    seen = []
    async with aclosing(office.watch_booking(booking.code, interval=0.05)) as stream:
        async with asyncio.timeout(10):
            async for current in stream:
                seen.append(current.status)
    assert seen[-1] == "COMPLETED" and set(seen) <= {"PAID", "COMPLETED"}


# --- operating ----------------------------------------------------------------------------


async def test_health_and_the_ops_snapshot(office):
    health = await office.health()
    assert list(health) == ["information", "cinema", "payment", "reservation"]  # start order
    assert set(health) == set(SERVICE_NAMES)
    assert all(h.state == "ready" and h.ready and h.restarts == 0 for h in health.values())
    await office.configure_payment_simulator(latency_ms=200)
    snapshot = await office.ops_snapshot()
    assert isinstance(snapshot, OpsSnapshot) and snapshot.problems == {}
    assert set(snapshot.health) == set(SERVICE_NAMES)
    assert snapshot.breaker is not None and snapshot.breaker.state.value == "closed"
    assert snapshot.pool is not None and snapshot.pool.size == office.settings.pool_min
    assert (snapshot.pool.min_size, snapshot.pool.max_size) == (1, 10)
    assert snapshot.simulator is not None and snapshot.simulator.latency_ms == 200
    assert snapshot.dead_letters == () and snapshot.breaker_changes == ()
    assert office.breaker().calls == 0 and office.payment_pool().busy == 0


@pytest.mark.parametrize("name, call", [
    ("reservation", lambda o, show: o.hold(show.id, ["E5"])),
    ("information", lambda o, show: o.seat_map(show.id)),
    ("information", lambda o, show: o.history()),
    ("cinema", lambda o, show: o.block_seats(show.id, ["E5"])),
])
async def test_a_stopped_service_is_said_plainly(office, name, call):
    show = await show_at_ten(office)
    await office.stop_service(name)
    health = await office.health()
    assert health[name].state == "stopped" and not health[name].ready
    with pytest.raises(ServiceUnavailable) as down:
        await call(office, show)
    # waiting will not bring it back: the sentence says who stopped it and how to start it
    assert str(down.value) == (f"The {name} service was stopped by an operator; start it "
                               "again on the Ops screen (F5, then g).")
    assert down.value.key == "service.stopped"
    assert not await settle(office, timeout=0.2)
    await office.start_service(name)
    assert (await office.health())[name].ready
    await call(office, show)


@pytest.mark.parametrize("kind", KINDS)
async def test_payment_slower_than_its_timeout_is_refused_and_keeps_the_hold(
    kind, tmp_path, clock
):
    office = await opened(kind, tmp_path, clock, payment_timeout_s=0.2,
                          payment_latency_ms=600)
    try:
        show = await show_at_ten(office)
        hold = await office.hold(show.id, ["E5"])
        with pytest.raises(PaymentUnavailable) as late:
            await office.book(hold.id, tickets={"adult": 1}, payment=Cash(20_000))
        assert str(late.value) == ("Payment took too long to answer; nothing was charged "
                                   "and the seats are still held. Try again.")
        [failed] = await office.history(status="FAILED")
        assert failed.hold_id == hold.id and await states(office, show.id, "E5") == ["held"]
        await office.configure_payment_simulator(latency_ms=0)
        paid = await office.book(hold.id, tickets={"adult": 1}, payment=Cash(20_000))
        assert paid.status == "PAID"
    finally:
        await office.close()


async def test_payment_down_refuses_the_sale_and_keeps_the_hold(office):
    show = await show_at_ten(office)
    hold = await office.hold(show.id, ["E5"])
    await office.stop_service("payment")
    with pytest.raises(PaymentUnavailable) as down:
        await office.book(hold.id, tickets={"adult": 1}, payment=Cash(20_000))
    assert str(down.value).startswith("Payment is not available right now; nothing was charged")
    assert down.value.booking_id and await states(office, show.id, "E5") == ["held"]
    await office.start_service("payment")
    assert (await office.book(hold.id, tickets={"adult": 1}, payment=Cash(20_000))).status \
        == "PAID"


async def test_cinema_down_leaves_a_sale_paid_until_it_is_back(office):
    await office.stop_service("cinema")
    _, _, booking = await sale(office)
    assert booking.status == "PAID"
    assert await office.wait_for_booking(booking.code, ("COMPLETED",), timeout=0.3) is None
    assert (await office.booking(booking.code)).status == "PAID"
    await office.start_service("cinema")
    assert await settle(office, timeout=10)
    assert (await office.booking(booking.code)).status == "COMPLETED"


async def test_a_seat_blocked_after_the_sale_is_rejected_and_refunded(office):
    await office.stop_service("cinema")
    show, _, booking = await sale(office)
    await office.start_service("cinema")
    await office.block_seats(show.id, ["E5"])
    assert await settle(office, timeout=10)
    rejected = await office.booking(booking.code)
    assert rejected.status == "REJECTED" and rejected.refunded_amount == 28_000
    assert rejected.reason == "seat E5 is out of service"
    assert await states(office, show.id, "E5", "E6") == ["blocked", "free"]


async def test_settle_checks_its_timeout(office):
    assert await settle(office, timeout=0) in (True, False)
    for bad in (-1, float("nan"), True, "5", 10**9):
        with pytest.raises(InvalidInput, match="timeout must be a number from 0 to 86,400"):
            await settle(office, timeout=bad)


# --- the same sentence from both --------------------------------------------------------

Call = Callable[[BoxOfficeAPI, SimpleNamespace], Awaitable[Any]]


def card(number: str = VISA, expiry: str = "12/30", cvc: str = "123") -> Card:
    return Card(number, expiry, cvc)


def book(payment: Any = None, **changes: Any) -> Call:
    def call(o: BoxOfficeAPI, c: SimpleNamespace) -> Awaitable[Any]:
        arguments = {"tickets": {"adult": 1}, "payment": Cash(20_000), "phone": None}
        arguments.update(changes)
        if payment is not None:
            arguments["payment"] = payment
        return o.book(arguments.pop("hold", c.hold), **arguments)

    return call


async def sync(value: Any) -> Any:
    return value


BAD_CALLS: list[tuple[str, Call]] = [
    ("seat_map(None)", lambda o, c: o.seat_map(None)),
    ("seat_map(huge)", lambda o, c: o.seat_map("x" * 1000)),
    ("showtimes(str)", lambda o, c: o.showtimes("2026-11-24")),
    ("showtimes(far)", lambda o, c: o.showtimes(o.days()[-1] + timedelta(days=1))),
    ("quote(bad seat)", lambda o, c: sync(o.quote(c.show, ["Z99"], {"adult": 1}))),
    ("quote(bad type)", lambda o, c: sync(o.quote(c.show, ["E5"], {"child": 1}))),
    ("quote(count)", lambda o, c: sync(o.quote(c.show, ["E5"], {"adult": 2}))),
    ("hold(None seats)", lambda o, c: o.hold(c.show, None)),
    ("hold(no seats)", lambda o, c: o.hold(c.show, [])),
    ("hold(twice)", lambda o, c: o.hold(c.show, ["E8", "e8"])),
    ("hold(unknown)", lambda o, c: o.hold(c.show, ["Z99"])),
    ("hold(too many)", lambda o, c: o.hold(c.show, [f"F{n}" for n in range(1, 12)])),
    ("hold(long label)", lambda o, c: o.hold(c.show, ["E" * 20])),
    ("hold(int label)", lambda o, c: o.hold(c.show, [5])),
    ("hold(replaces int)", lambda o, c: o.hold(c.show, ["E8"], replaces=5)),
    ("hold(started)", lambda o, c: o.hold(c.started, ["E8"])),
    ("release(None)", lambda o, c: o.release(None)),
    ("extend_hold(None)", lambda o, c: o.extend_hold(None)),
    ("extend_hold(int)", lambda o, c: o.extend_hold(12)),
    ("extend_hold(blank)", lambda o, c: o.extend_hold("  ")),
    ("book(no tickets)", book(tickets={})),
    ("book(tickets list)", book(tickets=["adult"])),
    ("book(float count)", book(tickets={"adult": 1.0})),
    ("book(phone)", book(phone="12345")),
    ("book(phone int)", book(phone=1012345678)),
    ("book(phone digits)", book(phone="０１０-1234-5678")),
    ("book(luhn)", book(card("4242424242424241"))),
    ("book(card short)", book(card("4242"))),
    ("book(card chars)", book(card("4242x4242"))),
    ("book(full-width card)", book(card("４２４２４２４２４２４２４２４２"))),
    ("book(expiry)", book(card(expiry="1230"))),
    ("book(expired)", book(card(expiry="01/20"))),
    ("book(cvc)", book(card(cvc="12"))),
    ("book(cash float)", book(Cash(20_000.0))),  # type: ignore[arg-type]
    ("book(cash zero)", book(Cash(0))),
    ("book(cash max)", book(Cash(10**8))),
    ("book(cash short)", book(Cash(100))),
    ("book(payment str)", book("cash")),
    ("book(wrong count)", book(tickets={"adult": 2})),
    ("cancel(None)", lambda o, c: o.cancel(None)),
    ("cancel(malformed)", lambda o, c: o.cancel("hello!")),
    ("booking(int)", lambda o, c: o.booking(123456)),
    ("wait_for_booking(status)", lambda o, c: o.wait_for_booking("K7M2QX", ("DONE",))),
    ("wait_for_booking(timeout)", lambda o, c: o.wait_for_booking("K7M2QX", timeout=-1)),
    ("history(status)", lambda o, c: o.history(status="done")),
    ("history(limit)", lambda o, c: o.history(limit=0)),
    ("history(day)", lambda o, c: o.history(day="today")),
    ("history(digits)", lambda o, c: o.history(phone_digits="12ab")),
    ("sales(day)", lambda o, c: o.sales(day=20261124)),
    ("stop_service(unknown)", lambda o, c: o.stop_service("kitchen")),
    ("start_service(None)", lambda o, c: o.start_service(None)),
    ("restart_service(int)", lambda o, c: o.restart_service(1)),
    ("crash_service(unknown)", lambda o, c: sync(o.crash_service("kitchen"))),
    ("knobs(latency)", lambda o, c: o.configure_payment_simulator(latency_ms=-1)),
    ("knobs(rate)", lambda o, c: o.configure_payment_simulator(failure_rate=2)),
    ("knobs(capacity)", lambda o, c: o.configure_payment_simulator(capacity=1.5)),
    ("block_seats(none)", lambda o, c: o.block_seats(c.show, [])),
    ("block_seats(flag)", lambda o, c: o.block_seats(c.show, ["E5"], blocked=1)),
    ("block_seats(unknown)", lambda o, c: o.block_seats(c.show, ["Z99"])),
    ("retry_dead_letter(service)", lambda o, c: o.retry_dead_letter("kitchen", "m")),
    ("retry_dead_letter(id)", lambda o, c: o.retry_dead_letter("cinema", "")),
]


async def sentence(office: BoxOfficeAPI, context: SimpleNamespace, call: Call) -> str:
    with pytest.raises(InvalidInput) as refused:
        await call(office, context)
    return str(refused.value)


async def test_bad_arguments_get_one_sentence(tmp_path, clock):
    """Each bad call is an InvalidInput with the very same sentence from both."""
    offices = [await opened(kind, tmp_path, clock) for kind in KINDS]
    try:
        contexts = []
        for office in offices:
            show = await show_at_ten(office)
            today = await office.showtimes()
            hold = await office.hold(show.id, ["A1"])
            contexts.append(SimpleNamespace(show=show.id, hold=hold.id, started=today[0].id))
        for name, call in BAD_CALLS:
            said = [await sentence(o, c, call) for o, c in zip(offices, contexts)]
            assert said[0] == said[1], name
        for office, context in zip(offices, contexts):  # nothing was held, booked or paid
            assert await office.history() == []
            assert await states(office, context.show, "A1", "E5", "E8") == \
                ["held", "free", "free"]
    finally:
        for office in offices:
            await office.close()
