"""Hostile payments: odd cards, cash and phones are refused with a sentence and charge nothing.

The money side of ``tests/test_hostile_input.py``: a card or cash of the wrong type,
full-width or foreign digits, cash past the maximum, non-finite simulator knobs; a
malformed payment never counts against the payment breaker; and a partial phone search
covers every booking, not only the newest.
"""

from __future__ import annotations

import math
from datetime import timedelta

import pytest

from backend import (
    BoxOffice,
    Card,
    Cash,
    InvalidInput,
    PaymentUnavailable,
    Settings,
)
from backend.audit import audit
from backend.messaging.requests import BookSeats
from backend.runtime.breaker import BreakerConfig, BreakerState, CircuitBreaker
from backend.runtime.clock import ManualClock
from backend.tender import CASH_MAX
from tests.conftest import START, VISA, tomorrow_show

FULL_WIDTH_VISA = "４２４２ ４２４２ ４２４２ ４２４２"
ARABIC_VISA = "٤٢٤٢٤٢٤٢٤٢٤٢٤٢٤٢"
ARABIC_PHONE = "٠١٠١٢٣٤٥٦٧٨"
MIXED_PHONE = "010-١٢٣٤-٥٦٧٨"  # \d would take it and store it as typed
NAN, INF = math.nan, math.inf
CODE = "K7M2QX"  # well-formed, never issued



def good_card() -> Card:
    return Card(VISA, "12/30", "123")


def test_card_and_cash_check_refuse_wrong_types_with_a_sentence():
    today = START.date()
    for card in (Card(None, "12/30", "123"), Card(VISA, 1230, "123"), Card(VISA, "12/30", 123),
                 Card(FULL_WIDTH_VISA, "12/30", "123"), Card(4.2, "12/30", "123")):
        with pytest.raises(InvalidInput):
            card.check(today)
        assert repr(card) in ("Card(?)", "Card(•••• 4242)")  # repr never fails, never leaks
    for cash in (Cash(None), Cash(1.5), Cash(True), Cash("5"), Cash(10**19), Cash(NAN)):
        with pytest.raises(InvalidInput):
            cash.check(0)
    assert Card(None, "", "").__repr__() == "Card(?)"
    assert Cash(CASH_MAX).check(0) == CASH_MAX  # the maximum itself is fine


async def test_full_width_card_is_refused_and_nothing_is_charged(office, settings, catalog):
    show = await tomorrow_show(office)
    hold = await office.hold(show.id, ["B1"])
    with pytest.raises(InvalidInput, match="digits 0–9") as info:
        await office.book(hold.id, tickets={"adult": 1},
                          payment=Card(FULL_WIDTH_VISA, "12/30", "123"))
    assert info.value.key == "card.ascii"
    assert await office.history() == []
    assert (await office.seat_map(show.id)).seat("B1").state == "held"  # the hold is kept
    booking = await office.book(hold.id, tickets={"adult": 1}, payment=good_card())
    assert booking.status == "PAID" and booking.last4 == "4242"
    assert await office.settle(10)
    assert audit(settings, catalog, card_numbers=(VISA,)).ok


async def test_non_ascii_phone_is_refused_and_never_stored(office):
    show = await tomorrow_show(office)
    hold = await office.hold(show.id, ["B2"])
    for phone in (ARABIC_PHONE, MIXED_PHONE):
        with pytest.raises(InvalidInput, match="0–9") as info:
            await office.book(hold.id, tickets={"adult": 1}, payment=Cash(20000), phone=phone)
        assert info.value.key == "phone.ascii"
    booking = await office.book(hold.id, tickets={"adult": 1}, payment=Cash(20000),
                                phone="010-1234-5678")
    assert booking.phone == "010-1234-5678"
    assert [b.code for b in await office.history("01012345678")] == [booking.code]


