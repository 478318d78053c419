"""The checkout's sale without a screen: its state machine, its rules, its office calls.

``SaleFlow`` holds what the checkout may do next (``cinema_tui.sale_flow``); every
transition is tried here from every state, so a refused one (a second submit while
paying: the double-Enter double sale) cannot quietly become allowed. ``sale_rules`` and
the office calls of ``sale_messages`` are plain functions over a stand-in office.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from types import SimpleNamespace
from typing import Any

import pytest

from backend.api import (
    Card,
    Cash,
    HoldExpired,
    HoldLimitReached,
    InvalidInput,
    PaymentDeclined,
    PaymentPending,
    PaymentUnavailable,
    SeatUnavailable,
)
from cinema_tui import sale_messages as sale
from cinema_tui.sale_flow import ALLOWED, SOLD_STATES, Exit, Refused, SaleFlow, SaleState
from cinema_tui.sale_rules import (
    digits_of,
    field_for,
    field_of,
    next_round_up,
    ordered_types,
    price_order,
    quick_amounts,
    ticket_counts,
)

S = SaleState


def booking(status: str, code: str = "K7M2QX", reason: str | None = None) -> Any:
    """What the flow reads of a booking: its status (and the office calls: code, reason)."""
    return SimpleNamespace(status=status, code=code, reason=reason)


#: How to make each event happen (the ones with a booking get a plain PAID one).
EVENTS: dict[str, Callable[[SaleFlow], SaleState]] = {
    "submit": lambda f: f.submit(),
    "pending": lambda f: f.pending(),
    "paid": lambda f: f.paid(booking("PAID")),
    "declined": lambda f: f.declined(),
    "unavailable": lambda f: f.unavailable(),
    "invalid": lambda f: f.invalid(),
    "failed": lambda f: f.failed(),
    "hold_expired": lambda f: f.hold_expired(),
    "countdown_over": lambda f: f.countdown_over(),
    "progressed": lambda f: f.progressed(booking("PAID")),
    "cinema_slow": lambda f: f.cinema_slow(),
    "to_ticket": lambda f: f.to_ticket(),
    "back": lambda f: f.back(),
    "extend": lambda f: f.extend(),
    "reheld": lambda f: f.reheld(),
    "abandon": lambda f: f.abandon(),
}

#: A legal way into each state.
PATHS: dict[SaleState, tuple[str, ...]] = {
    S.EDITING: (),
    S.LAPSED: ("countdown_over",),
    S.PAYING: ("submit",),
    S.PENDING: ("submit", "pending"),
    S.PAID: ("submit", "paid"),
    S.WAITING: ("submit", "paid", "cinema_slow"),
    S.COMPLETED: ("submit", "paid", "completed"),
    S.REJECTED: ("submit", "paid", "rejected"),
    S.LEAVING: ("back",),
}


def flow_in(state: SaleState) -> SaleFlow:
    flow = SaleFlow()
    for step in PATHS[state]:
        if step == "completed":
            flow.progressed(booking("COMPLETED"))
        elif step == "rejected":
            flow.progressed(booking("REJECTING"))
        else:
            EVENTS[step](flow)
    assert flow.state is state
    return flow


def test_every_event_is_tabled_and_every_state_reachable():
    assert set(EVENTS) == set(ALLOWED)
    assert set(PATHS) == set(SaleState)


# --- the transitions -----------------------------------------------------------------------


#: Every allowed transition: (from, event, to).
TRANSITIONS = [
    (S.EDITING, "submit", S.PAYING),
    (S.PAYING, "pending", S.PENDING),
    (S.PAYING, "paid", S.PAID),
    (S.PENDING, "paid", S.PAID),
    (S.PAYING, "declined", S.EDITING),
    (S.PENDING, "declined", S.EDITING),
    (S.PAYING, "unavailable", S.EDITING),
    (S.PAYING, "invalid", S.EDITING),
    (S.PAYING, "failed", S.EDITING),
    (S.PENDING, "failed", S.EDITING),
    (S.PAYING, "hold_expired", S.LAPSED),
    (S.EDITING, "countdown_over", S.LAPSED),
    (S.EDITING, "extend", S.EDITING),
    (S.LAPSED, "reheld", S.EDITING),
    (S.PENDING, "progressed", S.PENDING),
    (S.PAID, "progressed", S.PAID),
    (S.WAITING, "progressed", S.WAITING),
    (S.COMPLETED, "progressed", S.COMPLETED),
    (S.REJECTED, "progressed", S.REJECTED),
    (S.PAID, "cinema_slow", S.WAITING),
    (S.WAITING, "cinema_slow", S.WAITING),
    (S.PAID, "to_ticket", S.LEAVING),
    (S.WAITING, "to_ticket", S.LEAVING),
    (S.COMPLETED, "to_ticket", S.LEAVING),
    (S.EDITING, "back", S.LEAVING),
    (S.LAPSED, "back", S.LEAVING),
    (S.REJECTED, "back", S.LEAVING),
    (S.EDITING, "abandon", S.LEAVING),
    (S.LAPSED, "abandon", S.LEAVING),
    (S.PAID, "abandon", S.LEAVING),
    (S.WAITING, "abandon", S.LEAVING),
    (S.COMPLETED, "abandon", S.LEAVING),
    (S.REJECTED, "abandon", S.LEAVING),
]


@pytest.mark.parametrize(("start", "event", "end"), TRANSITIONS)
def test_transition(start, event, end):
    flow = flow_in(start)
    assert flow.may(event)
    assert EVENTS[event](flow) is end
    assert flow.state is end


def test_the_table_allows_exactly_the_transitions_tested_above():
    allowed = {(state, event) for event, states in ALLOWED.items() for state in states}
    assert allowed == {(start, event) for start, event, _ in TRANSITIONS}


REFUSED = [
    (state, event) for event in ALLOWED for state in SaleState if state not in ALLOWED[event]
]


@pytest.mark.parametrize(("state", "event"), REFUSED)
def test_an_event_the_state_does_not_allow_is_refused_and_changes_nothing(state, event):
    flow = flow_in(state)
    booked, exit_ = flow.booking, flow.exit
    assert not flow.may(event)
    with pytest.raises(Refused) as refused:
        EVENTS[event](flow)
    assert refused.value.event == event and refused.value.state is state
    assert (flow.state, flow.booking, flow.exit) == (state, booked, exit_)


def test_a_second_submit_while_paying_is_refused():
    """What stops a double Enter (or Enter then Ctrl+S) from selling the seats twice."""
    flow = SaleFlow()
    flow.submit()
    for state in (S.PAYING, S.PENDING):
        assert flow.state is state and flow.deciding and not flow.may("submit")
        with pytest.raises(Refused):
            flow.submit()
        if state is S.PAYING:
            flow.pending()


def test_a_refused_payment_gives_the_form_back_for_another_try():
    flow = SaleFlow()
    for refusal in ("declined", "unavailable", "invalid", "failed"):
        flow.submit()
        EVENTS[refusal](flow)
        assert flow.state is S.EDITING and flow.editable and not flow.sold
    flow.submit()
    flow.paid(booking("PAID"))
    assert flow.state is S.PAID


def test_leaving_says_why():
    assert flow_in(S.LEAVING).exit is Exit.BACK
    flow = flow_in(S.REJECTED)
    flow.back()
    assert flow.exit is Exit.REJECTED
    flow = flow_in(S.LAPSED)
    flow.back()
    assert flow.exit is Exit.EXPIRED
    for state in (S.PAID, S.WAITING, S.COMPLETED):
        flow = flow_in(state)
        flow.to_ticket()
        assert flow.exit is Exit.TICKET and flow.booking is not None
    for state in (S.EDITING, S.LAPSED, S.PAID):
        flow = flow_in(state)
        flow.abandon()
        assert flow.exit is Exit.ABANDONED


def test_a_hold_that_runs_out_keeps_the_sale_until_the_seats_are_held_again():
    """Before: the countdown (or book() finding the hold gone) threw the form away. Now
    the form stays, nothing can be paid, and holding the seats again gives it back."""
    for lapse in ("countdown_over", "hold_expired"):
        flow = flow_in(S.EDITING if lapse == "countdown_over" else S.PAYING)
        EVENTS[lapse](flow)
        assert flow.state is S.LAPSED and flow.lapsed and flow.exit is None
        assert flow.editable and not flow.holding  # typed on, but no seats to lose
        assert not flow.may("submit") and not flow.may("extend")  # hold again first
        assert flow.reheld() is S.EDITING and flow.holding and flow.may("submit")


def test_more_time_only_on_a_live_hold_the_clerk_is_editing():
    assert [state for state in SaleState if flow_in(state).may("extend")] == [S.EDITING]


def test_leaving_for_another_screen_never_hides_a_charge_being_decided():
    for state in (S.PAYING, S.PENDING, S.LEAVING):
        assert not flow_in(state).may("abandon"), state
    assert flow_in(S.EDITING).holding and flow_in(S.PAYING).holding
    assert not any(flow_in(state).holding for state in (S.LAPSED, *SOLD_STATES, S.LEAVING))


def test_the_countdown_cannot_lapse_the_sale_while_a_charge_is_decided_or_after():
    for state in set(SaleState) - {S.EDITING}:
        assert not flow_in(state).may("countdown_over"), state


def test_no_leaving_while_a_charge_is_decided():
    for state in (S.PAYING, S.PENDING):
        flow = flow_in(state)
        assert flow.deciding
        assert not flow.may("back") and not flow.may("to_ticket")


def test_the_saga_decides_after_the_payment():
    flow = flow_in(S.PAID)
    later = booking("PAID", reason="x")
    assert flow.progressed(later) is S.PAID and flow.booking is later
    assert flow.progressed(booking("REJECTED")) is S.REJECTED
    assert not flow.may("to_ticket") and not flow.may("cinema_slow")
    flow = flow_in(S.WAITING)
    assert flow.progressed(booking("COMPLETED")) is S.COMPLETED
    assert not flow.may("cinema_slow")  # the cinema answered: no "waiting" any more
    # a pending payment's steps are news for the view only; they sell nothing
    flow = flow_in(S.PENDING)
    assert flow.progressed(booking("PAID")) is S.PENDING and flow.booking is None


def test_a_pending_payment_found_complete_goes_straight_to_completed():
    flow = flow_in(S.PENDING)
    assert flow.paid(booking("COMPLETED")) is S.COMPLETED
    assert flow.sold


@pytest.mark.parametrize(
    ("state", "editable", "deciding", "paying", "sold"),
    [
        (S.EDITING, True, False, False, False),
        (S.LAPSED, True, False, False, False),
        (S.PAYING, False, True, True, False),
        (S.PENDING, False, True, True, False),
        (S.PAID, False, False, True, True),
        (S.WAITING, False, False, False, True),
        (S.COMPLETED, False, False, False, True),
        (S.REJECTED, False, False, False, True),
        (S.LEAVING, False, False, False, False),
    ],
)
def test_what_each_state_means_for_the_screen(state, editable, deciding, paying, sold):
    flow = flow_in(state)
    assert (flow.editable, flow.deciding, flow.paying, flow.sold) == (
        editable, deciding, paying, sold,
    )


# --- the rules -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "field"),
    [
        ("card.luhn", "#card-number"), ("card.ascii", "#card-number"),
        ("expiry.format", "#card-expiry"), ("expiry.past", "#card-expiry"),
        ("cvc", "#card-cvc"), ("phone", "#phone"), ("phone.ascii", "#phone"),
        ("cash.max", "#cash-tendered"), ("cash.short", "#cash-tendered"),
        ("hold.sold", None), ("payment.in_progress", None), (None, None),
    ],
)
def test_the_field_at_fault_comes_from_the_error_key_not_its_wording(key, field):
    assert field_of(InvalidInput("any wording at all, even about a card number", key=key)) == field
    assert field_for("whatever", key) == (field or field_for("whatever"))


def test_the_field_at_fault_of_real_backend_refusals():
    from datetime import date

    today = date(2026, 11, 24)
    for card, field in (
        (Card("4242424242424241", "12/30", "123"), "#card-number"),
        (Card("4242424242424242", "13/30", "123"), "#card-expiry"),
        (Card("4242424242424242", "12/30", "12"), "#card-cvc"),
    ):
        with pytest.raises(InvalidInput) as refused:
            card.check(today)
        assert field_of(refused.value) == field
    with pytest.raises(InvalidInput) as refused:
        Cash(1_000).check(28_000)
    assert field_of(refused.value) == "#cash-tendered"


def test_cash_amounts():
    assert quick_amounts(28_000) == [28_000, 30_000, 50_000]
    assert [next_round_up(28_000, typed) for typed in (0, 28_000, 30_000, 50_000)] == [
        30_000, 30_000, 50_000, 28_000,
    ]
    assert digits_of("50,000") == 50_000 and digits_of("５０") is None and digits_of("") is None


def test_ticket_types_and_the_order_seats_are_priced_in():
    assert ordered_types(["senior", "child", "adult"]) == ("adult", "senior", "child")
    types = ("adult", "youth", "senior")
    chosen = {"E5": "senior", "E6": "adult", "E7": "youth"}
    assert price_order(("E5", "E6", "E7"), chosen, types) == ["E6", "E7", "E5"]
    assert ticket_counts({"E5": "adult", "E6": "adult", "E7": "senior"}, types) == {
        "adult": 2, "senior": 1,
    }


# --- the office calls ------------------------------------------------------------------------


class Office:
    """Just enough of ``BoxOfficeAPI`` for the sale's calls."""

    def __init__(self, *, book: Any = None, watch: list[Any] | Exception = (), health=None,
                 hold: Any = None):
        self._book, self._watch, self._health, self._hold = book, watch, health, hold
        self.held: list[tuple[str, list[str]]] = []

    async def extend_hold(self, hold_id: str) -> Any:
        if isinstance(self._hold, Exception):
            raise self._hold
        return self._hold

    async def hold(self, show_id: str, seats: list[str]) -> Any:
        self.held.append((show_id, seats))
        return await self.extend_hold("")

    async def book(self, hold_id: str, **kwargs: Any) -> Any:
        self.booked = kwargs
        if isinstance(self._book, Exception):
            raise self._book
        return self._book

    async def watch_booking(self, code: str) -> AsyncIterator[Any]:
        if isinstance(self._watch, Exception):
            raise self._watch
        for item in self._watch:
            yield item

    async def health(self) -> dict[str, Any]:
        if isinstance(self._health, Exception):
            raise self._health
        return self._health or {}


