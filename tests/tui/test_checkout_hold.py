"""The hold behind the checkout (issue #12, item 5): more time, a warning, and a sale that
survives the hold running out.

Before: the only warning was the header turning orange, the hold could not be extended,
and at zero two toasts said the same thing and everything typed was lost with the
screen. The FakeOffice runs holds on the test's ManualClock, so each test moves time
with ``clock.advance`` and waits for what the screen shows.
"""

from __future__ import annotations

from textual.widgets import Input

from cinema_tui.screens.checkout import CheckoutScreen
from cinema_tui.screens.seat_select import SeatSelectScreen
from cinema_tui.screens.ticket import TicketScreen
from tests.tui.conftest import Notifications, started, wait_for
from tests.tui.test_checkout import open_checkout, text_of, type_into


def header(app) -> str:
    return text_of(app, "#hold-countdown")


def message(app) -> str:
    return " ".join(text_of(app, "#checkout-message").split())


def value(app, selector: str) -> str:
    return app.screen.query_one(selector, Input).value


async def seat_state(app, show_id: str, seat: str) -> str:
    return (await app.office.seat_map(show_id)).seat(seat).state


async def test_a_minute_before_the_end_the_clerk_is_warned_once_naming_the_key(make_app, clock):
    app = make_app()
    notes = Notifications()
    async with app.run_test(size=(80, 24), message_hook=notes) as pilot:
        app, _, _ = await open_checkout(pilot)
        clock.advance(4 * 60 - 5)
        await wait_for(pilot, lambda: "01:05" in header(app))
        assert notes.messages == []  # not yet
        clock.advance(5)
        await wait_for(pilot, lambda: "one more minute" in str(notes))
        assert "Ctrl+E" in str(notes)
        assert "Ctrl+E more time" in header(app)  # the header names the key too
        assert app.screen.query_one("#hold-countdown").has_class("-low")
        clock.advance(10)
        await wait_for(pilot, lambda: "00:50" in header(app))
        assert len(notes.messages) == 1  # once


async def test_ctrl_e_gives_more_time_up_to_the_limit(make_app, clock):
    app = make_app(hold_extend_minutes=2, hold_max_minutes=9)
    notes = Notifications()
    async with app.run_test(size=(80, 24), message_hook=notes) as pilot:
        app, show, hold = await open_checkout(pilot)
        await type_into(pilot, "#phone", "0101234")  # Ctrl+E in a text field is ours
        await pilot.press("ctrl+e")
        await wait_for(pilot, lambda: "07:00" in header(app))
        assert "held until 10:07" in message(app)
        assert app.screen.hold.id == hold.id and value(app, "#phone") == "0101234"
        clock.advance(6 * 60)  # past the first expiry: still held, here and in the office
        await wait_for(pilot, lambda: "01:00" in header(app))
        assert await seat_state(app, show.id, "E5") == "held"
        await pilot.press("ctrl+e")  # 2 more minutes, but at most 9 from 10:00
        await wait_for(pilot, lambda: "03:00" in header(app))
        await pilot.press("ctrl+e")
        await wait_for(pilot, lambda: "at most 9 minutes" in message(app))
        assert "03:00" in header(app) and isinstance(app.screen, CheckoutScreen)


async def test_at_zero_one_message_the_form_stays_and_ctrl_e_holds_the_seats_again(
    make_app, clock
):
    app = make_app()
    notes = Notifications()
    async with app.run_test(size=(80, 24), message_hook=notes) as pilot:
        app, show, hold = await open_checkout(pilot)
        screen = app.screen
        await type_into(pilot, "#phone", "010-1234-5678")
        await pilot.press("f7")
        await type_into(pilot, "#card-number", "4242424242424242")
        await type_into(pilot, "#card-expiry", "12/30")
        await type_into(pilot, "#card-cvc", "123")
        await pilot.press("ctrl+e")  # 07:00
        await wait_for(pilot, lambda: "07:00" in header(app))
        clock.advance(6 * 60 + 30)
        await wait_for(pilot, lambda: "one more minute" in str(notes))
        before = len(notes.messages)
        clock.advance(31)
        await wait_for(pilot, lambda: "Not held" in header(app))
        await pilot.pause(0.3)
        assert len(notes.messages) == before + 1, notes.messages  # exactly one message
        assert "ran out" in notes.messages[-1] and "E5, E6" in notes.messages[-1]
        # the screen stays, says so, and keeps what was typed but the card number and CVC
        assert app.screen is screen
        assert "E5, E6 are no longer held" in message(app) and "Ctrl+E" in message(app)
        assert value(app, "#phone") == "010-1234-5678" and value(app, "#card-expiry") == "12/30"
        assert value(app, "#card-number") == "" and value(app, "#card-cvc") == ""
        assert await seat_state(app, show.id, "E5") == "free"
        await pilot.press("ctrl+s")  # nothing to sell on a lapsed hold
        await pilot.pause(0.2)
        assert app.screen is screen and await app.office.history() == []
        assert "no longer held" in message(app)

        await pilot.press("ctrl+e")  # the same seats, held again
        await wait_for(pilot, lambda: "held again" in message(app))
        assert "05:00" in header(app)
        assert screen.hold.id != hold.id and screen.hold.seats == hold.seats
        assert await seat_state(app, show.id, "E5") == "held"
        await type_into(pilot, "#card-number", "4242424242424242")
        await type_into(pilot, "#card-cvc", "123")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, TicketScreen), timeout=10)
        booking = await app.office.booking(app.screen.booking.code)
        assert booking.hold_id == screen.hold.id and booking.phone