async def test_oversized_cash_is_refused_with_the_maximum_before_payment(
    office, settings, catalog, monkeypatch
):
    asked = []
    payment = office.rt.payment
    original = payment.handle_ask

    async def spy(request):
        asked.append(request)
        return await original(request)

    monkeypatch.setattr(payment, "handle_ask", spy)
    show = await tomorrow_show(office)
    hold = await office.hold(show.id, ["B3"])
    for tendered in (10**19, CASH_MAX + 1):
        with pytest.raises(InvalidInput, match="₩10,000,000") as info:
            await office.book(hold.id, tickets={"adult": 1}, payment=Cash(tendered))
        assert info.value.key == "cash.max"
    assert asked == []  # nothing reached payment
    assert await office.history() == []
    booking = await office.book(hold.id, tickets={"adult": 1}, payment=Cash(CASH_MAX))
    assert booking.status == "PAID" and booking.change == CASH_MAX - booking.amount
    assert await office.settle(10)
    assert audit(settings, catalog).ok


def breaker_settings(tmp_path) -> Settings:
    """A breaker that opens after 5 failed calls of 10 (if malformed ones counted)."""
    return Settings(data_dir=tmp_path / "d", breaker_window_size=10, breaker_minimum_calls=5)


async def test_malformed_payments_never_open_the_breaker(tmp_path, clock, catalog):
    settings = breaker_settings(tmp_path)
    async with BoxOffice.open(settings, clock=clock) as office:
        show = await tomorrow_show(office)
        hold = await office.hold(show.id, ["C1"])
        for _ in range(15):
            with pytest.raises(InvalidInput):
                await office.book(hold.id, tickets={"adult": 1}, payment=Cash(10**19))
            with pytest.raises(InvalidInput):
                await office.book(hold.id, tickets={"adult": 1},
                                  payment=Card(FULL_WIDTH_VISA, "12/30", "123"))
        snapshot = office.breaker()
        assert snapshot.state is BreakerState.CLOSED
        assert snapshot.calls == 0 and snapshot.refused == 0
        booking = await office.book(hold.id, tickets={"adult": 1}, payment=good_card())
        assert booking.status == "PAID"
        assert office.breaker().state is BreakerState.CLOSED
        assert list(office.breaker_transitions) == []
        assert await office.settle(10)
    assert audit(settings, catalog, card_numbers=(VISA,)).ok


async def test_payment_refusing_a_malformed_request_is_ignored_by_the_breaker(
    tmp_path, clock, catalog
):
    """Past the gateway (a request built wrongly inside): payment's InvalidInput is the
    request's fault, like resilience4j's ignored exceptions; the breaker stays closed."""
    settings = breaker_settings(tmp_path)
    async with BoxOffice.open(settings, clock=clock) as office:
        show = await tomorrow_show(office)
        hold = await office.hold(show.id, ["C2"])
        reservation = office.rt.reservation
        for _ in range(15):
            with pytest.raises(InvalidInput, match="card"):  # no card details at all
                await reservation.ask(BookSeats(hold.id, (("adult", 1),), "card"), 10)
            with pytest.raises(InvalidInput, match="₩10,000,000"):
                await reservation.ask(
                    BookSeats(hold.id, (("adult", 1),), "cash", cash_tendered=10**19), 10
                )
        snapshot = office.breaker()
        assert snapshot.state is BreakerState.CLOSED and snapshot.calls == 0
        booking = await office.book(hold.id, tickets={"adult": 1}, payment=Cash(20000))
        assert booking.status == "PAID"
        assert await office.settle(10)
        failed = await office.history(status="FAILED")
        assert len(failed) == 15  # each cardless request was refused, nothing charged
        assert all(b.reason == "payment request refused as invalid" for b in failed)
    report = audit(settings, catalog)
    assert report.ok, report.violations
    assert report.counts["payments"] == 1


async def test_an_unexpected_error_in_payment_is_a_clear_error_not_a_timeout(
    office, settings, catalog, monkeypatch
):
    def broken(digits: str) -> str:
        raise RuntimeError("the simulator broke")

    monkeypatch.setattr(office.rt.payment.simulator, "card_outcome", broken)
    show = await tomorrow_show(office)
    hold = await office.hold(show.id, ["C3"])
    with pytest.raises(PaymentUnavailable) as info:
        await office.book(hold.id, tickets={"adult": 1}, payment=good_card())
    message = str(info.value)
    assert "internal error" in message and "RuntimeError" in message
    assert "too long" not in message
    assert "nothing was charged" in message
    assert info.value.booking_id is not None
    # payment broke: that is payment's failure, and the breaker counts it
    assert office.breaker().calls == 1 and office.breaker().failure_rate == 1.0
    assert (await office.seat_map(show.id)).seat("C3").state == "held"
    [failed] = await office.history()
    assert failed.status == "FAILED"
    monkeypatch.undo()
    booking = await office.book(hold.id, tickets={"adult": 1}, payment=good_card())
    assert booking.status == "PAID"
    assert await office.settle(10)
    assert audit(settings, catalog, card_numbers=(VISA,)).ok


