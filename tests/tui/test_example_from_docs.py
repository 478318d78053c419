"""The end-to-end example of docs/testing.md: sell two seats by keyboard, then cancel them.

This file is copied verbatim into docs/testing.md ("A complete example"); keep the two
identical (tests/tui/test_testers_kit.py checks). It uses only the testers' kit
(``cinema_tui.testing``: the ``box_office_app`` fixture and the waits), keys, widget ids,
screen classes, the now-showing screen's ``shows`` list and ``app.office`` (the backend).
Before reading a text it waits for that text: a screen is current before it is filled.
"""

from __future__ import annotations

import re

from textual.coordinate import Coordinate
from textual.widgets import DataTable

from cinema_tui.screens.checkout import CheckoutScreen
from cinema_tui.screens.confirm import ConfirmScreen
from cinema_tui.screens.find_cancel import FindCancelScreen
from cinema_tui.screens.seat_select import SeatSelectScreen
from cinema_tui.screens.ticket import TicketScreen
from cinema_tui.testing import (
    started,
    text,
    wait_for,
    wait_for_focus,
    wait_for_screen,
    wait_for_text,
)

HALL = "hall-1"


async def test_sell_two_seats_then_cancel_them(box_office_app):
    app = box_office_app()  # English, a fresh FakeOffice, ManualClock at 2026-11-24 10:00 KST
    async with app.run_test(size=(80, 24)) as pilot:
        await started(pilot)  # backend up, now-showing has today's programme

        # --- now showing: tomorrow, the first show at or after 10:00 in hall-1 ---------
        screen = app.screen
        tomorrow = app.office.days()[1]
        await pilot.press("right_square_bracket")  # the "]" key: next day
        await wait_for(
            pilot,
            lambda: screen.shows
            and all(s.starts_at.astimezone(app.tz).date() == tomorrow for s in screen.shows),
        )
        show = min(
            (
                s
                for s in screen.shows
                if s.hall_id == HALL and s.starts_at.astimezone(app.tz).hour >= 10
            ),
            key=lambda s: s.starts_at,
        )
        # Rows are grouped by film, so find the row by its key (the show id), not by the
        # position in ``shows``; then walk the cursor there with the arrow keys.
        table = screen.query_one("#showtimes", DataTable)
        await wait_for(pilot, lambda: show.id in table.rows)
        await pilot.press(*["down"] * (table.get_row_index(show.id) - table.cursor_row))
        await wait_for(
            pilot,
            lambda: table.coordinate_to_cell_key(Coordinate(table.cursor_row, 0)).row_key
            == show.id,
        )
        await pilot.press("enter")

        # --- seat map: the best two seats side by side ("2"), then Enter ---------------
        await wait_for_screen(pilot, SeatSelectScreen)
        await wait_for_text(pilot, "#seat-cursor", "Cursor")  # the map has loaded
        await pilot.press("2")  # or: arrows to move, space to select each seat
        await wait_for_text(pilot, "#hold-countdown", "Held for 05:00")  # held, in sync
        chosen = await wait_for_text(pilot, "#selected-seats", re.compile(r", "))
        seats = chosen.removeprefix("Selected: ").split(", ")
        assert len(seats) == 2
        assert "2 seats" in text(app, "#running-price")  # drawn with the selection
        await pilot.press("enter")

        # --- checkout: pay by card ---------------------------------------------------------
        await wait_for_screen(pilot, CheckoutScreen)
        await wait_for_text(pilot, "#checkout-summary", ", ".join(seats))
        await pilot.press("f7")  # card (the same as choosing #pay-card); focuses #card-number
        for field, typed, value in (
            ("#card-number", "4242424242424242", "4242424242424242"),
            ("#card-expiry", "1230", "12/30"),  # the slash is put in as it is typed
            ("#card-cvc", "123", "123"),
        ):
            app.screen.query_one(field).focus()
            await wait_for_focus(pilot, field)  # focus() takes effect a moment later
            await pilot.press(*typed)
            await wait_for_text(pilot, field, value)  # an Input's text is its value
        await pilot.press("ctrl+s")  # or: await pilot.click("#pay")

        # --- ticket: the checkout moves on by itself once the sale has completed ----------
        await wait_for_screen(pilot, TicketScreen, timeout=15)
        code = (await wait_for_text(pilot, "#ticket-code")).replace(" ", "")  # "K 7 M 2 Q X"
        booking = await app.office.wait_for_booking(code, ("COMPLETED",), timeout=10)
        assert booking is not None and booking.status == "COMPLETED"
        assert list(booking.seats) == seats
        assert booking.method == "card" and booking.last4 == "4242"

        # --- F3: find it by code and cancel it ---------------------------------------------
        await pilot.press("f3")
        await wait_for_screen(pilot, FindCancelScreen)
        await wait_for_focus(pilot, "#find-query")
        await pilot.press(*code)
        await wait_for(pilot, lambda: text(app, "#find-query") == code)
        await pilot.press("enter")
        await wait_for_text(pilot, "#found-booking", code)
        await wait_for_focus(pilot, "#found-booking")  # x works on the card, not the box
        await pilot.press("x")
        await wait_for_screen(pilot, ConfirmScreen)
        await wait_for_text(pilot, "#confirm-question", code)
        await pilot.press("y")
        await wait_for_screen(pilot, FindCancelScreen)
        await wait_for_text(pilot, "#found-booking", "Cancelled", timeout=15)
        await wait_for_text(pilot, "#find-message", f"refunded ₩{booking.amount:,}")

        # --- the backend agrees: cancelled, refunded, seats free again ----------------------
        after = await app.office.booking(code)
        assert after.status == "CANCELLED"
        assert after.refunded_amount == booking.amount
        seat_map = await app.office.seat_map(show.id)
        assert all(seat_map.seat(label).state == "free" for label in seats)
