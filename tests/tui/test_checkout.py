"""Checkout and ticket: paying by card and cash, declines, bad input, ticket types, saving;
keys that arrive together, ticket types that change only with ←/→ (and flash), messages
that go when what they were about changes, and leaving that asks first (issue #12).

Every test drives the app through the pilot at 80×24, with a ManualClock at 2026-11-24
10:00 KST, on FakeOffice; the full card sale and the cinema's outage and refusal run on
the real backend (temporary databases). Tomorrow's shows are used so none has started.
The hold (more time, running out) is in test_checkout_hold.py, focus shown without
colour in test_focus.py, and the key burst through a real terminal in test_key_burst.py.
"""

from __future__ import annotations

import pytest
from textual import events
from textual.geometry import Region
from textual.widgets import Input

from backend.errors import InvalidInput
from cinema_tui.errors import human_message
from cinema_tui.screens.checkout import (
    CheckoutScreen,
    TicketTypeRow,
    digits_of,
    field_for,
    quick_amounts,
)
from cinema_tui.screens.confirm import ConfirmScreen
from cinema_tui.screens.ticket import TicketScreen
from cinema_tui.widgets.booking_progress import BookingProgress
from cinema_tui.widgets.qr import qr_lines
from tests.tui.conftest import Notifications, started, wait_for


async def open_checkout(pilot, seats=("E5", "E6"), *, full_price=True):
    """Hold seats on a show of tomorrow and push the checkout screen."""
    app = await started(pilot)
    shows = await app.office.showtimes(app.office.days()[1])
    if full_price:  # shows before 10:00 are discounted; the tests count in full prices
        shows = [s for s in shows if s.starts_at.hour >= 10]
    show = shows[0]
    hold = await app.office.hold(show.id, list(seats))
    await app.push_screen(CheckoutScreen(show, hold))
    await wait_for(pilot, lambda: isinstance(app.screen, CheckoutScreen))
    await pilot.pause()
    return app, show, hold


def text_of(app, selector: str) -> str:
    """What the widget shows on screen, line by line."""
    widget = app.screen.query_one(selector)
    lines = widget.render_lines(Region(0, 0, widget.region.width, widget.region.height))
    return "\n".join(strip.text.rstrip() for strip in lines)


def ticket_shown(app) -> bool:
    """The ticket screen is up and mounted (pushed is not enough: its fields fill on mount)."""
    screen = app.screen
    return (isinstance(screen, TicketScreen) and screen.is_mounted
            and bool(screen.query("#ticket-details")))


async def type_into(pilot, selector: str, text: str, *, keys: bool = False) -> None:
    """Fill a field: key by key (slow, but exercises restrict/masking) or all at once."""
    field = pilot.app.screen.query_one(selector, Input)
    field.focus()
    field.value = ""
    await pilot.pause()
    if keys:
        await pilot.press(*text)
    else:
        field.insert_text_at_cursor(text)
        await pilot.pause()


@pytest.mark.real_backend  # one whole sale through the real services
async def test_card_sale_follows_the_saga_to_the_ticket(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        app, _, _ = await open_checkout(pilot)
        screen = app.screen
        assert "E5, E6" in text_of(app, "#checkout-summary")
        assert "₩28,000" in text_of(app, "#total")
        assert "05:00" in text_of(app, "#hold-countdown")
        await pilot.press("f7")
        await type_into(pilot, "#card-number", "4242 4242-4242x4242", keys=True)
        assert screen.query_one("#card-number", Input).value == "4242 4242-42424242"
        # masked as typed: only the last four digits are readable
        rendered = str(screen.query_one("#card-number", Input).render_line(0).text)
        assert "4242" in rendered and "42424242" not in rendered
        await type_into(pilot, "#card-expiry", "1230", keys=True)
        assert screen.query_one("#card-expiry", Input).value == "12/30"
        await type_into(pilot, "#card-cvc", "123")
        await pilot.press("ctrl+s")

        progress = screen.query_one("#booking-progress", BookingProgress)
        await wait_for(pilot, lambda: "PaymentCaptured" in progress.done)
        assert progress.correlation_id and progress.correlation_id.startswith("bk_")
        assert "✔" in str(progress.render())
        await wait_for(pilot, lambda: ticket_shown(app), timeout=10)
        ticket = app.screen
        code = ticket.booking.code
        assert " ".join(code) in text_of(app, "#ticket-code")
        details = text_of(app, "#ticket-details")
        assert "VISA •••• 4242" in details and "E5, E6" in details
        booking = await app.office.booking(code)
        assert booking.status == "COMPLETED"
        assert booking.id == progress.correlation_id
        assert [s.step for s in booking.timeline][-1] == "BookingCompleted"
        await wait_for(pilot, lambda: f"{code}-E5" in text_of(app, "#ticket-details"))
        await pilot.press("enter")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "NowShowingScreen")


