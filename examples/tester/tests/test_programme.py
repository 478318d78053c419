"""The programme, the language and the timeline, as docs/testing.md describes them."""

from __future__ import annotations

from textual.widgets import DataTable

from cinema_tui.screens.booking_detail import BookingDetailScreen
from cinema_tui.screens.find_cancel import FindCancelScreen
from cinema_tui.testing import (
    Notifications,
    open_show,
    pay_by_card,
    select_seats,
    started,
    wait_for,
    wait_for_focus,
    wait_for_screen,
    wait_for_text,
)


async def test_film_cells_rating_then_title_on_the_first_row_only(box_office_app):
    app = box_office_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await started(pilot)
        screen = app.screen
        table = screen.query_one("#showtimes", DataTable)
        by_film = {}
        for show in screen.shows:
            by_film.setdefault(show.film_id, []).append(show)
        for shows in by_film.values():
            first, *others = sorted(shows, key=lambda s: s.starts_at)
            cell = str(table.get_row(first.id)[0])
            rating, _, title = cell.strip().partition(" ")
            assert rating == first.rating and first.title_en.startswith(title.rstrip("…"))
            assert all(str(table.get_row(s.id)[0]) == "" for s in others)
            local = first.starts_at.astimezone(app.tz)
            assert str(table.get_row(first.id)[1]) == f"{local:%H:%M}"


async def test_f8_switches_the_language_with_a_toast(box_office_app):
    app = box_office_app()
    notes = Notifications()
    async with app.run_test(size=(80, 24), message_hook=notes) as pilot:
        await started(pilot)
        await pilot.press("f8")
        await wait_for_text(pilot, "#now-heading", "행복 Cinema")
        await wait_for(pilot, lambda: app.lang == "ko")
        assert "한국어로 표시합니다" in notes.messages
        await pilot.press("f8")
        await wait_for(pilot, lambda: "Now in English" in notes.messages)


async def test_a_cancelled_booking_tells_its_story_by_step_names(box_office_app):
    app = box_office_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await started(pilot)
        show = (await app.office.showtimes(app.office.days()[1]))[-1]
        await open_show(pilot, show)
        await select_seats(pilot, 2)
        code = await pay_by_card(pilot)
        await app.office.wait_for_booking(code, ("COMPLETED",))

        await pilot.press("f3")
        await wait_for_screen(pilot, FindCancelScreen)
        await wait_for_focus(pilot, "#find-query")
        await pilot.press(*code, "enter")
        await wait_for_focus(pilot, "#found-booking")
        await pilot.press("x")
        await wait_for_text(pilot, "#confirm-question", code)
        await pilot.press("y")
        await wait_for_text(pilot, "#find-message", "Cancelled — refunded ₩")

        await wait_for_focus(pilot, "#found-booking")
        await pilot.press("t")
        await wait_for_screen(pilot, BookingDetailScreen)
        timeline = app.screen.query_one("#timeline")
        await wait_for(pilot, lambda: "BookingCancelled" in timeline.step_names())
        assert timeline.step_names() == [
            "SeatsHeld", "BookingRequested", "PaymentCaptured", "BookingPaid",
            "SeatsConfirmed", "BookingCompleted", "CancellationRequested",
            "PaymentRefunded", "SeatsReleased", "BookingCancelled",
        ]
