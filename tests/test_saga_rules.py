"""The saga's state machine, checked exhaustively; codes and tender rules."""

from __future__ import annotations

import itertools

import pytest

from backend.codes import ALPHABET, new_booking_code, normalise_code
from backend.services.reservation import saga
from backend.tender import card_brand, luhn_ok

EVENTS = ("captured", "refused", "unknown", "confirmed", "rejected", "cancel", "refunded",
          "released")
STATES = (saga.PAYMENT_PENDING, saga.PAYMENT_UNKNOWN, saga.PAID, saga.COMPLETED, saga.FAILED,
          saga.REJECTING, saga.REJECTED, saga.CANCELLING, saga.RELEASING, saga.CANCELLED)


def test_every_state_reaches_a_terminal_state():
    for state in STATES:
        seen, frontier = {state}, [state]
        while frontier:
            current = frontier.pop()
            for event in EVENTS:
                nxt = saga.next_status(current, event)
                if nxt and nxt not in seen:
                    seen.add(nxt)
                    frontier.append(nxt)
        assert seen & saga.TERMINAL, f"{state} cannot finish"


def test_final_states_accept_only_a_cancellation_of_a_completed_sale():
    for state, event in itertools.product(saga.TERMINAL, EVENTS):
        nxt = saga.next_status(state, event)
        if state == saga.COMPLETED and event == "cancel":
            assert nxt == saga.CANCELLING
        else:
            assert nxt is None, (state, event)


def test_money_is_never_kept_without_seats():
    # a refund only ever follows a capture, and seats are released only after the refund
    assert saga.next_status(saga.PAYMENT_PENDING, "refunded") is None
    assert saga.next_status(saga.CANCELLING, "released") is None
    assert saga.next_status(saga.RELEASING, "released") == saga.CANCELLED


@pytest.mark.parametrize("state", STATES)
def test_late_messages_are_ignored_not_errors(state):
    # a duplicate or overtaken message yields None rather than moving the saga backwards
    for event in EVENTS:
        nxt = saga.next_status(state, event)
        assert nxt is None or nxt in STATES


def test_booking_codes_avoid_look_alikes():
    assert not set(ALPHABET) & set("0O1IL")
    codes = {new_booking_code() for _ in range(2000)}
    assert len(codes) > 1990
    assert all(len(c) == 6 and set(c) <= set(ALPHABET) for c in codes)
    assert normalise_code("k7m-2qx") == "K7M2QX"
    assert normalise_code("K7M2Q0") is None


def test_luhn_and_brands():
    assert luhn_ok("4242424242424242") and not luhn_ok("4242424242424241")
    assert card_brand("4242424242424242") == "VISA"
    assert card_brand("5555555555554444") == "MASTERCARD"
    assert card_brand("378282246310005") == "AMEX"
