"""Declines, timeouts and bad input: nothing charged, nothing sold, nothing lost."""

from __future__ import annotations

import asyncio

import pytest

from backend import (
    BoxOffice,
    Card,
    Cash,
    HoldExpired,
    InvalidInput,
    NotCancellable,
    NotFound,
    PaymentDeclined,
    PaymentUnavailable,
    SeatUnavailable,
    Settings,
)
from backend.audit import audit
from tests.conftest import VISA, tomorrow_show

DECLINED = {
    "4000000000000002": "card_declined",
    "4000000000009995": "insufficient_funds",
    "4000000000000119": "processing_error",
}


@pytest.mark.parametrize("number,reason", sorted(DECLINED.items()))
async def test_declined_card_keeps_the_hold_and_charges_nothing(
    office: BoxOffice, settings, catalog, number, reason
):
    show = await tomorrow_show(office)
    hold = await office.hold(show.id, ["D3", "D4"])
    with pytest.raises(PaymentDeclined) as info:
        await office.book(hold.id, tickets={"adult": 2}, payment=Card(number, "12/30", "123"))
    assert info.value.reason == reason
    assert "nothing was charged" in str(info.value) or "declined" in str(info.value).lower()
    assert "4000" not in str(info.value)

    seat_map = await office.seat_map(show.id)
    assert seat_map.seat("D3").state == "held"  # still ours, not sold
    failed = (await office.history(status="FAILED"))[0]
    assert failed.reason == reason

    # the same hold can be sold with cash
    booking = await office.book(hold.id, tickets={"adult": 2}, payment=Cash(30000))
    assert booking.status == "PAID" and booking.change == 30000 - 28000
    assert await office.wait_for_booking(booking.code)
    assert await office.settle(10)
    report = audit(settings, catalog, card_numbers=(number, VISA))
    assert report.ok, report.violations
    assert report.counts["FAILED"] == 1 and report.counts["COMPLETED"] == 1


@pytest.mark.parametrize(
    "card,fragment",
    [
        (Card("4242424242424241", "12/30", "123"), "not valid"),
        (Card("4242", "12/30", "123"), "12 to 19 digits"),
        (Card("4242-4242-4242-424x", "12/30", "123"), "only digits"),
        (Card(VISA, "13/30", "123"), "month"),
        (Card(VISA, "12/20", "123"), "expired"),
        (Card(VISA, "1230", "123"), "MM/YY"),
        (Card(VISA, "12/30", "12"), "3 digits"),
        (Card("378282246310005", "12/30", "123"), "4 digits"),
    ],
)
async def test_invalid_card_is_refused_before_anything_changes(office, card, fragment):
    show = await tomorrow_show(office)
    hold = await office.hold(show.id, ["A1"])
    with pytest.raises(InvalidInput, match=fragment):
        await office.book(hold.id, tickets={"adult": 1}, payment=card)
    assert await office.history() == []
    assert (await office.seat_map(show.id)).seat("A1").state == "held"


async def test_other_invalid_input_is_explained(office: BoxOffice):
    show = await tomorrow_show(office)
    with pytest.raises(InvalidInput, match="no seat"):
        await office.hold(show.id, ["Z99"])
    with pytest.raises(InvalidInput, match="twice"):
        await office.hold(show.id, ["A1", "a1"])
    with pytest.raises(InvalidInput, match="at least one"):
        await office.hold(show.id, [])
    with pytest.raises(NotFound):
        await office.hold("20261125-hall-9-0930", ["A1"])
    hold = await office.hold(show.id, ["A1", "A2"])
    with pytest.raises(InvalidInput, match="phone"):
        await office.book(hold.id, tickets={"adult": 2}, payment=Cash(50000), phone="12345")
    with pytest.raises(InvalidInput, match="ticket"):
        await office.book(hold.id, tickets={"adult": 1}, payment=Cash(50000))
    with pytest.raises(InvalidInput, match="ticket type"):
        await office.book(hold.id, tickets={"child": 2}, payment=Cash(50000))
    with pytest.raises(InvalidInput, match="not enough"):
        await office.book(hold.id, tickets={"adult": 2}, payment=Cash(1000))
    with pytest.raises(InvalidInput, match="booking code"):
        await office.booking("0OIL1")
    with pytest.raises(NotFound):
        await office.booking("ABCDEF")
    with pytest.raises(NotFound):
        await office.book("hold_missing", tickets={"adult": 1}, payment=Cash(50000))
    assert await office.history() == []
    seat_map = await office.seat_map(show.id)
    assert seat_map.count("held") == 2 and seat_map.count("sold") == 0


async def test_taken_and_blocked_seats_are_unavailable(office: BoxOffice):
    show = await tomorrow_show(office, hall="hall-1")
    await office.hold(show.id, ["C3", "C4"])
    with pytest.raises(SeatUnavailable) as info:
        await office.hold(show.id, ["C4", "C5"])
    assert info.value.seats == ["C4"]
    assert (await office.seat_map(show.id)).seat("C5").state == "free"
    blocked = next(s for s in (await office.seat_map(show.id)).seats if s.state == "blocked")
    with pytest.raises(SeatUnavailable, match="out of service"):
        await office.hold(show.id, [blocked.label])


