"""The Ops screen (F5): services, breaker, pool, dead letters and the fault keys.

Every test runs the real backend; the keys act on it and the screen must show what the
backend says, in words, while the faults happen.
"""

from __future__ import annotations

import pytest
from textual.widgets import DataTable, Sparkline

from backend import Cash
from cinema_tui.screens.confirm import ConfirmScreen
from cinema_tui.screens.ops import OpsScreen
from cinema_tui.screens.ops_levers import next_failure_rate
from cinema_tui.screens.ops_panels import resample
from tests.conftest import tomorrow_show
from tests.tui.conftest import started, wait_for

#: The fault keys act on the real services: this screen is tested on the real backend.
pytestmark = pytest.mark.real_backend


def text(app, selector: str) -> str:
    return str(app.screen.query_one(selector).render())


def row(app, key: str, selector: str = "#ops-services") -> str:
    """One table row's cells, joined by ' | '."""
    table = app.screen.query_one(selector, DataTable)
    if key not in table.rows:
        return ""
    return " | ".join(str(cell) for cell in table.get_row(key))


def table_text(app, selector: str) -> str:
    table = app.screen.query_one(selector, DataTable)
    return "\n".join(
        " | ".join(str(c) for c in table.get_row_at(i)) for i in range(table.row_count)
    )


async def open_ops(pilot) -> OpsScreen:
    app = await started(pilot)
    await pilot.press("f5")
    await wait_for(pilot, lambda: isinstance(app.screen, OpsScreen))
    await wait_for(pilot, lambda: "running" in row(app, "cinema"))
    return app.screen  # type: ignore[return-value]


async def pull(pilot, key: str) -> None:
    """Press a lever that asks first, and answer yes to its question."""
    await pilot.press(key)
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, ConfirmScreen))
    await pilot.press("y")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, OpsScreen))


async def select_service(pilot, name: str) -> None:
    table = pilot.app.screen.query_one("#ops-services", DataTable)
    table.focus()
    await pilot.press(*["down"] * (table.get_row_index(name) - table.cursor_row))
    await pilot.pause()
    assert pilot.app.screen.selected_service() == name


async def test_f5_opens_ops_and_escape_goes_back(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_ops(pilot)
        assert "Operations" in text(app, "#ops-heading")
        for name in ("reservation", "payment", "cinema", "information"):
            assert "running" in row(app, name)
        assert "closed" in text(app, "#ops-breaker")
        assert "Pool 1 (1–10)" in text(app, "#ops-pool")
        await wait_for(pilot, lambda: len(screen.query_one("#ops-pool-chart", Sparkline).data
                                          or []) == 60)
        assert "No dead letters" in text(app, "#ops-dead-title")
        commands = [(c.title, c.help) for c in app.get_system_commands(app.screen)]
        assert ("Ops: services, breaker, faults", "F5 · Everywhere") in commands
        await pilot.press("f1")  # help lists the Ops keys
        await wait_for(pilot, lambda: type(app.screen).__name__ == "HelpScreen")
        help_table = app.screen.query_one("#help-keys", DataTable)
        rows, place = set(), ""
        for i in range(help_table.row_count):  # (key, action) rows under a place's heading
            key, action = (str(c) for c in help_table.get_row_at(i))
            if action:
                rows.add((key, action, place))
            else:
                place = key
        assert ("F5", "Ops: services, breaker, faults", "Everywhere") in rows
        assert {("s", "Stop", "Ops"), ("R", "Restart", "Ops"), ("r", "Retry", "Ops")} <= rows
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, OpsScreen))
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, OpsScreen))


async def test_leaving_the_screen_does_not_cancel_an_action(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_ops(pilot)
        await select_service(pilot, "cinema")
        await pull(pilot, "s")
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, OpsScreen))
        await wait_for(pilot, lambda: not app.office.runtime.cinema.ready)
        await app.workers.wait_for_complete([w for w in app.workers if w.group == "ops-action"])
        assert (await app.office.health())["cinema"].state == "stopped"
        await pilot.press("f5")  # back again: it shows what happened
        await wait_for(pilot, lambda: isinstance(app.screen, OpsScreen))
        await wait_for(pilot, lambda: "stopped" in row(app, "cinema"))


