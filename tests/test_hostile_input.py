"""Hostile input: every bad argument of the public API is an InvalidInput that changes nothing.

An attacker (or a buggy script) calling ``BoxOffice`` gets a sentence, never a
``TypeError``, ``AttributeError``, ``OverflowError`` or ``KeyError``; nothing is held,
booked or paid; and a malformed payment never counts against the payment breaker.
"""

from __future__ import annotations

import inspect
import math
from datetime import date
from types import SimpleNamespace

import pytest

from backend import (
    BoxOffice,
    Card,
    Cash,
    InvalidInput,
    NotFound,
    Settings,
)
from backend.audit import audit
from backend.tender import CASH_MAX
from tests.conftest import VISA, tomorrow_show

FULL_WIDTH_VISA = "４２４２ ４２４２ ４２４２ ４２４２"
ARABIC_VISA = "٤٢٤٢٤٢٤٢٤٢٤٢٤٢٤٢"
ARABIC_PHONE = "٠١٠١٢٣٤٥٦٧٨"
MIXED_PHONE = "010-١٢٣٤-٥٦٧٨"  # \d would take it and store it as typed
NAN, INF = math.nan, math.inf
CODE = "K7M2QX"  # well-formed, never issued


def good_card() -> Card:
    return Card(VISA, "12/30", "123")


def book(payment=None, *, tickets=None, phone=None, hold=None):
    """A ``book`` call with one thing wrong (the rest right)."""
    return lambda o, c: o.book(
        c.hold if hold is None else hold, tickets=tickets or {"adult": 1},
        payment=payment or Cash(20000), phone=phone,
    )


