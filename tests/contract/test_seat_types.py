"""``book(seat_types=...)``: the booking records which seat has which ticket type as the
clerk chose it, on BoxOffice and FakeOffice alike.

A booking keeps its seats and its counts per type; the types are dealt over the stored
seats in one order (adult, youth, senior: ``backend.api.dealt``). Given the clerk's seat
-> type, ``book`` stores the seats so that this rule gives each seat its chosen type, so
the write side's answer, the view (``office.booking``), a quote over the stored seats
and the ticket (``cinema_tui.screens.ticket.seat_types``) all say the same. Before,
only counts went in and G6 Youth, G7 Adult came back as G6 Adult, G7 Youth.
"""

from __future__ import annotations

import pytest

from backend import Card, Cash
from backend.api import InvalidInput, dealt
from backend.testing import settle
from cinema_tui.screens.ticket import seat_types as ticket_seat_types
from tests.conftest import VISA
from tests.contract.test_box_office_api import PHONE, office, show_at_ten  # noqa: F401


def by_seat(booking) -> dict[str, str]:
    return dict(dealt(booking.seats, booking.tickets))


def priced(office, booking) -> dict[str, tuple[str, int]]:  # noqa: F811
    """seat -> (type, price), as the box office prices the stored booking."""
    lines = office.quote(booking.show_id, booking.seats, booking.tickets).lines
    return {line.seat: (line.ticket_type, line.price) for line in lines}


async def test_each_seat_keeps_the_type_the_clerk_chose(office):  # noqa: F811
    show = await show_at_ten(office)  # hall 1, full prices: adult 14,000, youth 11,000
    hold = await office.hold(show.id, ["G6", "G7"])
    chosen = {"G6": "youth", "G7": "adult"}
    sold = await office.book(hold.id, seat_types=chosen, payment=Card(VISA, "12/30", "123"),
                             phone=PHONE)
    assert sold.status == "PAID" and sold.amount == 25_000
    assert sorted(sold.seats) == ["G6", "G7"] and sold.tickets == {"adult": 1, "youth": 1}
    assert by_seat(sold) == chosen
    assert await settle(office, timeout=10)

    booking = await office.booking(sold.code)
    assert booking.status == "COMPLETED" and booking.amount == 25_000
    assert by_seat(booking) == chosen
    assert dict(ticket_seat_types(booking)) == chosen  # what the ticket prints
    assert priced(office, booking) == {"G6": ("youth", 11_000), "G7": ("adult", 14_000)}
    assert sorted(booking.ticket_numbers) == [f"{sold.code}-G6", f"{sold.code}-G7"]
    [row] = await office.history(PHONE)
    assert row.code == sold.code and by_seat(row) == chosen


async def test_premium_and_standard_seats_are_priced_as_chosen(office):  # noqa: F811
    show = await show_at_ten(office)
    # H is a row of premium seats (+2,000), G of standard ones; held in this order, the
    # counts alone would deal adult to H6 and youth to G6.
    hold = await office.hold(show.id, ["H6", "G6", "G7", "H7"])
    chosen = {"H6": "youth", "G6": "adult", "G7": "senior", "H7": "adult"}
    sold = await office.book(hold.id, tickets={"youth": 1, "adult": 2, "senior": 1},
                             seat_types=chosen, payment=Cash(60_000))
    assert by_seat(sold) == chosen
    assert sold.amount == 13_000 + 14_000 + 7_000 + 16_000 and sold.change == 10_000
    assert await settle(office, timeout=10)
    booking = await office.booking(sold.code)
    assert priced(office, booking) == {
        "H6": ("youth", 13_000), "G6": ("adult", 14_000),
        "G7": ("senior", 7_000), "H7": ("adult", 16_000),
    }
    assert dict(ticket_seat_types(booking)) == chosen


async def test_counts_alone_still_sell_as_before(office):  # noqa: F811
    show = await show_at_ten(office)
    hold = await office.hold(show.id, ["G6", "G7"])
    sold = await office.book(hold.id, tickets={"adult": 1, "youth": 1},
                             payment=Card(VISA, "12/30", "123"))
    assert sold.seats == ("G6", "G7") and by_seat(sold) == {"G6": "adult", "G7": "youth"}


@pytest.mark.parametrize(
    "tickets, seat_types, sentence",
    [
        ({"adult": 2}, {"G6": "youth", "G7": "adult"},
         ("The ticket counts (2 adult) do not match the ticket types chosen seat by seat "
          "(1 adult, 1 youth); give seat_types alone, or counts that match it.")),
        (None, {"G6": "youth", "Z99": "adult"}, "Hall 1 has no seat “Z99”."),
        (None, {"G6": "youth", "G7": "adult", "G8": "adult"},
         "Seat G8 is not on this hold, which has G6, G7: choose types for those seats only."),
        (None, {"G6": "youth"}, "Seat G7 has no ticket type: choose one for every held seat."),
        (None, {"G6": "youth", "g6": "adult"},
         "Seat G6 was given two ticket types; give it one."),
        ({"adult": 1, "child": 1}, {"G6": "child", "G7": "adult"},
         "There is no ticket type “child” (use adult, youth, senior)."),
        (None, ["G6", "G7"],
         ("seat_types must be a dict of seat label → ticket type, like {'E7': 'adult'}, "
          "not a list.")),
        (None, {}, "Choose a ticket type for every seat."),
        (None, {"G6": 1, "G7": "adult"},
         "seat_types: the ticket type of seat G6 must be a ticket type like 'adult', not 1."),
    ],
    ids=["counts", "no-such-seat", "not-held", "missing", "twice", "unknown-type", "list",
         "empty", "not-a-type"],
)
async def test_a_wrong_choice_is_refused_with_a_sentence_and_sells_nothing(
    office, tickets, seat_types, sentence  # noqa: F811
):
    show = await show_at_ten(office)
    hold = await office.hold(show.id, ["G6", "G7"])
    with pytest.raises(InvalidInput) as refused:
        await office.book(hold.id, tickets=tickets, seat_types=seat_types,
                          payment=Card(VISA, "12/30", "123"), phone=PHONE)
    assert str(refused.value) == sentence
    assert await office.history(PHONE) == []
    seat_map = await office.seat_map(show.id)
    assert [seat_map.seat(s).state for s in ("G6", "G7")] == ["held", "held"]
    # the hold is untouched: the right choice sells it
    sold = await office.book(hold.id, seat_types={"G6": "youth", "G7": "adult"},
                             payment=Card(VISA, "12/30", "123"), phone=PHONE)
    assert by_seat(sold) == {"G6": "youth", "G7": "adult"}