async def test_cash_shows_change_before_and_after_paying(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        app, _, _ = await open_checkout(pilot)
        await pilot.press("f6")
        assert app.screen.focused.id == "cash-tendered"
        await pilot.press(*"20000")
        assert "₩8,000" in text_of(app, "#change")  # not enough
        assert "Not enough" in text_of(app, "#change")
        await type_into(pilot, "#cash-tendered", "50000")
        assert "Change ₩22,000" in text_of(app, "#change")
        await pilot.press("enter")  # Enter in the cash field pays
        await wait_for(pilot, lambda: ticket_shown(app), timeout=10)
        details = text_of(app, "#ticket-details")
        assert "₩50,000" in details and "change ₩22,000" in details
        booking = await app.office.booking(app.screen.booking.code)
        assert booking.method == "cash" and booking.change == 22_000


async def test_quick_cash_keys(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        app, _, _ = await open_checkout(pilot)
        field = app.screen.query_one("#cash-tendered", Input)
        await pilot.press("f9")
        assert field.value == "28000" and "Change ₩0" in text_of(app, "#change")
        await pilot.press("f10")
        assert field.value == "30000"
        await pilot.press("f10")
        assert field.value == "50000"
        await pilot.press("f10")
        assert field.value == "28000"
    assert quick_amounts(28_000) == [28_000, 30_000, 50_000]
    assert quick_amounts(100_000) == [100_000, 150_000, 200_000]


async def test_declined_card_keeps_the_hold_then_cash_succeeds(make_app):
    app = make_app()
    notes = Notifications()
    async with app.run_test(size=(80, 24), message_hook=notes) as pilot:
        app, _, hold = await open_checkout(pilot)
        screen = app.screen
        await pilot.press("f7")
        await type_into(pilot, "#card-number", "4000000000000002")
        await type_into(pilot, "#card-expiry", "12/30")
        await type_into(pilot, "#card-cvc", "123")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: "declined" in text_of(app, "#checkout-message"))
        await wait_for(pilot, lambda: "declined" in str(notes))
        assert app.screen is screen and not screen.paying
        assert screen.focused.id == "card-number"  # ready for another card
        assert "PaymentCaptured" in screen.query_one(BookingProgress).failed
        failed = await app.office.history(status="FAILED")
        assert len(failed) == 1 and failed[0].hold_id == hold.id

        await pilot.press("f6")
        await pilot.press(*"30000")
        await pilot.click("#pay")
        await wait_for(pilot, lambda: ticket_shown(app), timeout=10)
        booking = await app.office.booking(app.screen.booking.code)
        assert booking.hold_id == hold.id and booking.status == "COMPLETED"
        assert booking.change == 2_000


async def test_invalid_card_number_books_nothing(make_app):
    app = make_app()
    notes = Notifications()
    async with app.run_test(size=(80, 24), message_hook=notes) as pilot:
        app, _, _ = await open_checkout(pilot)
        screen = app.screen
        await pilot.press("f7")
        await type_into(pilot, "#card-number", "4242424242424241")  # Luhn fails
        await type_into(pilot, "#card-expiry", "12/30")
        await type_into(pilot, "#card-cvc", "123")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: "not valid" in text_of(app, "#checkout-message"))
        await wait_for(pilot, lambda: "not valid" in str(notes))
        assert screen.focused.id == "card-number"
        assert screen.query_one("#card-number", Input).has_class("-invalid")
        assert app.screen is screen
        assert await app.office.history() == []


