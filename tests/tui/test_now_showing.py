"""The first screen: the programme, the day strip, the status line, language, size."""

from __future__ import annotations

import asyncio

import pytest
from textual.widgets import DataTable, Tabs

from backend import Settings
from backend.testing import FakeOffice
from cinema_tui.app import create_app
from cinema_tui.screens.history import HistoryScreen
from cinema_tui.screens.now_showing import NowShowingScreen
from cinema_tui.testing import Notifications
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
        heading = lambda: str(app.screen.query_one("#now-heading").render())
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
        line = lambda: str(app.screen.query_one("#status-line").render())
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
        assert {"F1", "F2", "F3", "F4", "F8", "^q", "[", "]"} <= keys  # as the footer shows them
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, NowShowingScreen))


async def test_footer_and_palette_follow_the_language(make_app):
    app = make_app(language="ko")
    async with app.run_test(size=(100, 30)) as pilot:
        await started(pilot)
        labels = lambda: {k.description for k in app.screen.query("FooterKey")}
        await wait_for(pilot, lambda: "도움말" in labels())
        await pilot.press("f8")
        await wait_for(pilot, lambda: "Help" in labels())
        commands = {c.title: c.help for c in app.get_system_commands(app.screen)}
        assert commands["Find or cancel a booking"] == "F3 · Everywhere"
        assert commands["Next day"] == "] · Now showing"


async def test_backend_errors_are_told_in_the_clerks_language():
    from datetime import date

    from backend import Card, InvalidInput, NotFound
    from backend.runtime.actor import Actor
    from cinema_tui.errors import human_message

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
        line = lambda: str(app.screen.query_one("#status-line").render())
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
        line = lambda: str(app.screen.query_one("#status-line").render())
        await wait_for(pilot, lambda: "Cinema failed" in line())
        toasts = lambda: " ".join(str(t.render()) for t in app.screen.query("Toast"))
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