async def collect(stream: AsyncIterator[Any]) -> list[Any]:
    return [message async for message in stream]


@pytest.mark.parametrize(
    ("answer", "kind"),
    [
        (booking("PAID"), sale.SalePaid),
        (PaymentPending("slow", "K7M2QX"), sale.SalePending),
        (PaymentDeclined("no", "card_declined"), sale.SaleFailed),
        (PaymentUnavailable("down"), sale.SaleFailed),
        (HoldExpired("gone"), sale.SaleFailed),
        (RuntimeError("bug"), sale.SaleFailed),
    ],
)
async def test_book_reports_one_message(answer, kind):
    message = await sale.book(Office(book=answer), "hold", {"adult": 1}, Cash(1), None)
    assert type(message) is kind


async def test_book_hands_over_each_seats_type_as_chosen():
    office = Office(book=booking("PAID"))
    await sale.book(office, "hold", {"adult": 1, "youth": 1}, Cash(1), None,
                    {"G6": "youth", "G7": "adult"})
    assert office.booked["seat_types"] == {"G6": "youth", "G7": "adult"}


async def test_settle_follows_a_pending_payment_until_it_is_decided():
    steps = [booking("PAYMENT_PENDING"), booking("PAID")]
    kinds = [type(m) for m in await collect(sale.await_decision(Office(watch=steps), "K7M2QX"))]
    assert kinds == [sale.SaleUpdated, sale.SaleUpdated, sale.SalePaid]
    failed = await collect(sale.await_decision(Office(watch=[booking("FAILED", reason="r")]), "K"))
    assert isinstance(failed[-1], sale.SaleUnpaid) and failed[-1].booking.reason == "r"
    undecided = await collect(sale.await_decision(Office(watch=[]), "K"))
    assert isinstance(undecided[-1], sale.SaleUnpaid) and undecided[-1].booking is None
    broken = await collect(sale.await_decision(Office(watch=RuntimeError("x")), "K"))
    assert [type(m) for m in broken] == [sale.SaleFailed]