async def test_bad_phone_and_cvc_point_at_their_field(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        app, _, _ = await open_checkout(pilot)
        screen = app.screen
        await type_into(pilot, "#phone", "12345")
        await pilot.press("f9")  # exact cash
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: "phone" in text_of(app, "#checkout-message"))
        assert screen.focused.id == "phone"
        await type_into(pilot, "#phone", "010-1234-5678")
        await pilot.press("f7")
        await type_into(pilot, "#card-number", "4242424242424242")
        await type_into(pilot, "#card-expiry", "12/30")
        await type_into(pilot, "#card-cvc", "12")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: "CVC" in text_of(app, "#checkout-message"))
        assert screen.focused.id == "card-cvc"
        assert await app.office.history() == []
    assert field_for(str(InvalidInput("Expiry must be written MM/YY, for example 12/30."))) == (
        "#card-expiry"
    )


async def test_youth_ticket_changes_the_total(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        app, _, _ = await open_checkout(pilot)
        screen = app.screen
        assert "₩28,000" in text_of(app, "#total")
        row = screen.query_one("#ticket-E6", TicketTypeRow)
        row.focus()
        await pilot.press("right")  # adult → youth
        assert row.kind == "youth"
        assert "₩25,000" in text_of(app, "#total")
        breakdown = text_of(app, "#price-breakdown")
        e6 = next(line for line in breakdown.splitlines() if line.startswith("E6"))
        assert "Youth" in e6 and "₩11,000" in e6  # the line is the seat the clerk changed
        await pilot.press("right")  # youth → senior
        assert "₩21,000" in text_of(app, "#total")
        assert screen.tickets() == {"adult": 1, "senior": 1}
        await pilot.press("f9", "ctrl+s")
        await wait_for(pilot, lambda: ticket_shown(app), timeout=10)
        booking = await app.office.booking(app.screen.booking.code)
        assert booking.amount == 21_000 and booking.tickets == {"adult": 1, "senior": 1}


async def test_saving_the_ticket_writes_code_and_qr(make_app, tmp_path):
    app = make_app()
    notes = Notifications()
    async with app.run_test(size=(80, 24), message_hook=notes) as pilot:
        app, _, _ = await open_checkout(pilot)
        await pilot.press("f9", "ctrl+s")
        await wait_for(pilot, lambda: ticket_shown(app), timeout=10)
        code = app.screen.booking.code
        qr = app.screen.query_one("#ticket-qr")
        assert qr.region.width == 25 and qr.region.height == 13
        assert qr.region.right <= 80 and qr.region.bottom <= 24
        await pilot.press("s")
        path = tmp_path / "data" / "tickets" / f"{code}.txt"
        await wait_for(pilot, path.exists)
        text = path.read_text(encoding="utf-8")
        assert code in text and "₩28,000" in text
        assert "█" in text and "▀" in text and "▄" in text
        assert "\n".join(qr_lines(code)) in text
        await wait_for(pilot, lambda: str(path) in str(notes))


async def test_escape_goes_back_keeping_the_hold(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        app, show, _ = await open_checkout(pilot)
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, CheckoutScreen))
        seats = await app.office.seat_map(show.id)
        assert seats.seat("E5").state == "held"


