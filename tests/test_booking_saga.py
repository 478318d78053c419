"""Booking and cancellation end to end, on real SQLite files."""

from __future__ import annotations

from backend import BoxOffice, Card, Cash
from backend.audit import audit

from tests.conftest import VISA, tomorrow_show


async def test_booking_completes_with_timeline_and_correlation(office: BoxOffice, settings, catalog):
    show = await tomorrow_show(office)
    hold = await office.hold(show.id, ["E5", "E6"])
    seat_map = await office.seat_map(show.id)
    assert {seat_map.seat("E5").state, seat_map.seat("E6").state} == {"held"}

    booking = await office.book(
        hold.id,
        tickets={"adult": 1, "youth": 1},
        payment=Card(VISA, "12/30", "123"),
        phone="010-1234-5678",
    )
    assert booking.status == "PAID"
    assert booking.amount == 14000 + 11000
    assert len(booking.code) == 6 and not set(booking.code) & set("0O1IL")
    assert (booking.brand, booking.last4) == ("VISA", "4242")

    done = await office.wait_for_booking(booking.code, ("COMPLETED",), timeout=10)
    assert done is not None and done.status == "COMPLETED"
    assert set(done.ticket_numbers) == {f"{booking.code}-E5", f"{booking.code}-E6"}
    steps = [s.step for s in done.timeline]
    for step in ("SeatsHeld", "BookingRequested", "PaymentCaptured", "BookingPaid",
                 "SeatsConfirmed", "BookingCompleted"):
        assert step in steps
    assert steps.index("PaymentCaptured") < steps.index("SeatsConfirmed")
    saga_steps = [s for s in done.timeline if s.step != "SeatsHeld"]
    assert {s.correlation_id for s in saga_steps} == {booking.id}
    assert {s.service for s in saga_steps} == {"reservation", "payment", "cinema"}
    confirmed = next(s for s in done.timeline if s.step == "SeatsConfirmed")
    paid = next(s for s in done.timeline if s.step == "BookingPaid")
    assert confirmed.causation_id == paid.message_id

    seat_map = await office.seat_map(show.id)
    assert seat_map.seat("E5").state == "sold" and seat_map.seat("E6").state == "sold"
    shows = {s.id: s for s in await office.showtimes(office.days()[1])}
    assert shows[show.id].seats_sold == 2
    assert shows[show.id].seats_free == show.capacity - 2

    history = await office.history(phone="01012345678")
    assert [b.code for b in history] == [booking.code]
    assert (await office.sales(office.today())).amount == 25000

    assert await office.settle(10)
    report = audit(settings, catalog, card_numbers=(VISA,))
    assert report.ok, report.violations


async def test_cancellation_refunds_and_frees_the_seats(office: BoxOffice, settings, catalog):
    show = await tomorrow_show(office)
    hold = await office.hold(show.id, ["C1"])
    booking = await office.book(hold.id, tickets={"senior": 1}, payment=Cash(10000))
    assert booking.change == 10000 - 7000
    await office.wait_for_booking(booking.code)

    cancelled = await office.cancel(booking.code)
    assert cancelled.status == "CANCELLED"
    assert cancelled.refunded_amount == 7000
    steps = [s.step for s in cancelled.timeline]
    for step in ("CancellationRequested", "PaymentRefunded", "SeatsReleased", "BookingCancelled"):
        assert step in steps
    assert all(s.correlation_id == booking.id for s in cancelled.timeline if s.step != "SeatsHeld")
    assert (await office.seat_map(show.id)).seat("C1").state == "free"

    # the seat can be sold again
    again = await office.hold(show.id, ["C1"])
    assert again.seats == ("C1",)
    assert await office.settle(10)
    await office.release(again.id)
    assert await office.settle(10)
    report = audit(settings, catalog, card_numbers=(VISA,))
    assert report.ok, report.violations


async def test_morning_show_and_premium_seat_prices(office: BoxOffice):
    show = await tomorrow_show(office, morning=True)
    premium = next(s for s in (await office.seat_map(show.id)).seats if s.kind == "premium")
    quote = office.quote(show.id, [premium.label], {"adult": 1})
    assert quote.total == 14000 - 4000 + 2000


async def test_changing_the_selection_swaps_holds_atomically(office: BoxOffice):
    show = await tomorrow_show(office)
    first = await office.hold(show.id, ["J1", "J2"])
    second = await office.hold(show.id, ["J2", "J3"], replaces=first.id)
    seat_map = await office.seat_map(show.id)
    assert [seat_map.seat(s).state for s in ("J1", "J2", "J3")] == ["free", "held", "held"]
    other = await office.hold(show.id, ["J4"])
    from backend import SeatUnavailable
    import pytest

    with pytest.raises(SeatUnavailable):
        await office.hold(show.id, ["J3", "J4"], replaces=second.id)
    seat_map = await office.seat_map(show.id)  # the failed swap kept the old hold
    assert [seat_map.seat(s).state for s in ("J2", "J3", "J4")] == ["held"] * 3
    await office.release(other.id)


async def test_watchers_see_changes_from_other_clerks(office: BoxOffice):
    import asyncio

    show = await tomorrow_show(office)
    maps = office.watch_seat_map(show.id)
    first = await anext(maps)
    assert first.seat("I1").state == "free"
    hold = await office.hold(show.id, ["I1"])
    changed = await asyncio.wait_for(anext(maps), 2)
    assert changed.seat("I1").state == "held"
    await maps.aclose()

    booking = await office.book(hold.id, tickets={"adult": 1}, payment=Cash(20000))
    seen = [b.status async for b in office.watch_booking(booking.code)]
    assert seen[-1] == "COMPLETED"
