"""Hangul in an overlay (a toast) stays whole where it lies over another widget's edge.

Textual cuts every screen line at every widget's edge, overlays included, and a wide
letter that straddles a cut is replaced by two spaces (Textual issue 6357). The app
mends this (``cinema_tui.wide_text``); here a toast with a Korean message is shown over
the checkout's two-column layout and the composed screen is read back.
"""

from __future__ import annotations

from textual.widgets import RadioButton

from cinema_tui.screens.checkout import CheckoutScreen
from tests.tui.conftest import Notifications, started, wait_for


def screen_text(app) -> str:
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


async def test_a_korean_toast_over_a_panel_edge_keeps_every_letter(make_app):
    app = make_app(language="ko")
    notes = Notifications()
    async with app.run_test(size=(80, 24), notifications=True, message_hook=notes) as pilot:
        await started(pilot)
        shows = [s for s in await app.office.showtimes(app.office.days()[1])
                 if s.starts_at.hour >= 10]
        hold = await app.office.hold(shows[0].id, ["E5", "E6"])
        await app.push_screen(CheckoutScreen(shows[0], hold))
        await wait_for(pilot, lambda: isinstance(app.screen, CheckoutScreen))
        app.screen.query_one("#pay-cash", RadioButton).value = True  # cash, whatever its key
        await wait_for(pilot, lambda: app.screen.query_one("#cash-panel").display)
        await pilot.press("ctrl+s")  # no cash entered: a toast asks for it
        await wait_for(pilot, lambda: notes.messages)
        await pilot.pause(0.3)
        message = "고객에게 받은 현금을 입력하세요."
        assert message in str(notes)
        toast = app.screen.query_one("Toast")
        rows = screen_text(app).splitlines()[toast.region.y : toast.region.bottom]
        assert any(message in row for row in rows), "\n".join(rows)