class SlowToOpen(FakeOffice):
    """A backend whose services start only when the test says so."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.may_open = asyncio.Event()

    async def start(self) -> None:
        await self.may_open.wait()
        await super().start()


async def test_a_key_pressed_while_the_box_office_opens_is_answered_not_dropped(
        tmp_path, clock):
    settings = Settings(data_dir=tmp_path / "data", language="en")
    office = SlowToOpen(settings, clock=clock)
    app = create_app(settings, clock=clock, office=office)
    notes = Notifications()
    async with app.run_test(size=(80, 24), message_hook=notes) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, NowShowingScreen))
        for key in ("f3", "f4", "f5"):
            await pilot.press(key)
            assert isinstance(app.screen, NowShowingScreen)
        await wait_for(pilot, lambda: len(notes.messages) == 3)
        assert set(notes.messages) == {"The box office is opening; one moment."}
        office.may_open.set()
        await started(pilot)
        await pilot.press("f4")
        await wait_for(pilot, lambda: isinstance(app.screen, HistoryScreen))
        assert len(notes.messages) == 3


# --- the cursor, the columns and the language switch (#12 items 6, 7, 9) -------------------


def cursor_show(app) -> str:
    table = app.screen.query_one("#showtimes", DataTable)
    return table.coordinate_to_cell_key((table.cursor_row, 0)).row_key.value


def screen_lines(app) -> list[str]:
    """The composed screen, line by line, as a person sees it."""
    return [strip.text for strip in app.screen._compositor.render_strips()]


async def test_programme_opens_on_the_next_show_to_start(make_app, clock):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await started(pilot)
        screen = app.screen
        now = clock.now()
        upcoming = [s for s in screen.shows if s.starts_at > now]
        assert upcoming and any(s.starts_at <= now for s in screen.shows)  # some have started
        first = min(upcoming, key=lambda s: s.starts_at)
        await wait_for(pilot, lambda: cursor_show(app) == first.id)
        # Enter sells it, rather than warning that the show has started.
        await pilot.press("enter")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "SeatSelectScreen")


async def test_another_day_opens_on_its_first_show(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await started(pilot)
        screen = app.screen
        tomorrow = app.office.days()[1].strftime("%Y%m%d")
        await pilot.press("right_square_bracket")
        await wait_for(pilot, lambda: screen.shows and screen.shows[0].id.startswith(tomorrow))
        first = min(screen.shows, key=lambda s: s.starts_at)
        await wait_for(pilot, lambda: cursor_show(app) == first.id)


async def test_language_switch_keeps_the_cursor_on_its_show(make_app):
    app = make_app(language="ko")
    async with app.run_test(size=(80, 24)) as pilot:
        await started(pilot)
        table = app.screen.query_one("#showtimes", DataTable)
        await pilot.press("down", "down", "down")
        chosen = cursor_show(app)
        await pilot.press("f8")
        await wait_for(pilot, lambda: app.lang == "en")
        await wait_for(pilot, lambda: "min" in str(table.get_row_at(0)[3]))
        assert app.screen.query_one("#showtimes", DataTable) is table  # relabelled in place
        assert table.row_count == len(app.screen.shows)
        assert cursor_show(app) == chosen
        assert str(app.screen.query_one("#date-strip #day-0").render()).startswith(
            app.office.days()[0].strftime("%m/%d")
        )
        assert "Today" in str(app.screen.query_one("#date-strip #day-0").render())
        await pilot.press("f8")
        await wait_for(pilot, lambda: "분" in str(table.get_row_at(0)[3]))
        assert cursor_show(app) == chosen


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_programme_columns_fit_their_text(make_app, lang, size):
    """Run times are never cut, titles that do not fit end in "…", and a wider terminal
    gives the film column the room (whole titles at 120 columns)."""
    from rich.cells import cell_len

    app = make_app(language=lang)
    async with app.run_test(size=size) as pilot:
        await started(pilot)
        screen = app.screen
        await pilot.press("right_square_bracket")  # tomorrow: every show has a seat count
        tomorrow = app.office.days()[1].strftime("%Y%m%d")
        await wait_for(pilot, lambda: screen.shows and screen.shows[0].id.startswith(tomorrow))
        await pilot.pause(0.1)
        shown = "\n".join(screen_lines(app))
        for show in screen.shows:
            assert app.t("minutes", n=show.runtime_min) in shown  # "113 min" / "113분" whole
        titles = {(s.title if lang == "ko" else s.title_en) for s in screen.shows}
        table = screen.query_one("#showtimes", DataTable)
        film_width = table.columns[next(k for k in table.columns if k.value == "film")].width
        longest = max(titles, key=cell_len)
        for title in titles:
            if title in shown:
                continue
            # cut: its start is there, ending in an ellipsis
            start = title[:6]
            line = next(line for line in shown.splitlines() if start in line)
            assert "…" in line.split(start, 1)[1], line
        assert "…" in shown or all(t in shown for t in titles)
        if size == (120, 40):
            assert film_width >= 40
            assert all(t in shown for t in titles), longest
        else:
            assert cell_len(table.get_row_at(0)[0].plain) <= film_width
        # the table fills the width: the last column ends near the right edge
        assert sum(c.width + 2 for c in table.columns.values()) >= size[0] - 2


def test_column_widths_give_the_rest_to_the_film():
    from cinema_tui.screens.now_showing import column_widths

    texts = {"hall": ["Hall", "Hall 2"], "runtime": ["Runs", "113 min", "68 min"],
             "free": ["Free", "started", "sold out", "334"]}
    fixed = {"time": 5, "occupancy": 15}
    narrow = column_widths(80, texts, fixed)
    assert (narrow["hall"], narrow["runtime"], narrow["free"]) == (6, 7, 8)
    assert sum(narrow.values()) + 2 * 6 + 1 == 80
    wide = column_widths(120, texts, fixed)
    assert wide["film"] == narrow["film"] + 40
    korean = column_widths(80, {"hall": ["관", "2관"], "runtime": ["상영", "113분"],
                                "free": ["잔여", "시작됨", "매진"]}, fixed)
    assert korean["runtime"] == 5 and korean["free"] == 6


async def test_programme_widens_when_the_terminal_does(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await started(pilot)
        table = app.screen.query_one("#showtimes", DataTable)
        film = lambda: next(c.width for k, c in table.columns.items() if k.value == "film")
        await pilot.press("down", "down")
        chosen = cursor_show(app)
        narrow = film()
        await pilot.resize_terminal(120, 40)
        await wait_for(pilot, lambda: film() == narrow + 40)
        assert cursor_show(app) == chosen and table.row_count == len(app.screen.shows)
