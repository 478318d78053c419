"""The first screen: the programme, the day strip, the status line, language, size."""

from __future__ import annotations

import pytest
from textual.widgets import DataTable, Tabs

from cinema_tui.screens.now_showing import NowShowingScreen
from tests.tui.conftest import started, wait_for


async def test_programme_lists_showtimes_of_the_chosen_day(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await started(pilot)
        screen = app.screen
        assert isinstance(screen, NowShowingScreen)
        table = screen.query_one("#showtimes", DataTable)
        first_day = {s.id for s in screen.shows}
        assert table.row_count == len(screen.shows) > 0
        await pilot.press("right_square_bracket")
        await wait_for(pilot, lambda: screen.shows and {s.id for s in screen.shows} != first_day)
        assert screen.query_one("#date-strip", Tabs).active == "day-1"
        assert all(s.id.startswith(app.office.days()[1].strftime("%Y%m%d")) for s in screen.shows)


async def test_language_switch_relabels_everything(make_app):
    app = make_app(language="ko")
    async with app.run_test(size=(80, 24)) as pilot:
        await started(pilot)
        heading = lambda: str(app.screen.query_one("#now-heading").render())  # noqa: E731
        assert "상영 시간표" in heading()
        await pilot.press("f8")
        await wait_for(pilot, lambda: "Now showing" in heading())
        assert app.lang == "en"
        await pilot.press("f8")
        await wait_for(pilot, lambda: "상영 시간표" in heading())


async def test_stopped_service_shows_in_the_status_line(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await started(pilot)
        line = lambda: str(app.screen.query_one("#status-line").render())  # noqa: E731
        await wait_for(pilot, lambda: "Cinema" in line())
        assert "stopped" not in line()
        await app.office.stop_service("cinema")
        await wait_for(pilot, lambda: "Cinema stopped" in line())
        await app.office.start_service("cinema")
        await wait_for(pilot, lambda: "stopped" not in line())


async def test_small_terminal_asks_to_enlarge(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await started(pilot)
        await pilot.resize_terminal(60, 20)
        await wait_for(pilot, lambda: type(app.screen).__name__ == "TooSmallScreen")
        assert "enlarge" in str(app.screen.query_one("#too-small-message").render())
        await pilot.resize_terminal(100, 30)
        await wait_for(pilot, lambda: isinstance(app.screen, NowShowingScreen))


async def test_help_lists_keys(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await started(pilot)
        await pilot.press("f1")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "HelpScreen")
        table = app.screen.query_one("#help-keys", DataTable)
        keys = {str(table.get_row_at(i)[0]) for i in range(table.row_count)}
        assert {"f1", "f2", "f3", "f4", "f8", "ctrl+q"} <= keys
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, NowShowingScreen))


async def test_footer_and_palette_follow_the_language(make_app):
    app = make_app(language="ko")
    async with app.run_test(size=(100, 30)) as pilot:
        await started(pilot)
        labels = lambda: {k.description for k in app.screen.query("FooterKey")}  # noqa: E731
        await wait_for(pilot, lambda: "도움말" in labels())
        await pilot.press("f8")
        await wait_for(pilot, lambda: "Help" in labels())
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert "Find or cancel a booking (F3)" in titles
        assert any(t.startswith("Next day") for t in titles)


async def test_backend_errors_are_told_in_the_clerks_language():
    from backend import Card, InvalidInput, NotFound
    from backend.runtime.actor import Actor
    from cinema_tui.errors import human_message
    from datetime import date

    try:
        Card("4242424242424241", "12/30", "123").check(date(2026, 11, 24))
    except InvalidInput as exc:
        assert human_message(exc, "ko") == "유효하지 않은 카드 번호입니다. 오타가 없는지 확인하세요."
        assert "typo" in human_message(exc, "en")
    down = Actor("cinema").unavailable()
    assert human_message(down, "ko") == "영화관 서비스가 지금 중지됨 상태입니다. 잠시 후 다시 시도하세요."
    assert "Cinema service is stopped" in human_message(down, "en")
    unkeyed = NotFound("Nothing here.")
    assert human_message(unkeyed, "ko") == "Nothing here."
    assert "RuntimeError" in human_message(RuntimeError("boom"), "en")


@pytest.mark.real_backend  # opens the real services' breaker by hand
async def test_open_breaker_shows_in_the_status_line(make_app):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await started(pilot)
        breaker = app.office.runtime.reservation.breaker
        for _ in range(breaker.config.minimum_calls):
            breaker.acquire()
            breaker.record(0.01, failed=True)
        line = lambda: str(app.screen.query_one("#status-line").render())  # noqa: E731
        await wait_for(pilot, lambda: "payment paused" in line())
        app.office.reset_breaker()
        await wait_for(pilot, lambda: "payment paused" not in line())


@pytest.mark.real_backend  # the real supervisor gives up
async def test_a_service_given_up_on_is_said_plainly(make_app):
    app = make_app()
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await started(pilot)
        app.office.runtime.supervisor.max_restarts = 0  # the next crash is one too many
        app.office.crash_service("cinema")
        line = lambda: str(app.screen.query_one("#status-line").render())  # noqa: E731
        await wait_for(pilot, lambda: "Cinema failed" in line())
        toasts = lambda: " ".join(str(t.render()) for t in app.screen.query("Toast"))  # noqa: E731
        await wait_for(pilot, lambda: "no longer restarted automatically" in toasts())


async def test_light_and_dark_themes(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await started(pilot)
        assert app.theme == "textual-dark"
        await pilot.press("ctrl+t")
        assert app.theme == "textual-light"
        await pilot.press("ctrl+t")
        assert app.theme == "textual-dark"


@pytest.mark.real_backend  # the real services start in a worker
async def test_programme_shows_before_the_services_are_up(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, NowShowingScreen)  # drawn from the catalog at once
        await started(pilot)
        assert all(s.counts_known for s in screen.shows)
