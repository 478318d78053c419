"""The ticket says which seat has which ticket type as the clerk chose it in the checkout.

The checkout hands ``book()`` the clerk's seat -> type (``seat_types``), so the booking
stores its seats in the order that deals each its type; before, only the counts went
and a ticket of G6 Youth, G7 Adult read "G6 Adult, G7 Youth". On FakeOffice, 80×24.
"""

from __future__ import annotations

from cinema_tui.screens.ticket import seat_types
from tests.tui.conftest import wait_for
from tests.tui.test_checkout import open_checkout, text_of, ticket_shown, type_into


async def test_the_ticket_shows_each_seat_with_the_type_the_clerk_chose(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        app, show, _ = await open_checkout(pilot, ("G6", "G7"))
        total = app.office.quote(show.id, ["G6", "G7"], {"adult": 1, "youth": 1}).total
        screen = app.screen
        await wait_for(pilot, lambda: screen.focused is screen.query_one("#ticket-G6"))
        await pilot.press("right")  # G6: adult → youth; G7 stays adult
        assert screen.chooser.chosen() == {"G6": "youth", "G7": "adult"}
        assert f"₩{total:,}" in text_of(app, "#total")
        await pilot.press("f7")
        await type_into(pilot, "#card-number", "4242424242424242")
        await type_into(pilot, "#card-expiry", "12/30")
        await type_into(pilot, "#card-cvc", "123")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: ticket_shown(app), timeout=10)

        ticket = app.screen
        types = ticket.types_text()
        assert "G6 Youth" in types and "G7 Adult" in types
        assert "G6 Adult" not in types and "G7 Youth" not in types
        details = text_of(app, "#ticket-details")
        assert "G6 Youth" in details and "G7 Adult" in details
        booking = await app.office.booking(ticket.booking.code)
        assert dict(seat_types(booking)) == {"G6": "youth", "G7": "adult"}
        assert booking.amount == total


def test_seats_read_in_row_and_number_order_whatever_order_they_were_dealt_in():
    from cinema_tui.format import in_seat_order, seats

    assert in_seat_order(["G7", "G6", "G12", "AA1", "B2"]) == ["B2", "G6", "G7", "G12", "AA1"]
    assert seats(("G7", "G6")) == "G6, G7"