@pytest.mark.real_backend  # the real cinema stopped and started
async def test_cinema_down_lets_the_clerk_continue_at_paid(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        app, _, _ = await open_checkout(pilot)
        await app.office.stop_service("cinema")
        await pilot.press("f9", "ctrl+s")
        await wait_for(pilot, lambda: "waiting for the cinema" in text_of(app, "#checkout-message").lower())
        progress = app.screen.query_one(BookingProgress)
        assert "BookingPaid" in progress.done and "SeatsConfirmed" not in progress.done
        await pilot.press("enter")
        await wait_for(pilot, lambda: ticket_shown(app))
        assert "Paid" in text_of(app, "#ticket-details")
        await app.office.start_service("cinema")
        await wait_for(pilot, lambda: "Completed" in text_of(app, "#ticket-details"), timeout=10)


async def test_payment_busy_keeps_the_form(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        app, _, _ = await open_checkout(pilot)
        await app.office.stop_service("payment")
        await pilot.press("f9", "ctrl+s")
        await wait_for(pilot, lambda: "payment service is down" in text_of(app, "#checkout-message"))
        assert isinstance(app.screen, CheckoutScreen) and not app.screen.paying
        await app.office.start_service("payment")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: ticket_shown(app), timeout=10)


async def test_checkout_fits_80x24_in_both_languages(make_app):
    app = make_app(language="ko")
    async with app.run_test(size=(80, 24)) as pilot:
        app, _, _ = await open_checkout(pilot)
        screen = app.screen
        for selector in ("#total", "#pay", "#hold-countdown", "#checkout-summary"):
            region = screen.query_one(selector).region
            assert region.width and region.bottom <= 23, selector
        assert "합계" in text_of(app, "#total")
        assert "결제" in [k.description for k in screen.query("FooterKey")]
        await type_into(pilot, "#phone", "01012345678")
        await pilot.press("f6", *"50000")
        await pilot.press("f8")
        await wait_for(pilot, lambda: "Total" in text_of(app, "#total"))
        assert "Adult" in str(screen.query_one("#ticket-E5", TicketTypeRow).render())
        # relabelled in place: what was typed is still there
        assert screen.query_one("#phone", Input).value == "01012345678"
        assert "Change ₩22,000" in text_of(app, "#change")
        keys = lambda: [k.description for k in screen.query("FooterKey")]
        await wait_for(pilot, lambda: "Pay" in keys())


async def test_leaving_is_held_back_while_the_payment_is_decided(make_app):
    app = make_app()
    notes = Notifications()
    async with app.run_test(size=(80, 24), message_hook=notes) as pilot:
        app, _, _ = await open_checkout(pilot)
        await app.office.configure_payment_simulator(latency_ms=1500)
        screen = app.screen
        await pilot.press("f9", "ctrl+s")
        await wait_for(pilot, lambda: screen.paying)
        await pilot.press("f2", "escape")
        await pilot.pause(0.1)
        assert app.screen is screen
        await wait_for(pilot, lambda: "in progress" in str(notes))
        await wait_for(pilot, lambda: ticket_shown(app), timeout=10)


def test_qr_drawing_round_trips_to_the_symbol():
    """Reading the half blocks back gives segno's modules exactly (quiet zone included)."""
    import segno

    code = "K7M2QX"
    lines = qr_lines(code)
    assert len(lines) == 13 and {len(line) for line in lines} == {25}
    top = {" ": False, "▀": True, "▄": False, "█": True}
    bottom = {" ": False, "▀": False, "▄": True, "█": True}
    rows = []
    for line in lines:
        rows.append([top[ch] for ch in line])
        rows.append([bottom[ch] for ch in line])
    symbol = segno.make(code, error="m", micro=False)
    expected = [[bool(m) for m in row] for row in symbol.matrix_iter(scale=1, border=2)]
    assert symbol.version == 1 and len(expected) == 25
    assert rows[:25] == expected and not any(rows[25])


@pytest.mark.real_backend  # the real cinema rejects, payment refunds
async def test_cinema_refusal_is_explained_and_esc_goes_back(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        app, show, _ = await open_checkout(pilot)
        await app.office.block_seats(show.id, ["E5"])  # e.g. a broken seat found at the cinema
        await pilot.press("f9", "ctrl+s")
        await wait_for(pilot, lambda: "refunded" in text_of(app, "#checkout-message"), timeout=10)
        screen = app.screen
        assert isinstance(screen, CheckoutScreen)
        assert "SeatsConfirmed" in screen.query_one(BookingProgress).failed
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, CheckoutScreen))
        [booking] = await app.office.history()
        assert booking.status in ("REJECTING", "REJECTED")