async def test_stop_and_start_the_cinema_with_keys(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_ops(pilot)
        await select_service(pilot, "cinema")
        await pull(pilot, "s")
        await wait_for(pilot, lambda: "stopped" in row(app, "cinema"))
        assert "Cinema stopped" in text(app, "#ops-message")
        assert (await app.office.health())["cinema"].state == "stopped"
        assert "running" in row(app, "reservation")  # only the chosen one
        await pilot.press("s")  # again: nothing to lose, so not asked; said, nothing breaks
        await wait_for(pilot, lambda: "already stopped" in text(app, "#ops-message"))
        assert isinstance(app.screen, OpsScreen)
        await pilot.press("g")
        await wait_for(pilot, lambda: "running" in row(app, "cinema"))
        assert "Cinema started" in text(app, "#ops-message")
        health = (await app.office.health())["cinema"]
        assert health.state == "ready" and health.ready


async def test_latency_and_failure_rate_keys_turn_the_simulator(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_ops(pilot)
        knobs = app.office.payment_simulator  # the knobs now, through the API
        assert knobs().latency_ms == 0
        await pilot.press("plus", "plus", "plus")
        await wait_for(pilot, lambda: knobs().latency_ms == 300)
        await wait_for(pilot, lambda: "payment latency 300 ms" in text(app, "#ops-message"))
        await wait_for(pilot, lambda: "300 ms" in text(app, "#ops-knobs"))
        await pilot.press("minus")
        await wait_for(pilot, lambda: knobs().latency_ms == 200)
        await pilot.press("minus", "minus", "minus")  # never below 0
        await wait_for(pilot, lambda: "payment latency 0 ms" in text(app, "#ops-message"))
        assert knobs().latency_ms == 0
        for rate in (0.1, 0.5, 0.0):  # f cycles 0 → 10% → 50% → 0
            await pilot.press("f")
            await wait_for(pilot, lambda rate=rate: knobs().failure_rate == rate)
            pct = f"{round(rate * 100)}%"
            message = f"payment failure rate {pct}"
            await wait_for(pilot, lambda m=message: m in text(app, "#ops-message"))
            await wait_for(pilot, lambda p=pct: f"failures {p}" in text(app, "#ops-knobs"))


async def test_crash_key_crashes_payment_and_the_supervisor_restarts_it(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_ops(pilot)
        await select_service(pilot, "payment")
        await pull(pilot, "k")
        await wait_for(pilot, lambda: "crashed on purpose" in text(app, "#ops-message"))
        restarts = lambda: str(app.screen.query_one("#ops-services", DataTable)
                               .get_cell("payment", "restarts"))
        await wait_for(pilot, lambda: restarts() == "1" and "running" in row(app, "payment"))
        assert "crashed on purpo…" in row(app, "payment")  # its last error, cut short
        await pilot.press("enter")  # the whole of it
        await wait_for(pilot, lambda: "Payment last error: crashed on purpose by an operator"
                       in text(app, "#ops-message"))
        health = (await app.office.health())["payment"]
        assert health.restarts == 1 and health.ready


async def test_rolling_restart_key(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_ops(pilot)
        await select_service(pilot, "information")
        old = app.office.runtime.information
        await pull(pilot, "R")
        await wait_for(pilot, lambda: "Information restarted (rolling)"
                       in text(app, "#ops-message"), timeout=20)
        assert app.office.runtime.information is not old
        await wait_for(pilot, lambda: "running" in row(app, "information"))


async def test_open_breaker_shows_and_b_resets_it(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_ops(pilot)
        b = app.office.runtime.reservation.breaker
        for _ in range(b.config.minimum_calls):
            b.acquire()
            b.record(0.01, failed=True)
        state_line = lambda: text(app, "#ops-breaker").splitlines()[1]
        await wait_for(pilot, lambda: "open" in state_line())
        breaker = text(app, "#ops-breaker")
        assert "fail 100%" in breaker and "calls 10" in breaker and "next trial in" in breaker
        assert "closed→open" in breaker
        await pilot.press("b")
        await wait_for(pilot, lambda: "closed" in state_line())
        assert app.office.breaker().state.value == "closed"
        assert "breaker reset" in text(app, "#ops-message")


async def test_dead_letter_shows_and_r_retries_it(make_app, monkeypatch: pytest.MonkeyPatch):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_ops(pilot)
        office = app.office
        cinema = office.runtime.cinema

        def broken(tx, env):
            raise ValueError("cinema cannot read this message")

        monkeypatch.setattr(cinema, "on_BookingPaid", broken)
        show = await tomorrow_show(office)
        hold = await office.hold(show.id, ["A2"])
        booking = await office.book(hold.id, tickets={"adult": 1}, payment=Cash(20000))
        for _ in range(200):
            if (await office.dead_letters())["cinema"]:
                break
            await pilot.pause(0.05)
        assert [d.type for d in (await office.dead_letters())["cinema"]] == ["BookingPaid"]
        await wait_for(pilot, lambda: "BookingPaid" in table_text(app, "#ops-dead-letters"))
        letters = table_text(app, "#ops-dead-letters")
        assert "Cinema" in letters and "ValueError: cinema" in letters
        assert "Dead letters: 1" in text(app, "#ops-dead-title")

        monkeypatch.undo()  # the cause is fixed
        await pilot.press("r")
        await wait_for(pilot, lambda: "BookingPaid retried" in text(app, "#ops-message"))
        assert await office.wait_for_booking(booking.code, ("COMPLETED",), timeout=10)
        assert (await office.dead_letters())["cinema"] == []
        await wait_for(pilot, lambda: "No dead letters" in text(app, "#ops-dead-title"))


async def test_ops_in_korean_and_switching_language(make_app):
    app = make_app(language="ko")
    async with app.run_test(size=(80, 24)) as pilot:
        app_ = await started(pilot)
        await pilot.press("f5")
        await wait_for(pilot, lambda: isinstance(app_.screen, OpsScreen))
        await wait_for(pilot, lambda: "정상" in row(app, "cinema"))
        assert "운영" in text(app, "#ops-heading")
        assert "영화관" in row(app, "cinema")
        await select_service(pilot, "cinema")
        await pull(pilot, "s")
        await wait_for(pilot, lambda: "중지됨" in row(app, "cinema"))
        assert "영화관 중지됨" in text(app, "#ops-message")
        await pilot.press("f8")
        await wait_for(pilot, lambda: "Operations" in text(app, "#ops-heading"))
        await wait_for(pilot, lambda: "stopped" in row(app, "cinema"))
        assert "Cinema stopped" in text(app, "#ops-message")  # the answer follows too
        assert app.screen.selected_service() == "cinema"  # the cursor stays
        await pilot.press("g")
        await wait_for(pilot, lambda: "running" in row(app, "cinema"))


async def test_ops_keeps_working_while_the_backend_fails(make_app, monkeypatch):
    """A failing gateway call becomes text on the screen, never a crash."""
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_ops(pilot)

        async def broken_health():
            raise RuntimeError("health exploded")

        monkeypatch.setattr(app.office, "health", broken_health)
        await wait_for(pilot, lambda: "health exploded" in text(app, "#ops-services-title"))
        monkeypatch.undo()
        await wait_for(pilot, lambda: "exploded" not in text(app, "#ops-services-title"))
        assert isinstance(app.screen, OpsScreen)


def test_failure_rate_cycle_and_pool_resampling():
    assert [next_failure_rate(r) for r in (0.0, 0.1, 0.5, 0.3, 1.0)] == [0.1, 0.5, 0.0, 0.5, 0.0]
    history = ((100.0, 1), (130.0, 3), (150.0, 2))
    chart = resample(history, now=159.0, samples=60, step=1.0)
    assert len(chart) == 60
    assert chart[0] == 1 and chart[30] == 3 and chart[-1] == 2  # t=100, 130, 159
    assert resample((), now=5.0) == []


async def test_f5_opens_ops_from_history(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await started(pilot)
        await pilot.press("f4")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "HistoryScreen")
        await pilot.press("f5")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "OpsScreen")