# (name, call): each call is made on a running office with a live hold of seat A1 of
# tomorrow's first show (``c.show``, ``c.hold``) and must raise InvalidInput. Before
# these checks each of these raised TypeError, AttributeError, OverflowError..., was
# accepted (a full-width card, a mixed-digit phone, nan knobs), or hung (a wait for
# 10**30 s).
BAD_CALLS = [
    # the programme
    ("seat_map(None)", lambda o, c: o.seat_map(None)),
    ("seat_map(int)", lambda o, c: o.seat_map(123)),
    ("seat_map(list)", lambda o, c: o.seat_map([c.show])),
    ("seat_map(huge)", lambda o, c: o.seat_map("x" * 100_000)),
    ("quote(seats None)", lambda o, c: o.quote(c.show, None, {"adult": 1})),
    ("quote(tickets None)", lambda o, c: o.quote(c.show, ["E5"], None)),
    ("quote(show None)", lambda o, c: o.quote(None, ["E5"], {"adult": 1})),
    # holding
    ("hold(seats None)", lambda o, c: o.hold(c.show, None)),
    ("hold(seats int)", lambda o, c: o.hold(c.show, 123)),
    ("hold(seats dict)", lambda o, c: o.hold(c.show, {"E5": 1})),
    ("hold(seat huge)", lambda o, c: o.hold(c.show, ["E" * 100_000])),
    ("hold(show None)", lambda o, c: o.hold(None, ["E5"])),
    ("hold(show dict)", lambda o, c: o.hold({}, ["E5"])),
    ("hold(replaces int)", lambda o, c: o.hold(c.show, ["E5"], replaces=123)),
    ("release(None)", lambda o, c: o.release(None)),
    ("release(int)", lambda o, c: o.release(123)),
    # booking: the arguments
    ("book(hold int)", book(hold=123)),
    ("book(phone int)", book(phone=1012345678)),
    ("book(phone mixed digits)", book(phone=MIXED_PHONE)),
    ("book(phone huge)", book(phone="0" * 100_000)),
    # booking: the card
    ("Card(None)", book(Card(None, "12/30", "123"))),
    ("Card(int number)", book(Card(4242424242424242, "12/30", "123"))),
    ("Card(full-width)", book(Card(FULL_WIDTH_VISA, "12/30", "123"))),
    ("Card(expiry int)", book(Card(VISA, 1230, "123"))),
    ("Card(expiry full-width)", book(Card(VISA, "１２/３０", "123"))),
    ("Card(cvc int)", book(Card(VISA, "12/30", 123))),
    ("Card(cvc full-width)", book(Card(VISA, "12/30", "１２３"))),
    ("Card(cvc Arabic-Indic)", book(Card(VISA, "12/30", "١٢٣"))),
    # booking: the cash
    ("Cash(10**19)", book(Cash(10**19))),
    ("Cash(10**5000)", book(Cash(10**5000))),
    ("Cash(max + 1)", book(Cash(CASH_MAX + 1))),
    # looking up
    ("cancel(int)", lambda o, c: o.cancel(123)),
    ("booking(int)", lambda o, c: o.booking(123)),
    ("booking(list)", lambda o, c: o.booking([CODE])),
    ("booking(huge)", lambda o, c: o.booking("K" * 100_000)),
    ("wait_for_booking(int)", lambda o, c: o.wait_for_booking(123)),
    ("wait_for_booking(statuses int)", lambda o, c: o.wait_for_booking(CODE, 5)),
    ("wait_for_booking(unknown status)", lambda o, c: o.wait_for_booking(CODE, ["DONE"])),
    ("wait_for_booking(no status)", lambda o, c: o.wait_for_booking(CODE, [])),
    ("wait_for_booking(timeout nan)", lambda o, c: o.wait_for_booking(CODE, timeout=NAN)),
    ("wait_for_booking(timeout huge)", lambda o, c: o.wait_for_booking(CODE, timeout=10**30)),
    ("wait_for_booking(timeout -1)", lambda o, c: o.wait_for_booking(CODE, timeout=-1)),
    ("watch_seat_map(None)", lambda o, c: o.watch_seat_map(None)),
    ("watch_seat_map(interval nan)", lambda o, c: o.watch_seat_map(c.show, NAN)),
    ("watch_booking(int)", lambda o, c: o.watch_booking(123)),
    ("watch_booking(interval 0)", lambda o, c: o.watch_booking(CODE, 0)),
    ("history(phone int)", lambda o, c: o.history(1012345678)),
    ("history(status list)", lambda o, c: o.history(status=["PAID"])),
    ("history(day str)", lambda o, c: o.history(day="2026-11-24")),
    ("history(day date.max)", lambda o, c: o.history(day=date.max)),
    ("history(day date.min)", lambda o, c: o.history(day=date.min)),
    ("history(limit 10**30)", lambda o, c: o.history(limit=10**30)),
    ("history(limit 0)", lambda o, c: o.history(limit=0)),
    ("history(limit -1)", lambda o, c: o.history(limit=-1)),
    ("history(limit 1.5)", lambda o, c: o.history(limit=1.5)),
    ("history(limit True)", lambda o, c: o.history(limit=True)),
    ("history(limit None)", lambda o, c: o.history(limit=None)),
    ("history(phone_digits int)", lambda o, c: o.history(phone_digits=5678)),
    ("history(phone_digits full-width)", lambda o, c: o.history(phone_digits="５６７８")),
    ("history(phone_digits wildcard)", lambda o, c: o.history(phone_digits="56%8")),
    ("history(phone_digits underscore)", lambda o, c: o.history(phone_digits="5_78")),
    ("history(phone_digits too long)", lambda o, c: o.history(phone_digits="1" * 12)),
    ("sales(int)", lambda o, c: o.sales(123)),
    ("sales(str)", lambda o, c: o.sales("today")),
    ("sales(date.max)", lambda o, c: o.sales(date.max)),
    # operations
    ("configure(latency nan)", lambda o, c: o.configure_payment_simulator(latency_ms=NAN)),
    ("configure(latency inf)", lambda o, c: o.configure_payment_simulator(latency_ms=INF)),
    ("configure(latency True)", lambda o, c: o.configure_payment_simulator(latency_ms=True)),
    ("configure(latency str)", lambda o, c: o.configure_payment_simulator(latency_ms="5")),
    ("configure(latency huge)", lambda o, c: o.configure_payment_simulator(latency_ms=10**30)),
    ("configure(rate True)", lambda o, c: o.configure_payment_simulator(failure_rate=True)),
    ("configure(capacity 1.5)", lambda o, c: o.configure_payment_simulator(capacity=1.5)),
    ("configure(capacity nan)", lambda o, c: o.configure_payment_simulator(capacity=NAN)),
    ("configure(capacity True)", lambda o, c: o.configure_payment_simulator(capacity=True)),
    ("configure(capacity huge)", lambda o, c: o.configure_payment_simulator(capacity=10**30)),
    ("configure(capacity str)", lambda o, c: o.configure_payment_simulator(capacity="3")),
    # one good knob and one bad: the good one is not applied either
    ("configure(good + bad)", lambda o, c: o.configure_payment_simulator(
        latency_ms=250, failure_rate=0.5, capacity=1.5)),
    ("block_seats(show None)", lambda o, c: o.block_seats(None, ["E5"])),
    ("block_seats(seats None)", lambda o, c: o.block_seats(c.show, None)),
    ("block_seats(no seats)", lambda o, c: o.block_seats(c.show, [])),
    ("block_seats(blocked str)", lambda o, c: o.block_seats(c.show, ["E5"], "no")),
    ("block_seats(blocked int)", lambda o, c: o.block_seats(c.show, ["E5"], 0)),
    ("cancel_show(None)", lambda o, c: o.cancel_show(None)),
    ("cancel_show(int)", lambda o, c: o.cancel_show(20261125)),
    ("retry_dead_letter(id None)", lambda o, c: o.retry_dead_letter("payment", None)),
    ("settle(nan)", lambda o, c: o.settle(NAN)),
    ("settle(str)", lambda o, c: o.settle("5")),
]

