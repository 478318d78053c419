"""Selling, as docs/testing.md describes it: the journeys, a refusal, the clock."""

from __future__ import annotations

import re

from cinema_tui.screens.checkout import CheckoutScreen
from cinema_tui.screens.ticket import TicketScreen
from cinema_tui.testing import (
    Notifications,
    open_show,
    pay_by_card,
    pay_cash,
    select_seats,
    started,
    text,
    wait_for_screen,
    wait_for_text,
)


async def tomorrow(app, hall="hall-1"):
    """Tomorrow's first show from 10:00 in ``hall`` (never started, full price)."""
    shows = await app.office.showtimes(app.office.days()[1])
    return min(
        (s for s in shows if s.hall_id == hall and s.starts_at.astimezone(app.tz).hour >= 10),
        key=lambda s: s.starts_at,
    )


async def test_two_adults_by_card(box_office_app):
    app = box_office_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await started(pilot)
        await open_show(pilot, await tomorrow(app))
        seats = await select_seats(pilot, 2)
        await wait_for_text(pilot, "#running-price", "2 seats · ₩28,000 (adult)")
        code = await pay_by_card(pilot)

        assert isinstance(app.screen, TicketScreen)
        details = await wait_for_text(pilot, "#ticket-details", "VISA •••• 4242")
        assert ", ".join(seats) in details
        booking = await app.office.wait_for_booking(code, ("COMPLETED",), timeout=10)
        assert booking.amount == 28000 and list(booking.seats) == seats


async def test_declined_card_then_cash_on_the_same_hold(box_office_app):
    app = box_office_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await started(pilot)
        show = await tomorrow(app, "hall-2")
        await open_show(pilot, show)
        seats = await select_seats(pilot, ["D3", "D4"])

        await pay_by_card(pilot, "4000000000000002", ticket=False)
        message = await wait_for_text(pilot, "#checkout-message", re.compile("declined"))
        assert app.screen.query_one("#checkout-message").has_class("-error"), message
        assert isinstance(app.screen, CheckoutScreen)
        seat_map = await app.office.seat_map(show.id)
        assert all(seat_map.seat(s).state == "held" for s in seats)  # the hold is kept

        code = await pay_cash(pilot, 30000)
        booking = await app.office.wait_for_booking(code, ("COMPLETED",))
        assert booking.method == "cash" and booking.change == 30000 - booking.amount
        assert len(await app.office.history(status="FAILED")) == 1


async def test_the_hold_runs_out_when_the_clock_moves(box_office_app, clock):
    app = box_office_app()
    notes = Notifications()
    async with app.run_test(size=(80, 24), message_hook=notes) as pilot:
        await started(pilot)
        await open_show(pilot, await tomorrow(app))
        await select_seats(pilot, 3)
        clock.advance(5 * 60 + 1)
        await wait_for_text(pilot, "#hold-countdown", "Hold expired")
        assert text(app, "#selected-seats") == "Selected: none"
        assert "The hold ran out" in str(notes)


async def test_checkout_goes_to_the_ticket_by_itself(box_office_app):
    app = box_office_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await started(pilot)
        await open_show(pilot, await tomorrow(app, "hall-3"))
        await select_seats(pilot, 1)
        await pay_cash(pilot, ticket=False)  # F9: the exact total
        await wait_for_screen(pilot, TicketScreen, timeout=15)  # no key pressed
        assert (await wait_for_text(pilot, "#ticket-code")).replace(" ", "").isalnum()
