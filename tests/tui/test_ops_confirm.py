"""The Ops screen never stops selling on one key (issue #12, item 1).

Stop, crash and rolling restart ask first, with "No" as the answer a stray key gives;
the status line on every screen says which service an operator stopped and how to start
it again; the Ops cursor stays on its row after a lever, a refresh, and leaving Ops and
coming back. They run on FakeOffice (services that stop, start, crash and restart);
``test_ops.py`` pulls the same levers on the real services.
"""

from __future__ import annotations

import pytest
from rich.cells import cell_len
from textual.widgets import DataTable, Static

from cinema_tui.screens.confirm import ConfirmScreen
from cinema_tui.screens.now_showing import NowShowingScreen
from cinema_tui.screens.ops import OpsScreen
from tests.tui.conftest import Notifications, started, wait_for
from tests.tui.test_seat_select import open_map

HINT = "Reservation stopped by an operator — F5 Ops, g starts it"


def text(app, selector: str) -> str:
    return str(app.screen.query_one(selector).render())


def state(app, service: str) -> str:
    return str(app.screen.query_one("#ops-services", DataTable).get_cell(service, "state"))


async def open_ops(pilot) -> OpsScreen:
    app = await started(pilot)
    await pilot.press("f5")
    await wait_for(pilot, lambda: isinstance(app.screen, OpsScreen))
    await wait_for(pilot, lambda: all("running" in state(app, name) for name in
                                      ("reservation", "payment", "cinema", "information")))
    return app.screen  # type: ignore[return-value]


async def select_service(pilot, name: str) -> None:
    table = pilot.app.screen.query_one("#ops-services", DataTable)
    table.focus()
    steps = table.get_row_index(name) - table.cursor_row
    await pilot.press(*(["down"] * steps if steps > 0 else ["up"] * -steps))
    await wait_for(pilot, lambda: pilot.app.screen.selected_service() == name)


async def asked(pilot) -> ConfirmScreen:
    """Wait for the question, with "No" focused (what a stray Enter answers)."""
    app = pilot.app
    await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
    await wait_for(pilot, lambda: app.screen.focused is not None
                   and app.screen.focused.id == "confirm-no")
    return app.screen  # type: ignore[return-value]


async def health(app, service: str):
    return (await app.office.health())[service]