async def test_follow_reports_the_saga_until_it_rests():
    steps = [booking("PAID"), booking("COMPLETED")]
    messages = await collect(sale.follow(Office(watch=steps), "K"))
    assert [type(m) for m in messages] == [sale.SaleUpdated, sale.SaleUpdated, sale.SaleFinished]
    assert messages[-1].booking.status == "COMPLETED"
    lost = await collect(sale.follow(Office(watch=RuntimeError("x")), "K"))
    assert [type(m) for m in lost] == [sale.SaleWatchLost]


async def test_more_time_and_holding_again_report_one_message():
    hold = SimpleNamespace(id="hold_2", seats=("E5", "E6"))
    renewed = await sale.extend(Office(hold=hold), "hold_1")
    assert isinstance(renewed, sale.HoldRenewed) and renewed.hold is hold and not renewed.again
    office = Office(hold=hold)
    again = await sale.hold_again(office, "show", ("E5", "E6"))
    assert isinstance(again, sale.HoldRenewed) and again.again
    assert office.held == [("show", ["E5", "E6"])]  # the same seats, as a list
    for error in (HoldExpired("gone"), HoldLimitReached("max"), SeatUnavailable("x", ["E5"])):
        refused = await sale.extend(Office(hold=error), "hold_1")
        assert isinstance(refused, sale.HoldRefused) and refused.error is error
        refused = await sale.hold_again(Office(hold=error), "show", ("E5",))
        assert isinstance(refused, sale.HoldRefused) and refused.again


async def test_cinema_down_only_when_known_down():
    up, down = SimpleNamespace(ready=True), SimpleNamespace(ready=False)
    assert await sale.cinema_down(Office(health={"cinema": down}))
    assert not await sale.cinema_down(Office(health={"cinema": up}))
    assert not await sale.cinema_down(Office(health={}))
    assert not await sale.cinema_down(Office(health=RuntimeError("x")))
