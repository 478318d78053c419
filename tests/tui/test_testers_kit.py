"""The testers' kit (``cinema_tui.testing``) and the page it is documented on.

docs/testing.md is a contract: every widget id it names is checked against the running
app (a tour of every screen a clerk reaches) or, for screens a healthy app never shows,
the source's widget ids; its complete example is the very file the suite runs; and it
imports nothing from the repository's ``tests/``. The journeys are tried in both
languages and on the real backend.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from textual.widgets import Static

from cinema_tui.screens.booking_detail import BookingDetailScreen
from cinema_tui.screens.checkout import CheckoutScreen
from cinema_tui.screens.find_cancel import FindCancelScreen
from cinema_tui.screens.help import HelpScreen
from cinema_tui.screens.history import HistoryScreen
from cinema_tui.screens.ops import OpsScreen
from cinema_tui.screens.ticket import TicketScreen
from cinema_tui.testing import (
    Notifications,
    open_show,
    pay_by_card,
    pay_cash,
    select_seats,
    started,
    text,
    wait_for,
    wait_for_focus,
    wait_for_screen,
    wait_for_text,
)

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "testing.md"
EXAMPLE = ROOT / "tests" / "tui" / "test_example_from_docs.py"
#: An id as the page names it: the whole of a code span, e.g. `#seat-cursor`.
DOCUMENTED_ID = re.compile(r"`#([A-Za-z][\w-]*)`")
SOURCE_ID = re.compile(r"""\bid=["']([\w-]+)["']""")


def python_blocks(markdown: str) -> list[str]:
    return re.findall(r"```python\n(.*?)```", markdown, flags=re.DOTALL)


def documented_ids() -> set[str]:
    return set(DOCUMENTED_ID.findall(DOC.read_text(encoding="utf-8")))


def source_ids() -> set[str]:
    found: set[str] = set()
    for path in (ROOT / "cinema_tui").rglob("*.py"):
        if "testing" not in path.relative_to(ROOT / "cinema_tui").parts:
            found |= set(SOURCE_ID.findall(path.read_text(encoding="utf-8")))
    return found


# --- the page ------------------------------------------------------------------------------


def test_the_complete_example_is_the_file_the_suite_runs():
    doc = DOC.read_text(encoding="utf-8")
    section = doc.split("## A complete example", 1)[1].split("\n## ", 1)[0]
    blocks = python_blocks(section)
    assert blocks, "docs/testing.md has no complete example"
    assert max(blocks, key=len) == EXAMPLE.read_text(encoding="utf-8")


def test_the_page_imports_only_from_the_kit():
    """A tester has no ``tests/`` directory: no example on the page may import from it."""
    for block in python_blocks(DOC.read_text(encoding="utf-8")):
        assert not re.search(r"^\s*(from|import)\s+tests\b", block, flags=re.MULTILINE), block


def test_the_kit_never_imports_the_repositorys_tests():
    for path in (ROOT / "cinema_tui" / "testing").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            assert not [n for n in names if n == "tests" or n.startswith("tests.")], path


def test_the_id_check_can_fail():
    """The checks below would notice an id the app does not have."""
    assert "no-such-widget" not in source_ids()
    assert {"seat-cursor", "ticket-code", "timeline"} <= documented_ids()


async def test_every_documented_id_is_in_the_app(box_office_app):
    """Walk every screen a clerk reaches and collect the ids it has; an id the page
    documents must be among them, or (screens a healthy app never shows, such as the
    start-up failure) among the widget ids in the source."""
    seen: set[str] = set()
    app = box_office_app()

    def collect() -> None:
        seen.update(w.id for w in app.screen.query("*") if w.id)

    async with app.run_test(size=(80, 24)) as pilot:
        await started(pilot)
        collect()
        show = next(s for s in await app.office.showtimes(app.office.days()[1])
                    if s.hall_id == "hall-1" and s.starts_at.astimezone(app.tz).hour >= 10)
        await open_show(pilot, show)
        await select_seats(pilot, ["E5", "E6"])
        collect()
        await pilot.press("enter")
        await wait_for_text(pilot, "#checkout-summary", "E5, E6")
        collect()
        code = await pay_by_card(pilot)
        await wait_for_text(pilot, "#ticket-details")
        collect()

        await pilot.press("f3")
        await wait_for_screen(pilot, FindCancelScreen)
        await wait_for_focus(pilot, "#find-query")
        await pilot.press(*code, "enter")
        await wait_for_focus(pilot, "#found-booking")
        collect()
        await pilot.press("x")
        await wait_for_text(pilot, "#confirm-question", code)
        collect()
        await pilot.press("n")
        await wait_for_screen(pilot, FindCancelScreen)
        await wait_for_focus(pilot, "#found-booking")
        await pilot.press("t")
        await wait_for_screen(pilot, BookingDetailScreen)
        await wait_for(pilot, lambda: app.screen.query_one("#timeline").row_count > 0)
        collect()

        for key, screen_type in (("f4", HistoryScreen), ("f5", OpsScreen), ("f1", HelpScreen)):
            await pilot.press(key)
            await wait_for_screen(pilot, screen_type)
            collect()
        await pilot.press("escape")
        await pilot.resize_terminal(60, 20)
        await wait_for(pilot, lambda: type(app.screen).__name__ == "TooSmallScreen")
        collect()
        await pilot.resize_terminal(80, 24)

    missing = documented_ids() - seen
    assert missing <= {"startup-failed-title", "startup-error", "startup-quit-hint"}, missing
    assert missing - source_ids() == set()
    assert isinstance(code, str) and len(code) == 6


# --- the helpers -------------------------------------------------------------------------


async def test_wait_for_text_says_what_it_saw(box_office_app):
    app = box_office_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await started(pilot)
        with pytest.raises(AssertionError) as failure:
            await wait_for_text(pilot, "#now-hint", "no such words", timeout=0.1)
        message = str(failure.value)
        assert "#now-hint" in message and "NowShowingScreen" in message
        assert text(app, "#now-hint")[:20] in message
        with pytest.raises(AssertionError, match="no such widget"):
            await wait_for_text(pilot, "#ticket-code", timeout=0.1)
        found = await wait_for_text(pilot, "#now-heading", re.compile(r"Now showing"))
        assert found.startswith("행복 Cinema")


async def test_a_toast_sent_with_a_change_is_recorded_when_the_wait_returns(box_office_app):
    """A screen shows a change and calls ``notify()`` in one go; the ``Notify`` message
    is still queued on the app when the widget already shows the change. The wait must
    not return before the app has handled it, or reading the toast right after the wait
    depends on the machine's speed (the hold-ran-out example of docs/testing.md)."""
    app = box_office_app()
    notes = Notifications()
    async with app.run_test(size=(80, 24), message_hook=notes) as pilot:
        await started(pilot)
        app.notify("the change is made")
        app.screen.query_one("#now-hint", Static).update("changed")  # matches at once
        await wait_for_text(pilot, "#now-hint", "changed")
        assert "the change is made" in str(notes)
        app.notify("and once more")
        await wait_for(pilot, lambda: True)
        assert notes.messages[-1] == "and once more"


async def test_the_clock_is_the_apps(box_office_app, clock):
    app = box_office_app(hold_minutes=2)
    assert app.office.clock is clock and app.settings.hold_minutes == 2
    assert str(app.settings.data_dir).endswith("data")


async def test_journeys_sell_by_card_and_in_cash(box_office_app):
    app = box_office_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await started(pilot)
        shows = await app.office.showtimes(app.office.days()[2])
        await open_show(pilot, shows[-1])  # two days ahead, walking the days with "]"
        seats = await select_seats(pilot, ["C3", "C4", "D4"])
        assert sorted(seats) == ["C3", "C4", "D4"]
        code = await pay_by_card(pilot)
        booking = await app.office.wait_for_booking(code, ("COMPLETED",))
        assert booking.method == "card" and sorted(booking.seats) == seats

        await pilot.press("enter")  # the ticket is done: back to the programme
        await open_show(pilot, shows[0].id)  # by id; the programme is on that day already
        assert len(await select_seats(pilot, 3)) == 3
        cash = await pay_cash(pilot, 50000)
        booking = await app.office.wait_for_booking(cash, ("COMPLETED",))
        assert booking.method == "cash" and booking.change == 50000 - booking.amount


async def test_a_declined_card_fails_the_journey_in_words(box_office_app):
    app = box_office_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await started(pilot)
        show = (await app.office.showtimes(app.office.days()[1]))[-1]
        await open_show(pilot, show)
        await select_seats(pilot, 2)
        with pytest.raises(AssertionError, match="the sale was refused: .*declined"):
            await pay_by_card(pilot, "4000000000000002")
        with pytest.raises(AssertionError, match="the sale was refused: .*declined"):
            await pay_by_card(pilot, "4000000000000002", timeout=30)  # the same answer again
        assert isinstance(app.screen, CheckoutScreen)  # still at the checkout, hold kept
        assert await pay_cash(pilot) is not None  # then cash, on the same hold


async def test_journeys_work_in_korean(box_office_app):
    app = box_office_app(language="ko")
    notes = Notifications()
    async with app.run_test(size=(80, 24), message_hook=notes) as pilot:
        await started(pilot)
        show = (await app.office.showtimes(app.office.days()[1]))[0]
        await open_show(pilot, show)
        assert await select_seats(pilot, ["A1"]) == ["A1"]
        code = await pay_cash(pilot)
        assert isinstance(app.screen, TicketScreen)
        assert (await app.office.booking(code)).seats == ("A1",)


@pytest.mark.real_backend
async def test_journeys_on_the_real_backend(box_office_app):
    app = box_office_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await started(pilot)
        assert type(app.office).__name__ == "BoxOffice"
        show = (await app.office.showtimes(app.office.days()[1]))[-1]
        await open_show(pilot, show)
        seats = await select_seats(pilot, 2)
        code = await pay_by_card(pilot)
        booking = await app.office.wait_for_booking(code, ("COMPLETED",))
        assert list(booking.seats) == seats
