"""Quitting never abandons a sale by accident, and a demo never passes for the real thing.

Ctrl+C does not quit (a shell reflex); Ctrl+Q asks first when a screen would lose work
(it says so with ``unsaved_work()``); ``--demo`` marks every heading DEMO; a data
directory the box office cannot open ends with a failure status.
"""

from __future__ import annotations

import shutil

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Static

from backend.catalog import default_catalog_dir
from backend.testing import FakeOffice
from cinema_tui.app import create_app
from cinema_tui.screens.confirm import ConfirmScreen
from cinema_tui.screens.loading import StartupFailedScreen
from tests.tui.conftest import Notifications, started, wait_for


class HoldingScreen(Screen[None]):
    """A screen with work at stake, as the checkout is with seats held."""

    def compose(self) -> ComposeResult:
        yield Static("selling")

    def unsaved_work(self) -> str:
        return "Seats A1, A2 are given back."


async def test_ctrl_c_never_quits_and_says_which_key_does(make_app):
    notes = Notifications()
    app = make_app()
    async with app.run_test(size=(80, 24), message_hook=notes) as pilot:
        await started(pilot)
        await pilot.press("ctrl+c")
        await pilot.pause()
        assert app.is_running and app.return_code is None
        assert "Ctrl+Q" in str(notes)


async def test_ctrl_q_with_nothing_at_stake_quits_at_once(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await started(pilot)
        await pilot.press("ctrl+q")
        await pilot.pause()
    assert app.return_code == 0


async def test_ctrl_q_with_a_hold_asks_first_naming_what_is_lost(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await started(pilot)
        await app.push_screen(HoldingScreen())
        await pilot.press("ctrl+q")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        question = str(app.screen.query_one("#confirm-question", Static).render())
        assert "Quit the box office?" in question and "A1, A2" in question
        # No is the default: Enter, n and Escape all keep the sale
        for key in ("enter", "n", "escape"):
            await pilot.press(key)
            await wait_for(pilot, lambda: isinstance(app.screen, HoldingScreen))
            assert app.return_code is None
            await pilot.press("ctrl+q")
            await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        # a second Ctrl+Q while asked does not quit behind the question
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen) and app.return_code is None
        await pilot.press("y")
        await pilot.pause()
    assert app.return_code == 0


async def test_a_demo_says_demo_on_every_heading(tmp_path, clock):
    from backend.api import Settings

    settings = Settings(data_dir=tmp_path / "demo", language="en")
    notes = Notifications()
    app = create_app(settings, clock=clock, office=FakeOffice(settings, clock=clock), demo=True)
    async with app.run_test(size=(80, 24), message_hook=notes) as pilot:
        await started(pilot)
        heading = str(app.screen.query_one("#now-heading", Static).render())
        assert "DEMO" in heading
        assert "deleted when you quit" in str(notes)
        await pilot.press("f8")
        await wait_for(pilot, lambda: "데모" in str(
            app.screen.query_one("#now-heading", Static).render()))


async def test_the_real_box_office_has_no_demo_mark(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await started(pilot)
        heading = str(app.screen.query_one("#now-heading", Static).render())
        assert "DEMO" not in heading


async def test_unreadable_cinema_files_end_with_a_failure_status(make_app, tmp_path):
    catalog = tmp_path / "catalog"
    shutil.copytree(default_catalog_dir(), catalog)
    (catalog / "films.toml").write_text("this is [not toml")
    app = make_app(catalog_dir=catalog)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, StartupFailedScreen))
        assert app.startup_error
        await pilot.press("q")
        await pilot.pause()
    assert app.return_code == 1