async def test_s_asks_before_stopping_reservation_and_no_keeps_it_running(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_ops(pilot)
        # Ops opens on Reservation, the service every sale needs: s alone stops nothing.
        assert app.screen.selected_service() == "reservation"
        for answer in ("n", "escape", "enter"):
            await pilot.press("s")
            await asked(pilot)
            question = text(app, "#confirm-question")
            assert "Stop Reservation?" in question
            assert "No seat can be held or sold until it is started again" in question
            assert "F5 Ops, then g" in question
            await pilot.press(answer)
            await wait_for(pilot, lambda: isinstance(app.screen, OpsScreen))
            await wait_for(pilot, lambda: "Nothing done: Reservation keeps running"
                           in text(app, "#ops-message"))
            assert (await health(app, "reservation")).state == "ready"
            assert "running" in state(app, "reservation")
            app.screen.query_one("#ops-message").update("")  # the next answer says it anew

        await pilot.press("s")
        await asked(pilot)
        await pilot.press("y")
        await wait_for(pilot, lambda: "stopped" in state(app, "reservation"))
        assert (await health(app, "reservation")).state == "stopped"
        assert "Reservation stopped" in text(app, "#ops-message")
        await wait_for(pilot, lambda: HINT in text(app, "#status-line"))
        await pilot.press("s")  # already stopped: nothing to lose, nothing asked
        await wait_for(pilot, lambda: "already stopped" in text(app, "#ops-message"))
        assert isinstance(app.screen, OpsScreen)


async def test_the_status_line_says_how_to_start_a_stopped_service_on_every_screen(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await started(pilot)
        line = lambda: text(app, "#status-line")
        await wait_for(pilot, lambda: "Reservation" in line())
        assert "F5" not in line()
        await app.office.stop_service("reservation")
        # 80 columns: the running services are summed up so that the hint fits
        await wait_for(pilot, lambda: HINT in line())
        assert "others running" in line() and "…" not in line()
        await pilot.resize_terminal(120, 40)  # room for every service by name
        await wait_for(pilot, lambda: "● Payment  ● Cinema  ● Information" in line())
        assert HINT in line()
        await app.office.stop_service("cinema")
        await wait_for(pilot, lambda: "Reservation, Cinema stopped by an operator — F5 Ops, "
                       "g starts each" in line())
        await pilot.press("f5")  # where it says: Ops, and g on the row starts it
        await wait_for(pilot, lambda: isinstance(app.screen, OpsScreen))
        await wait_for(pilot, lambda: "stopped" in state(app, "reservation"))
        for name in ("reservation", "cinema"):
            await select_service(pilot, name)
            await pilot.press("g")  # starting loses nothing: never asked
            await wait_for(pilot, lambda name=name: "running" in state(app, name))
        assert not isinstance(app.screen, ConfirmScreen)
        await wait_for(pilot, lambda: "stopped" not in line() and "F5" not in line())


async def test_the_status_line_in_korean(make_app):
    app = make_app(language="ko")
    async with app.run_test(size=(80, 24)) as pilot:
        await started(pilot)
        await app.office.stop_service("cinema")
        line = lambda: text(app, "#status-line")
        await wait_for(pilot, lambda: "영화관: 운영자가 중지함 — F5 운영에서 g로 시작" in line())
        assert "…" not in line()


@pytest.mark.parametrize(
    ("key", "service", "said"),
    [
        ("k", "payment", "Crash Payment on purpose?"),
        ("R", "information", "Restart Information (rolling)?"),
    ],
)
async def test_crash_and_rolling_restart_ask_first(make_app, key, service, said):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_ops(pilot)
        await select_service(pilot, service)
        await pilot.press(key)
        await asked(pilot)
        assert said in text(app, "#confirm-question")
        await pilot.press("enter")  # the default: No
        await wait_for(pilot, lambda: "Nothing done" in text(app, "#ops-message"))
        assert (await health(app, service)).restarts == 0
        await pilot.press(key)
        await asked(pilot)
        await pilot.press("y")
        await wait_for(pilot, lambda: isinstance(app.screen, OpsScreen))
        restarts = app.screen.query_one("#ops-services", DataTable)
        await wait_for(pilot, lambda: str(restarts.get_cell(service, "restarts")) == "1")
        assert (await health(app, service)).restarts == 1
        assert app.screen.selected_service() == service  # the cursor stayed on its row


async def test_the_cursor_stays_on_its_row_after_a_lever_and_refreshes(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        ops = await open_ops(pilot)
        await select_service(pilot, "cinema")
        await pilot.press("s")
        await asked(pilot)
        await pilot.press("y")
        await wait_for(pilot, lambda: "stopped" in state(app, "cinema"))
        await pilot.press("g")
        await wait_for(pilot, lambda: "Cinema started" in text(app, "#ops-message"))
        await wait_for(pilot, lambda: "running" in state(app, "cinema"))  # refreshed since
        assert ops.selected_service() == "cinema"
        assert ops.query_one("#ops-services", DataTable).cursor_row == 2


async def test_the_cursor_stays_on_its_row_after_leaving_ops_and_coming_back(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        ops = await open_ops(pilot)
        await select_service(pilot, "cinema")
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, NowShowingScreen))
        await pilot.press("f5")  # a new Ops screen, on the row the operator left
        await wait_for(pilot, lambda: isinstance(app.screen, OpsScreen) and app.screen is not ops)
        await wait_for(pilot, lambda: "running" in state(app, "cinema"))
        assert app.screen.selected_service() == "cinema"
        await select_service(pilot, "information")
        await pilot.press("f4")  # by another screen this time
        await wait_for(pilot, lambda: type(app.screen).__name__ == "HistoryScreen")
        await pilot.press("f5")
        await wait_for(pilot, lambda: isinstance(app.screen, OpsScreen))
        await wait_for(pilot, lambda: "running" in state(app, "information"))
        assert app.screen.selected_service() == "information"


async def test_a_second_app_opens_ops_on_its_own_cursor(make_app):
    """The cursor is remembered per app: an SSH server runs one app per clerk."""
    first, second = make_app(), make_app()
    async with first.run_test(size=(80, 24)) as pilot:
        await open_ops(pilot)
        await select_service(pilot, "information")
    async with second.run_test(size=(80, 24)) as pilot:
        await open_ops(pilot)
        assert second.screen.selected_service() == "reservation"


async def test_korean_ops_columns_say_waiting_and_undelivered_not_post(make_app):
    app = make_app(language="ko")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_ops_ko(pilot)
        table = app.screen.query_one("#ops-services", DataTable)
        headers = [str(c.label) for c in table.columns.values()]
        assert "우편" not in headers
        assert {"대기", "미배달"} <= set(headers)
        pending = table.columns[next(k for k in table.columns if k.value == "pending")]
        assert cell_len("미배달") <= pending.width  # not cut in the header
        await pilot.press("s")
        await asked(pilot)
        assert "예약 서비스를 중지할까요?" in text(app, "#confirm-question")
        assert "예 (Y)" in str(app.screen.query_one("#confirm-yes").render())
        await pilot.press("n")
        await wait_for(pilot, lambda: "아무것도 하지 않았습니다" in text(app, "#ops-message"))


async def open_ops_ko(pilot) -> None:
    app = await started(pilot)
    await pilot.press("f5")
    await wait_for(pilot, lambda: isinstance(app.screen, OpsScreen))
    await wait_for(pilot, lambda: "정상" in state(app, "reservation"))


async def test_a_sale_refused_by_a_stopped_service_says_how_to_start_it(make_app):
    """Not "try again in a moment": a stopped service never comes back by itself."""
    notes = Notifications()
    app = make_app()
    async with app.run_test(size=(80, 24), message_hook=notes) as pilot:
        await started(pilot)
        await open_map(pilot)
        await app.office.stop_service("reservation")
        await pilot.press("2")  # the two best seats: reservation must hold them
        def said() -> str:
            return str(notes) + "".join(str(w.render()) for w in app.screen.query(Static))

        await wait_for(pilot, lambda: "was stopped by an operator" in said())
        assert "F5, then g" in said() and "try again in a moment" not in said()


@pytest.mark.real_backend  # the real supervisor's restart, between its attempts
async def test_a_service_stopped_between_restart_attempts_is_not_called_an_operators_stop(
    make_app,
):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await started(pilot)
        actor = app.office.runtime.services["cinema"]
        await actor.stop()  # what a failed restart attempt leaves: stopped, not on purpose
        health = (await app.office.health())["cinema"]
        assert health.state == "stopped" and not health.stopped_by_operator
        await wait_for(pilot, lambda: "○ Cinema" in text(app, "#status-line"))
        assert "stopped by an operator" not in text(app, "#status-line")
        await app.office.stop_service("information")
        assert (await app.office.health())["information"].stopped_by_operator
        await wait_for(pilot, lambda: "Information stopped by an operator" in
                       text(app, "#status-line"))
        assert "Cinema" not in text(app, "#status-line").split("—")[0]