async def test_non_ascii_digits_and_too_much_cash_are_refused_at_their_field(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        app, _, _ = await open_checkout(pilot)
        screen = app.screen
        # Only the digits 0-9 can be typed (or pasted) into the card number.
        await pilot.press("f7")
        await type_into(pilot, "#card-number", "４２４２ ４２４２ ４２４２ ４２４２")
        assert screen.query_one("#card-number", Input).value == ""
        # Should one get there anyway, the backend refuses it and the field says so.
        screen.query_one("#card-number", Input).value = "４２４２ ４２４２ ４２４２ ４２４２"
        await type_into(pilot, "#card-expiry", "12/30")
        await type_into(pilot, "#card-cvc", "123")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: "0–9" in text_of(app, "#checkout-message"))
        assert screen.focused.id == "card-number"
        assert screen.query_one("#card-number", Input).has_class("-invalid")

        # Cash above the most one payment takes: a sentence at the cash field.
        await pilot.press("f6")
        await type_into(pilot, "#cash-tendered", "99999999")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: "₩10,000,000" in text_of(app, "#checkout-message"))
        assert screen.focused.id == "cash-tendered"
        assert screen.query_one("#cash-tendered", Input).has_class("-invalid")
        assert await app.office.history() == []
        assert app.office.breaker().calls == 0  # nothing reached payment

        await pilot.press("f9", "ctrl+s")  # exact cash: the sale goes through
        await wait_for(pilot, lambda: ticket_shown(app), timeout=10)
    assert digits_of("１２,０００") is None and digits_of("12,000") == 12000
    too_much = InvalidInput("x", key="cash.max", max="₩10,000,000")
    assert "₩10,000,000" in human_message(too_much, "ko")
    assert field_for("x", "cash.max") == "#cash-tendered"


# --- keys that arrive together (issue #12, item 2) ----------------------------------------


def burst(app, *keys: str) -> None:
    """Keys arriving together, as from a card reader or a lagging link: all are queued on
    the app at once, before it has handled the first (``pilot.press`` waits after each;
    tests/tui/test_key_burst.py does the same through a real terminal)."""
    for key in keys:
        app.post_message(events.Key(key, key if len(key) == 1 else None))


async def test_keys_that_arrive_together_land_where_they_were_typed(make_app):
    """Every key that moves the focus (↓ and → on a ticket row, Enter in a field, the
    method's F-keys) acts before the next key is routed; before, the keys behind it went
    to the old field, or (→ just before ↓) changed the next row's type."""
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        app, _, _ = await open_checkout(pilot)
        screen = app.screen
        await wait_for(pilot, lambda: screen.focused is screen.query_one("#ticket-E5"))
        burst(app, "right", "down", "down", *"01012345678", "enter", "f6", "f7",
              *"4242424242424242", "enter", *"1230", "enter", *"123")
        await wait_for(pilot, lambda: screen.query_one("#card-cvc", Input).value == "123")
        assert screen.chooser.chosen() == {"E5": "youth", "E6": "adult"}
        assert screen.query_one("#phone", Input).value == "01012345678"
        assert screen.query_one("#card-number", Input).value == "4242424242424242"
        assert screen.query_one("#card-expiry", Input).value == "12/30"
        assert screen.tender.method == "card" and screen.focused.id == "card-cvc"
        burst(app, "enter")  # Enter in the last field pays
        await wait_for(pilot, lambda: ticket_shown(app), timeout=10)
        booking = await app.office.booking(app.screen.booking.code)
        assert booking.last4 == "4242" and booking.tickets == {"adult": 1, "youth": 1}
        assert booking.phone == "010-1234-5678"


# --- ticket types need an explicit key; stale messages go (issue #12, item 3) ---------------


