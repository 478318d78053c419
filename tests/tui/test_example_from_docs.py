"""The end-to-end example of docs/testing.md: sell two seats by keyboard, then cancel them.

This file is copied verbatim into docs/testing.md ("A complete example"); keep the two
identical. It uses only the public testing surface: the ``make_app`` fixture and the
``started`` / ``wait_for`` helpers, keys, widget ids, screen classes, the now-showing
screen's ``shows`` list and ``app.office`` (the backend).
"""

from __future__ import annotations

from textual.coordinate import Coordinate
from textual.widgets import DataTable, Input

from cinema_tui.screens.checkout import CheckoutScreen
from cinema_tui.screens.confirm import ConfirmScreen
from cinema_tui.screens.find_cancel import FindCancelScreen
from cinema_tui.screens.seat_select import SeatSelectScreen
from cinema_tui.screens.ticket import TicketScreen
from tests.tui.conftest import started, wait_for

HALL = "hall-1"


def text(app, selector: str) -> str:
    """The plain text a widget on the current screen shows (Static, Label, ...)."""
    return str(app.screen.query_one(selector).render())


async def test_sell_two_seats_then_cancel_them(make_app):
    app = make_app()  # English, a fresh FakeOffice, ManualClock at 2026-11-24 10:00 KST
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
        assert table.coordinate_to_cell_key(Coordinate(table.cursor_row, 0)).row_key == show.id
        await pilot.press("enter")

        # --- seat map: the best two seats side by side ("2"), then Enter ---------------
        await wait_for(pilot, lambda: isinstance(app.screen, SeatSelectScreen))
        await wait_for(pilot, lambda: "Cursor" in text(app, "#seat-cursor"))  # map drawn
        await pilot.press("2")  # or: arrows to move, space to select each seat
        await wait_for(pilot, lambda: "Held for 05:00" in text(app, "#hold-countdown"))
        seats = text(app, "#selected-seats").removeprefix("Selected: ").split(", ")
        assert len(seats) == 2
        assert "2 seats" in text(app, "#running-price")
        await pilot.press("enter")

        # --- checkout: pay by card ---------------------------------------------------------
        await wait_for(pilot, lambda: isinstance(app.screen, CheckoutScreen))
        assert ", ".join(seats) in text(app, "#checkout-summary")
        await pilot.press("f7")  # card (the same as choosing #pay-card); focuses #card-number
        for field, typed, value in (
            ("#card-number", "4242424242424242", "4242424242424242"),
            ("#card-expiry", "1230", "12/30"),  # the slash is put in as it is typed
            ("#card-cvc", "123", "123"),
        ):
            app.screen.query_one(field, Input).focus()
            await pilot.press(*typed)
            assert app.screen.query_one(field, Input).value == value
        await pilot.press("ctrl+s")  # or: await pilot.click("#pay")

        # --- ticket ------------------------------------------------------------------------
        await wait_for(pilot, lambda: isinstance(app.screen, TicketScreen), timeout=15)
        code = text(app, "#ticket-code").replace(" ", "")  # shown spaced out: "K 7 M 2 Q X"
        booking = await app.office.wait_for_booking(code, ("COMPLETED",), timeout=10)
        assert booking is not None and booking.status == "COMPLETED"
        assert list(booking.seats) == seats
        assert booking.method == "card" and booking.last4 == "4242"

        # --- F3: find it by code and cancel it ---------------------------------------------
        await pilot.press("f3")
        await wait_for(pilot, lambda: isinstance(app.screen, FindCancelScreen))
        await pilot.press(*code)  # #find-query has the focus
        assert app.screen.query_one("#find-query", Input).value == code
        await pilot.press("enter")
        await wait_for(pilot, lambda: code in text(app, "#found-booking"))
        await pilot.press("x")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        assert code in text(app, "#confirm-question")
        await pilot.press("y")
        await wait_for(pilot, lambda: isinstance(app.screen, FindCancelScreen))
        await wait_for(pilot, lambda: "Cancelled" in text(app, "#found-booking"), timeout=15)
        refund = f"refunded ₩{booking.amount:,}"
        await wait_for(pilot, lambda: refund in text(app, "#find-message"))

        # --- the backend agrees: cancelled, refunded, seats free again ----------------------
        after = await app.office.booking(code)
        assert after.status == "CANCELLED"
        assert after.refunded_amount == booking.amount
        seat_map = await app.office.seat_map(show.id)
        assert all(seat_map.seat(label).state == "free" for label in seats)