async def test_hold_expires_and_frees_its_seats(office: BoxOffice, clock, settings, catalog):
    show = await tomorrow_show(office)
    hold = await office.hold(show.id, ["B2"])
    clock.advance(settings.hold_minutes * 60 + 1)
    with pytest.raises(HoldExpired):
        await office.book(hold.id, tickets={"adult": 1}, payment=Cash(20000))
    # another clerk can take the seat at once, even before the sweeper ran
    other = await office.hold(show.id, ["B2"])
    assert other.seats == ("B2",)
    assert await office.settle(10)
    await office.release(other.id)
    assert (await office.seat_map(show.id)).seat("B2").state == "free"
    assert audit(settings, catalog).ok


async def test_sweeper_expires_abandoned_holds(office: BoxOffice, clock, settings):
    show = await tomorrow_show(office)
    await office.hold(show.id, ["B7"])
    clock.advance(settings.hold_minutes * 60 + 1)
    await office.runtime.reservation.sweep()
    assert await office.settle(10)
    assert (await office.seat_map(show.id)).seat("B7").state == "free"


async def test_cancel_rules(office: BoxOffice):
    show = await tomorrow_show(office)
    hold = await office.hold(show.id, ["A5"])
    with pytest.raises(PaymentDeclined):
        await office.book(hold.id, tickets={"adult": 1},
                          payment=Card("4000000000000002", "12/30", "123"))
    failed = (await office.history())[0]
    with pytest.raises(NotCancellable, match="never paid"):
        await office.cancel(failed.code)
    booking = await office.book(hold.id, tickets={"adult": 1}, payment=Cash(14000))
    await office.wait_for_booking(booking.code)
    assert (await office.cancel(booking.code)).status == "CANCELLED"
    with pytest.raises(NotCancellable, match="already cancelled"):
        await office.cancel(booking.code)


async def test_payment_timeout_is_reconciled_never_guessed(tmp_path, clock, catalog):
    settings = Settings(data_dir=tmp_path / "d", payment_timeout_s=0.2, payment_latency_ms=600)
    async with BoxOffice.open(settings, clock=clock) as office:
        show = await tomorrow_show(office)
        hold = await office.hold(show.id, ["G1"])
        with pytest.raises(PaymentUnavailable, match="nothing was charged"):
            await office.book(hold.id, tickets={"adult": 1}, payment=Card(VISA, "12/30", "123"))
        assert (await office.seat_map(show.id)).seat("G1").state == "held"
        failed = (await office.history(status="FAILED"))[0]
        steps = [s.step for s in (await office.booking(failed.code)).timeline]
        assert steps.index("PaymentOutcomeUnknown") < steps.index("BookingFailed")
        assert "PaymentCaptured" not in steps
        await office.configure_payment_simulator(latency_ms=0)
        while office.payment_pool().busy:  # the abandoned attempt still occupies its worker
            await asyncio.sleep(0.05)
        booking = await office.book(hold.id, tickets={"adult": 1},
                                    payment=Card(VISA, "12/30", "123"))
        assert await office.wait_for_booking(booking.code)
        assert await office.settle(10)
    report = audit(settings, catalog, card_numbers=(VISA,))
    assert report.ok, report.violations
    assert report.counts["FAILED"] == 1 and report.counts["COMPLETED"] == 1


async def test_card_numbers_never_reach_disk_or_repr():
    card = Card(VISA, "12/30", "123")
    assert VISA not in repr(card) and "123" not in repr(card).replace("4242", "")
    assert repr(card) == "Card(•••• 4242)"


async def test_stopped_payment_refuses_with_a_clear_reason_and_keeps_the_hold(office: BoxOffice):
    show = await tomorrow_show(office)
    hold = await office.hold(show.id, ["H5"])
    await office.stop_service("payment")
    with pytest.raises(PaymentUnavailable) as info:
        await office.book(hold.id, tickets={"adult": 1}, payment=Cash(20000))
    assert info.value.key == "payment.down" and "nothing was charged" in str(info.value)
    await office.start_service("payment")
    booking = await office.book(hold.id, tickets={"adult": 1}, payment=Cash(20000))
    assert booking.status == "PAID"


async def test_failing_cash_register_is_not_called_a_card_error(office: BoxOffice):
    show = await tomorrow_show(office)
    hold = await office.hold(show.id, ["H6"])
    await office.configure_payment_simulator(failure_rate=1.0)
    with pytest.raises(PaymentDeclined, match="cash register") as info:
        await office.book(hold.id, tickets={"adult": 1}, payment=Cash(20000))
    assert info.value.reason == "cash_error"