def test_an_ignored_exception_gives_a_half_open_trial_back():
    clock = ManualClock(START)
    breaker = CircuitBreaker(
        "payment", BreakerConfig(window_size=2, minimum_calls=2, wait_open_s=1,
                                 half_open_calls=1),
        clock, ignore=(InvalidInput,),
    )
    for _ in range(2):
        breaker.acquire()
        breaker.record_error(0.0, RuntimeError("down"))
    assert breaker.state is BreakerState.OPEN
    clock.advance(2)
    breaker.acquire()  # half-open: the one trial
    breaker.record_error(0.0, InvalidInput("bad request"))  # no verdict: trial given back
    assert breaker.state is BreakerState.HALF_OPEN
    breaker.acquire()  # so another trial may go
    breaker.record(0.0, failed=False)
    assert breaker.state is BreakerState.CLOSED


async def test_simulator_knobs_refuse_non_finite_and_non_integer_values(office):
    before = await office.configure_payment_simulator()
    for knobs in ({"latency_ms": NAN}, {"latency_ms": INF}, {"failure_rate": NAN},
                  {"failure_rate": INF}, {"capacity": 1.5}, {"capacity": True},
                  {"latency_ms": True}, {"failure_rate": False}, {"capacity": INF}):
        with pytest.raises(InvalidInput, match="must be a"):
            await office.configure_payment_simulator(**knobs)
    assert await office.configure_payment_simulator() == before
    assert await office.configure_payment_simulator(
        latency_ms=0, failure_rate=0.25, capacity=7
    ) == {"latency_ms": 0.0, "failure_rate": 0.25, "capacity": 7}


async def sell_one(office, show_id: str, seat: str, phone: str | None):
    hold = await office.hold(show_id, [seat])
    return await office.book(hold.id, tickets={"adult": 1}, payment=Cash(20000), phone=phone)


async def sell_many(office, n: int, phone: str | None, skip: set[str]) -> int:
    """``n`` real one-seat sales over tomorrow's shows (about 500 a second)."""
    sold = 0
    for show in await office.showtimes(office.days()[1]):
        for seat in (await office.seat_map(show.id)).seats:
            if sold == n:
                return sold
            if seat.state == "free" and (show.id, seat.label) not in skip:
                await sell_one(office, show.id, seat.label, phone if sold % 2 else None)
                sold += 1
    return sold


async def test_partial_phone_search_covers_every_booking_not_a_window(office, clock):
    show = await tomorrow_show(office)
    old = await sell_one(office, show.id, "A1", "010-1111-2222")
    clock.advance(60)  # every later sale is newer
    assert await sell_many(office, 500, "010-3333-4444", {(show.id, "A1")}) == 500
    newest = await office.history(limit=500)
    assert old.code not in {b.code for b in newest}  # the old booking is past the window
    for digits in ("2222", "1111-2222", "12222", "01011112222", " 2222 "):
        found = await office.history(phone_digits=digits)
        assert [b.code for b in found] == [old.code], digits
    assert [b.code for b in await office.history(phone_digits="2222", limit=1)] == [old.code]
    assert len(await office.history(phone_digits="4444", limit=10)) == 10
    assert len(await office.history(phone_digits="4444", limit=10_000)) == 250
    assert await office.history(phone_digits="9999") == []
    assert await office.settle(10)  # no saga moves a row between the two reads below
    assert await office.history(phone_digits="") == await office.history()  # no filter
    # with the whole number too: both must hold
    assert [b.code for b in await office.history("010-1111-2222", phone_digits="2222")] == [
        old.code
    ]
    assert await office.history("010-3333-4444", phone_digits="2222") == []
    # a day filter with the digits
    today = office.today()
    assert [b.code for b in await office.history(day=today, phone_digits="2222")] == [old.code]
    assert await office.history(day=today - timedelta(days=1), phone_digits="2222") == []
