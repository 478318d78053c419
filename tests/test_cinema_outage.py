"""The cinema being down never stops sales; its work waits durably and completes later."""

from __future__ import annotations

from backend import BoxOffice, Card, Cash
from backend.audit import audit
from tests.conftest import VISA, tomorrow_show


async def test_bookings_are_taken_while_cinema_is_stopped(office: BoxOffice, settings, catalog):
    show = await tomorrow_show(office)
    await office.stop_service("cinema")
    assert (await office.health())["cinema"].state == "stopped"

    codes = []
    for seats in (["H1", "H2"], ["H3"], ["J1"]):
        hold = await office.hold(show.id, seats)
        booking = await office.book(
            hold.id, tickets={"adult": len(seats)}, payment=Card(VISA, "12/30", "123")
        )
        assert booking.status == "PAID"
        codes.append(booking.code)
    # paid but not confirmed, and the confirmation is waiting, not lost
    assert not await office.settle(0.5)
    assert [(await office.booking(c)).status for c in codes] == ["PAID"] * 3
    assert (await office.health())["reservation"].pending_deliveries == 3

    # a cancellation while the cinema is down: refunded now, released later
    cancelled = await office.cancel(codes[2])
    assert cancelled.status == "RELEASING" and cancelled.refunded_amount > 0

    await office.start_service("cinema")
    for code in codes[:2]:
        done = await office.wait_for_booking(code, ("COMPLETED",), timeout=10)
        assert done is not None
    assert await office.wait_for_booking(codes[2], ("CANCELLED",), timeout=10)
    assert await office.settle(10)
    report = audit(settings, catalog, card_numbers=(VISA,))
    assert report.ok, report.violations


async def test_cinema_rejection_refunds_and_frees_seats(office: BoxOffice, settings, catalog):
    show = await tomorrow_show(office)
    hold = await office.hold(show.id, ["C7", "C8"])
    await office.block_seats(show.id, ["C7"])  # after the hold: only the cinema can refuse
    booking = await office.book(hold.id, tickets={"adult": 2}, payment=Cash(40000))
    rejected = await office.wait_for_booking(booking.code, ("REJECTED",), timeout=10)
    assert rejected is not None
    assert "out of service" in rejected.reason
    assert rejected.refunded_amount == booking.amount
    steps = [s.step for s in rejected.timeline]
    assert steps.index("SeatsRejected") < steps.index("PaymentRefunded") < steps.index(
        "BookingRejected"
    )
    seat_map = await office.seat_map(show.id)
    assert seat_map.seat("C8").state == "free"
    assert await office.settle(10)
    report = audit(settings, catalog)
    assert report.ok, report.violations


async def test_cancelled_show_rejects_paid_bookings(office: BoxOffice, settings, catalog):
    show = await tomorrow_show(office)
    await office.cancel_show(show.id)
    hold = await office.hold(show.id, ["B1"])
    booking = await office.book(hold.id, tickets={"adult": 1}, payment=Card(VISA, "12/30", "123"))
    rejected = await office.wait_for_booking(booking.code, ("REJECTED",), timeout=10)
    assert rejected is not None and "cancelled" in rejected.reason
    assert await office.settle(10)
    assert audit(settings, catalog).ok


async def test_seats_blocked_by_the_cinema_show_and_cannot_be_held(office: BoxOffice):
    from backend import SeatUnavailable
    import pytest

    show = await tomorrow_show(office)
    free_before = next(s for s in await office.showtimes(office.days()[1]) if s.id == show.id)
    await office.block_seats(show.id, "D1")
    assert await office.settle(10)
    assert (await office.seat_map(show.id)).seat("D1").state == "blocked"
    after = next(s for s in await office.showtimes(office.days()[1]) if s.id == show.id)
    assert after.seats_free == free_before.seats_free - 1
    with pytest.raises(SeatUnavailable, match="out of service"):
        await office.hold(show.id, ["D1", "D2"])
    await office.block_seats(show.id, ["D1"], blocked=False)
    assert await office.settle(10)
    assert (await office.hold(show.id, ["D1"])).seats == ("D1",)


async def test_cancel_while_the_history_view_is_down(office: BoxOffice, settings, catalog):
    show = await tomorrow_show(office)
    hold = await office.hold(show.id, ["E1"])
    booking = await office.book(hold.id, tickets={"adult": 1}, payment=Cash(20000))
    assert await office.wait_for_booking(booking.code)
    await office.stop_service("information")
    cancelled = await office.cancel(booking.code)
    assert cancelled.status == "CANCELLED"
    await office.start_service("information")
    assert await office.wait_for_booking(booking.code, ("CANCELLED",))
    sales = await office.sales(office.today())
    assert (sales.amount, sales.refunded, sales.net) == (booking.amount, booking.amount, 0)
    assert await office.settle(10)
    assert audit(settings, catalog).ok