async def test_digits_on_a_ticket_row_leave_the_type_and_say_where_to_type(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        app, _, _ = await open_checkout(pilot)
        screen = app.screen
        row = screen.query_one("#ticket-E5", TicketTypeRow)
        await wait_for(pilot, lambda: screen.focused is row)
        await pilot.press("1", "2", "space", "3")  # meant for the phone field
        assert row.kind == "adult" and "₩28,000" in text_of(app, "#total")
        assert "Tab to the phone field" in " ".join(text_of(app, "#checkout-message").split())
        await pilot.press("down", "4")
        assert screen.query_one("#ticket-E6", TicketTypeRow).kind == "adult"
        await pilot.press("down")  # to the phone field: the hint has served
        await wait_for(pilot, lambda: "Tab" not in text_of(app, "#checkout-message"))
        await pilot.press(*"010")
        assert screen.query_one("#phone", Input).value == "010"
        await pilot.press("shift+tab", "right")  # only ←/→ change a type
        assert screen.query_one("#ticket-E6", TicketTypeRow).kind == "youth"


async def test_a_type_change_flashes_the_row_and_the_total(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        app, _, _ = await open_checkout(pilot)
        screen = app.screen
        row, total = screen.query_one("#ticket-E6"), screen.query_one("#total")
        row.focus()
        await pilot.press("right")
        assert row.has_class("-flash") and total.has_class("-flash")
        assert not screen.query_one("#ticket-E5").has_class("-flash")
        await wait_for(pilot, lambda: not row.has_class("-flash"), timeout=3)
        assert not total.has_class("-flash")


async def test_a_message_about_an_input_goes_when_it_or_its_total_changes(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        app, _, _ = await open_checkout(pilot)
        screen = app.screen

        def said() -> str:
            return " ".join(text_of(app, "#checkout-message").split())

        # not enough cash: about the cash field and the total
        await pilot.press("f6", *"5000", "ctrl+s")
        await wait_for(pilot, lambda: "₩5,000 is not enough" in said())
        assert "₩28,000" in said()
        screen.query_one("#ticket-E6").focus()
        await pilot.press("right")  # the total changes: the sentence about ₩28,000 goes
        await wait_for(pilot, lambda: said() == "")
        await pilot.press("f6", "ctrl+s")
        await wait_for(pilot, lambda: "₩5,000 is not enough" in said())
        await pilot.press("0")  # the cash changes: it goes too
        await wait_for(pilot, lambda: said() == "")

        # a refused card: about the card, not about the phone
        await pilot.press("f7")
        await type_into(pilot, "#card-number", "4000000000000002")
        await type_into(pilot, "#card-expiry", "12/30")
        await type_into(pilot, "#card-cvc", "123")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: "declined" in said())
        await type_into(pilot, "#phone", "010")
        assert "declined" in said()
        await type_into(pilot, "#card-number", "4242", keys=True)
        await wait_for(pilot, lambda: said() == "")


# --- leaving checkout (issue #12, item 4) --------------------------------------------------


async def test_leaving_for_another_screen_asks_first_naming_what_is_lost(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        app, show, _ = await open_checkout(pilot)
        screen = app.screen
        assert screen.unsaved_work() == "Seats E5, E6 are given back."
        await pilot.press("f7")
        await type_into(pilot, "#card-number", "4242424242424242")
        expected = "Seats E5, E6 are given back. The card details typed are cleared."
        assert screen.unsaved_work() == expected
        for key in ("f2", "f3", "f4", "f5"):
            await pilot.press(key)
            await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
            question = text_of(app, "#confirm-question")
            assert " ".join(question.split()) == f"Leave this sale? {expected}"
            await pilot.press("enter")  # "No" has the focus: the sale stays as it was
            await wait_for(pilot, lambda: app.screen is screen)
            assert screen.query_one("#card-number", Input).value == "4242424242424242"
        assert (await app.office.seat_map(show.id)).seat("E5").state == "held"

        await pilot.press("f5")  # F5 is Ops here too (cash is F6)
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "OpsScreen")
        assert not any(isinstance(s, CheckoutScreen) for s in app.screen_stack)
        for _ in range(100):  # given back as the app leaves the sale
            seat_map = await app.office.seat_map(show.id)
            if seat_map.seat("E5").state == "free":
                break
            await pilot.pause(0.02)
        assert seat_map.seat("E5").state == seat_map.seat("E6").state == "free"


async def test_nothing_to_lose_nothing_asked(make_app, clock):
    app = make_app(language="ko")
    async with app.run_test(size=(80, 24)) as pilot:
        app, _, _ = await open_checkout(pilot, seats=("E5",))
        screen = app.screen
        assert screen.unsaved_work() == "좌석 E5의 선점이 해제됩니다."
        clock.advance(5 * 60 + 1)  # the hold runs out: no seats to give back
        await wait_for(pilot, lambda: screen.flow.lapsed)
        assert screen.unsaved_work() is None
        await pilot.press("f3")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "FindCancelScreen")
        assert not any(isinstance(s, CheckoutScreen) for s in app.screen_stack)


async def test_after_the_sale_leaving_asks_nothing(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        app, _, _ = await open_checkout(pilot)
        screen = app.screen
        await app.office.stop_service("cinema")  # the sale rests at PAID, on the checkout
        await pilot.press("f9", "ctrl+s")
        await wait_for(pilot, lambda: screen.flow.sold)
        assert screen.unsaved_work() is None
        await pilot.press("f4")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "HistoryScreen")
