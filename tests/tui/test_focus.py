"""Which field has the focus shows without colour (issue #12, item 3).

Before, the focused ticket-type row and field differed from the others by a tint only:
invisible in plain text and on a monochrome terminal, so a clerk typed a phone number
into the ticket-type row. Every check here reads what a widget draws with its colours
ignored: the characters, and the colour-free attributes (reverse, underline) a
monochrome terminal still shows.
"""

from __future__ import annotations

from textual.geometry import Region
from textual.widget import Widget

from cinema_tui.screens.checkout import CheckoutScreen
from cinema_tui.screens.confirm import ConfirmScreen
from cinema_tui.screens.find_cancel import FindCancelScreen
from cinema_tui.screens.history import HistoryScreen
from tests.tui.conftest import started, wait_for

MARK = "▸"

#: The checkout's places where the focus mark can be drawn.
MARKABLE = ("#ticket-E5", "#ticket-E6", "#phone-label", "#method-mark", "#card-number-label",
            "#card-expiry-label", "#cvc-label", "#tendered-label")


def drawn(widget: Widget) -> list[str]:
    """The characters the widget draws, line by line (no colour, no attributes)."""
    lines = widget.render_lines(Region(0, 0, widget.region.width, widget.region.height))
    return [strip.text for strip in lines]


def attributes(widget: Widget) -> set[str]:
    """The colour-free attributes anywhere in what the widget draws."""
    lines = widget.render_lines(Region(0, 0, widget.region.width, widget.region.height))
    found = set()
    for strip in lines:
        for segment in strip:
            style = segment.style
            if style is None:
                continue
            found |= {name for name in ("reverse", "underline") if getattr(style, name)}
    return found


def marked(screen) -> list[str]:
    """Which of the checkout's rows and labels carry the focus mark (shown ones only)."""
    return [selector for selector in MARKABLE
            if screen.query_one(selector).display and screen.query_one(selector).region
            and MARK in "".join(drawn(screen.query_one(selector)))]


async def open_checkout(pilot, seats=("E5", "E6")):
    app = await started(pilot)
    show = next(s for s in await app.office.showtimes(app.office.days()[1])
                if s.starts_at.hour >= 10)
    hold = await app.office.hold(show.id, list(seats))
    await app.push_screen(CheckoutScreen(show, hold))
    await wait_for(pilot, lambda: isinstance(app.screen, CheckoutScreen))
    await pilot.pause()
    return app


async def test_the_checkout_marks_the_focused_row_and_field_without_colour(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        app = await open_checkout(pilot)
        screen = app.screen
        await wait_for(pilot, lambda: marked(screen) == ["#ticket-E5"])
        assert drawn(screen.query_one("#ticket-E5"))[0].lstrip().startswith(f"{MARK} E5")
        # exactly one mark, wherever the focus goes, by every key that moves it
        for keys, where in (
            (("down",), "#ticket-E6"),
            (("down",), "#phone-label"),
            (("tab",), "#method-mark"),
            (("tab",), "#card-number-label"),
            (("enter",), "#card-expiry-label"),
            (("tab",), "#cvc-label"),
            (("shift+tab",), "#card-expiry-label"),
            (("f6",), "#tendered-label"),
            (("f7",), "#card-number-label"),
            (("shift+tab",), "#method-mark"),
        ):
            await pilot.press(*keys)
            await wait_for(pilot, lambda where=where: marked(screen) == [where])
        assert drawn(screen.query_one("#card-number-label"))[0].startswith("  Card no.")
        await pilot.press("tab")
        await wait_for(pilot, lambda: marked(screen) == ["#card-number-label"])
        assert drawn(screen.query_one("#card-number-label"))[0].startswith(f"{MARK} Card no.")
        card = screen.query_one("#card-number")
        assert "underline" in attributes(card) and card.region.height == 1  # nothing moves


async def test_the_chosen_method_shows_without_colour(make_app):
    """Both radio buttons drew "●" (the chosen one told apart by colour alone)."""
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        app = await open_checkout(pilot)
        screen = app.screen

        def dots() -> tuple[bool, bool]:
            return tuple("●" in "".join(drawn(screen.query_one(selector)))
                         for selector in ("#pay-card", "#pay-cash"))

        assert dots() == (True, False)
        await pilot.press("f6")
        await wait_for(pilot, lambda: dots() == (False, True))
        await pilot.press("f7")
        await wait_for(pilot, lambda: dots() == (True, False))


async def test_fields_and_buttons_elsewhere_show_focus_without_colour(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        app = await started(pilot)
        # a bordered field: a heavy border when focused, the thin one otherwise
        await pilot.press("f4")
        await wait_for(pilot, lambda: isinstance(app.screen, HistoryScreen))
        phone, status = (app.screen.query_one(s) for s in ("#history-phone", "#history-status"))
        shown_status = status.query_one("SelectCurrent")  # the part of a Select drawn shut
        phone.focus()
        await wait_for(pilot, lambda: drawn(phone)[0].startswith("┏"))
        assert not drawn(shown_status)[0].startswith("┏")
        status.focus()
        await wait_for(pilot, lambda: drawn(shown_status)[0].startswith("┏"))
        assert not drawn(phone)[0].startswith("┏")
        assert phone.region.height == shown_status.region.height == 3  # the same size

        # a borderless field: underlined while it has the focus
        await pilot.press("f3")
        await wait_for(pilot, lambda: isinstance(app.screen, FindCancelScreen))
        query = app.screen.query_one("#find-query")
        await wait_for(pilot, lambda: "underline" in attributes(query))
        assert query.region.height == 1  # nothing moves: no border appears
        app.screen.set_focus(None)
        await wait_for(pilot, lambda: "underline" not in attributes(query))

        # buttons: the focused one in reverse (the question's "No")
        await pilot.press("escape")
        app = await open_checkout(pilot)
        await pilot.press("f2")  # leaving asks: the seats would be given back
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        yes, no = (app.screen.query_one(s) for s in ("#confirm-yes", "#confirm-no"))
        await wait_for(pilot, lambda: "reverse" in attributes(no))
        assert "reverse" not in attributes(yes)
        await pilot.press("right")
        await wait_for(pilot, lambda: "reverse" in attributes(yes))
        assert "reverse" not in attributes(no)