async def test_seats_taken_meanwhile_are_named_and_esc_goes_back(make_app, clock):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        app, show, _ = await open_checkout(pilot)
        clock.advance(5 * 60 + 1)
        await wait_for(pilot, lambda: "Not held" in header(app))
        await app.office.hold(show.id, ["E6"])  # another clerk takes one of them
        await pilot.press("ctrl+e")
        await wait_for(pilot, lambda: "Taken meanwhile: E6" in message(app))
        assert "Esc" in message(app) and "Not held" in header(app)
        assert await seat_state(app, show.id, "E5") == "free"  # all or nothing
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, CheckoutScreen))


async def test_paying_on_a_hold_that_just_ran_out_keeps_the_form(make_app, clock):
    app = make_app()
    notes = Notifications()
    async with app.run_test(size=(80, 24), message_hook=notes) as pilot:
        app, _, _ = await open_checkout(pilot)
        screen = app.screen
        screen._countdown.pause()  # the clerk beats the countdown by a hair
        await type_into(pilot, "#phone", "010-1234-5678")
        clock.advance(5 * 60 + 1)
        await pilot.press("f9", "ctrl+s")  # exact cash
        await wait_for(pilot, lambda: "Not held" in header(app))
        await pilot.pause(0.2)
        assert app.screen is screen and [m for m in notes.messages if "ran out" in m] == [
            notes.messages[-1]
        ]
        assert len(notes.messages) == 1
        assert value(app, "#phone") == "010-1234-5678" and value(app, "#cash-tendered")
        assert not screen.query_one("#checkout-form").disabled  # the form is the clerk's


async def open_from_the_seat_map(pilot):
    """Now showing → hall 1's seat map → the best two seats → checkout, as a clerk goes."""
    app = await started(pilot)
    show = next(s for s in await app.office.showtimes(app.office.days()[1])
                if s.hall_id == "hall-1" and s.starts_at.hour >= 10)
    await app.push_screen(SeatSelectScreen(show))
    await wait_for(pilot, lambda: isinstance(app.screen, SeatSelectScreen))
    seats = app.screen
    await wait_for(pilot, lambda: seats.seat_map is not None)
    await pilot.press("2")
    await wait_for(pilot, lambda: seats.hold is not None and len(seats.hold.seats) == 2)
    await pilot.press("enter")
    await wait_for(pilot, lambda: isinstance(app.screen, CheckoutScreen))
    return app, show, seats


async def until_free(pilot, app, show_id: str, labels) -> None:
    """The seats are free again in the office (the seat map gives them back as it closes)."""
    states: dict[str, str] = {}
    for _ in range(100):
        states = {label: await seat_state(app, show_id, label) for label in labels}
        if set(states.values()) == {"free"}:
            return
        await pilot.pause(0.02)
    raise AssertionError(f"still not free: {states}")


async def test_esc_hands_the_seat_map_the_extended_hold(make_app, clock):
    """Extended at the checkout, the hold the seat map keeps (and counts down, and gives
    back when it is left) is the one really held, with its later expiry."""
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        app, show, seats = await open_from_the_seat_map(pilot)
        checkout = app.screen
        await pilot.press("ctrl+e")
        await wait_for(pilot, lambda: "07:00" in header(app))
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is seats)
        assert seats.hold == checkout.hold  # the later expiry
        clock.advance(6 * 60)  # past the first expiry: the seat map still holds them
        await wait_for(pilot, lambda: "Held for 01:00" in text_of(app, "#hold-countdown"))
        assert await seat_state(app, show.id, seats.hold.seats[0]) == "held"
        held = seats.hold.seats
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, SeatSelectScreen))
        await until_free(pilot, app, show.id, held)


async def test_at_zero_with_the_seat_map_below_one_message_and_the_new_hold_goes_back(
    make_app, clock
):
    """The second of the two toasts came from the seat map under the checkout, which ran
    out the hold too; now only the checkout speaks, and the hold it holds again is the
    one the seat map keeps and gives back."""
    app = make_app()
    notes = Notifications()
    async with app.run_test(size=(80, 24), message_hook=notes) as pilot:
        app, show, seats = await open_from_the_seat_map(pilot)
        clock.advance(5 * 60 + 1)
        await wait_for(pilot, lambda: "Not held" in header(app))
        await pilot.pause(1.5)  # a tick of the seat map below, had it one to make
        assert len(notes.messages) == 1, notes.messages  # exactly one message
        await pilot.press("ctrl+e")
        await wait_for(pilot, lambda: "held again" in message(app))
        held_again = app.screen.hold
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is seats)
        assert seats.hold == held_again  # the seat map keeps the hold held again
        await pilot.press("escape")  # and gives that one back when it is left
        await wait_for(pilot, lambda: not isinstance(app.screen, SeatSelectScreen))
        await until_free(pilot, app, show.id, held_again.seats)