# Bad arguments that were refused with InvalidInput already (some by luck: an
# Arabic-Indic card failed its Luhn check only because its digits were read as
# garbage); kept so that they stay refused.
ALREADY_REFUSED = [
    ("showtimes(int)", lambda o, c: o.showtimes(123)),
    ("showtimes(str)", lambda o, c: o.showtimes("2026-11-25")),
    ("showtimes(date.max)", lambda o, c: o.showtimes(date.max)),
    ("quote(count float)", lambda o, c: o.quote(c.show, ["E5"], {"adult": 1.0})),
    ("quote(count bool)", lambda o, c: o.quote(c.show, ["E5"], {"adult": True})),
    ("quote(count huge)", lambda o, c: o.quote(c.show, ["E5"], {"adult": 10**30})),
    ("quote(type int)", lambda o, c: o.quote(c.show, ["E5"], {1: 1})),
    ("quote(seat int)", lambda o, c: o.quote(c.show, [5], {"adult": 1})),
    ("hold(seat None)", lambda o, c: o.hold(c.show, [None])),
    ("hold(seat bytes)", lambda o, c: o.hold(c.show, [b"E5"])),
    ("hold(seats bytes)", lambda o, c: o.hold(c.show, b"E5")),
    ("book(tickets None)", lambda o, c: o.book(c.hold, tickets=None, payment=Cash(20000))),
    ("book(tickets list)", book(tickets=[("adult", 1)])),
    ("book(count str)", book(tickets={"adult": "1"})),
    ("book(count float)", book(tickets={"adult": 1.5})),
    ("book(count huge)", book(tickets={"adult": 10**30})),
    ("book(type None)", book(tickets={None: 1})),
    ("book(payment None)", lambda o, c: o.book(c.hold, tickets={"adult": 1}, payment=None)),
    ("book(payment str)", lambda o, c: o.book(c.hold, tickets={"adult": 1}, payment="cash")),
    ("book(phone Arabic-Indic)", book(phone=ARABIC_PHONE)),
    ("book(phone full-width)", book(phone="０１０-１２３４-５６７８")),
    ("Card(Arabic-Indic)", book(Card(ARABIC_VISA, "12/30", "123"))),
    ("Card(expiry None)", book(Card(VISA, None, "123"))),
    ("Card(cvc None)", book(Card(VISA, "12/30", None))),
    ("Cash(None)", book(Cash(None))),
    ("Cash(str)", book(Cash("20000"))),
    ("Cash(float)", book(Cash(20000.0))),
    ("Cash(bool)", book(Cash(True))),
    ("Cash(nan)", book(Cash(NAN))),
    ("Cash(inf)", book(Cash(INF))),
    ("Cash(negative)", book(Cash(-20000))),
    ("cancel(None)", lambda o, c: o.cancel(None)),
    ("cancel(full-width code)", lambda o, c: o.cancel("Ｋ７Ｍ２ＱＸ")),
    ("booking(None)", lambda o, c: o.booking(None)),
    ("history(phone Arabic-Indic)", lambda o, c: o.history(ARABIC_PHONE)),
    ("history(status int)", lambda o, c: o.history(status=5)),
    ("history(status unknown)", lambda o, c: o.history(status="DONE")),
    ("stop_service(None)", lambda o, c: o.stop_service(None)),
    ("stop_service(list)", lambda o, c: o.stop_service(["payment"])),
    ("stop_service(unknown)", lambda o, c: o.stop_service("bank")),
    ("start_service(int)", lambda o, c: o.start_service(1)),
    ("restart_service(dict)", lambda o, c: o.restart_service({})),
    ("crash_service(None)", lambda o, c: o.crash_service(None)),
    ("crash_service(set)", lambda o, c: o.crash_service({"payment"})),
    ("configure(latency -1)", lambda o, c: o.configure_payment_simulator(latency_ms=-1)),
    ("configure(rate nan)", lambda o, c: o.configure_payment_simulator(failure_rate=NAN)),
    ("configure(rate inf)", lambda o, c: o.configure_payment_simulator(failure_rate=-INF)),
    ("configure(rate 1.5)", lambda o, c: o.configure_payment_simulator(failure_rate=1.5)),
    ("configure(capacity 0)", lambda o, c: o.configure_payment_simulator(capacity=0)),
    ("block_seats(seat int)", lambda o, c: o.block_seats(c.show, [5])),
    ("retry_dead_letter(service None)", lambda o, c: o.retry_dead_letter(None, "m")),
    ("retry_dead_letter(unknown)", lambda o, c: o.retry_dead_letter("bank", "m")),
]


async def call(office: BoxOffice, context: SimpleNamespace, make) -> object:
    """Make the call, awaiting a coroutine and taking the first item of a stream."""
    result = make(office, context)
    if inspect.isasyncgen(result):
        try:
            return await anext(result)
        finally:
            await result.aclose()
    if inspect.isawaitable(result):
        return await result
    return result


async def state_of(office: BoxOffice, show: str) -> tuple:
    """Everything a bad call must leave as it was."""
    knobs = await office.configure_payment_simulator()
    health = {n: (h.state, h.restarts) for n, h in (await office.health()).items()}
    blocked = sorted(s.label for s in (await office.seat_map(show)).seats if s.state != "free")
    return (knobs, health, blocked, await office.history(), office.breaker().calls)


@pytest.mark.parametrize(
    ("name", "make"), BAD_CALLS + ALREADY_REFUSED,
    ids=[name for name, _ in BAD_CALLS + ALREADY_REFUSED],
)
async def test_bad_argument_is_invalid_input_and_changes_nothing(
    office, settings, catalog, name, make
):
    show = await tomorrow_show(office)
    hold = await office.hold(show.id, ["A1"])
    context = SimpleNamespace(show=show.id, hold=hold.id)
    before = await state_of(office, show.id)
    with pytest.raises(InvalidInput) as info:
        await call(office, context, make)
    message = str(info.value)
    assert type(info.value) is InvalidInput
    assert message.endswith((".", ".)")), message  # a sentence
    assert len(message) < 300  # never a whole hostile value echoed back
    assert await state_of(office, show.id) == before
    assert await office.settle(10)
    report = audit(settings, catalog, card_numbers=(VISA,))
    assert report.ok, report.violations
    assert report.counts["bookings"] == 0 and report.counts["payments"] == 0


UNKNOWN_IDS = [
    # already NotFound before; kept so that they stay so
    ("seat_map(no such hall)", lambda o: o.seat_map("20261125-hall-9-0930")),
    ("seat_map(not an id)", lambda o: o.seat_map("not-a-show")),
    ("hold(no show then)", lambda o: o.hold("20261125-hall-1-0931", ["E5"])),
    ("block_seats(no such hall)", lambda o: o.block_seats("20261125-hall-9-0930", ["E5"])),
    ("cancel_show(not an id)", lambda o: o.cancel_show("nope")),
    ("booking(no such code)", lambda o: o.booking(CODE)),
    ("release(no such hold)", lambda o: o.release("hold_does_not_exist")),
    # a show id is written with the digits 0-9: no second name for the same show
    ("seat_map(full-width digit)", lambda o: o.seat_map("2026112５-hall-1-0930")),
    ("hold(full-width digit)", lambda o: o.hold("2026112５-hall-1-0930", ["E5"])),
    ("block_seats(full-width digit)", lambda o: o.block_seats("20261125-hall-1-０930", ["E5"])),
    ("seat_map(year 1)", lambda o: o.seat_map("00010101-hall-1-0930")),  # was "10101-hall-1-…"
]


@pytest.mark.parametrize(("name", "make"), UNKNOWN_IDS, ids=[n for n, _ in UNKNOWN_IDS])
async def test_unknown_ids_are_not_found_with_a_sentence(office, name, make):
    """Unknown or malformed show, hold and booking ids: NotFound, with a sentence."""
    with pytest.raises(NotFound) as info:
        await make(office)
    assert str(info.value).endswith(".")


def test_the_constructor_checks_its_arguments(tmp_path):
    for kwargs in ({"settings": "data"}, {"settings": Settings(data_dir=tmp_path), "clock": 5},
                   {"catalog": {}}, {"breaker_clock": object()}):
        settings = kwargs.pop("settings", None)
        with pytest.raises(InvalidInput):
            BoxOffice(settings, **kwargs)
