"""SVG snapshots of the main screens at 80×24 and 120×40 (pytest-textual-snapshot).

Run:     uv run pytest tests/tui/test_snapshots.py
Update:  uv run pytest tests/tui/test_snapshots.py --snapshot-update   (then look at the
         changed files under tests/tui/__snapshots__/test_snapshots/ before committing)

Every snapshot must come out the same on every run, so:

* the app is built by ``make_app``: a fresh FakeOffice per test (the pictures are the
  same byte for byte on the real backend) and the ManualClock frozen at 2026-11-24
  10:00 KST, so the day strip, "started" shows, hold countdowns (05:00) and sale times
  never move; the data directory's path is never shown on these screens;
* each ``run_before`` waits for the backend, for the status line to show every service
  running and for the screen to stop changing (``until_still``), then turns off the input
  cursor's blinking;
* booking codes and booking ids are random in the backend; the ``fixed_ids`` fixture
  makes them deterministic (code ``K7M2QX``, ids from a counter) for the screens that
  show them (ticket, history), on either backend. It patches the module globals
  ``new_booking_code`` and ``uuid`` of the real reservation service and of FakeOffice
  (``backend.codes``, ``backend.testing.fake_selling``): if a backend changes how it
  makes them, the fixture fails loudly (monkeypatch refuses a missing attribute) rather
  than letting the snapshots flicker.

``snap_compare`` runs the app itself (``App.run``), so these tests are plain functions,
not ``async``; the async work happens in ``run_before``, which receives the pilot.
"""

from __future__ import annotations

import itertools
import types
import uuid

import pytest
from textual.coordinate import Coordinate
from textual.geometry import Region
from textual.pilot import Pilot
from textual.widgets import DataTable, Input

from backend import Card
from cinema_tui.screens.checkout import CheckoutScreen
from cinema_tui.screens.history import HistoryScreen
from cinema_tui.screens.now_showing import NowShowingScreen
from cinema_tui.screens.seat_select import SeatSelectScreen
from cinema_tui.screens.ticket import TicketScreen
from tests.tui.conftest import started, wait_for

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]
CODE = "K7M2QX"
PHONE = "010-1234-5678"


@pytest.fixture
def fixed_ids(monkeypatch: pytest.MonkeyPatch) -> None:
    """Booking code K7M2QX and booking ids bk_00000001…, bk_00000002…, … (see above), in
    the real reservation service and in FakeOffice alike."""
    from backend import codes
    from backend.services.reservation import service
    from backend.testing import fake_selling

    counter = itertools.count(1)

    def uuid4() -> uuid.UUID:  # the counter first: ids are cut to their first hex digits
        return uuid.UUID(f"{next(counter):08x}-0000-4000-8000-000000000000")

    for module in (service, codes):
        monkeypatch.setattr(module, "new_booking_code", lambda: CODE)
    monkeypatch.setattr(fake_selling, "uuid", types.SimpleNamespace(uuid4=uuid4))
    monkeypatch.setattr(service, "time_ordered_hex", lambda length: uuid4().hex[:length])


# --- waiting until the picture is final -------------------------------------------------


def text(app, selector: str) -> str:
    """The text of a Static/Label on the current screen that holds plain or Rich text."""
    return str(app.screen.query_one(selector).render())


def shown(app, selector: str) -> str:
    """What a widget draws, line by line (works for any content, e.g. a Rich table)."""
    widget = app.screen.query_one(selector)
    lines = widget.render_lines(Region(0, 0, widget.region.width, widget.region.height))
    return "\n".join(strip.text.rstrip() for strip in lines)


def services_up(app) -> bool:
    """The status line shows all four services running (● and nothing else)."""
    try:
        line = text(app, "#status-line")
    except Exception:  # noqa: BLE001 - a screen without the status line
        return True
    return line.count("●") == 4 and not any(mark in line for mark in "○◐✖↻⚡")


async def until_still(pilot: Pilot, quiet: float = 0.3, timeout: float = 10.0) -> None:
    """Wait for the backend-driven parts to be final: services up, then two screenshots
    ``quiet`` seconds apart that are identical. Input cursors stop blinking."""
    app = pilot.app
    await wait_for(pilot, lambda: services_up(app), timeout=timeout)
    for field in app.screen.query(Input):
        field.cursor_blink = False
    previous = None
    for _ in range(int(timeout / quiet)):
        await pilot.pause(quiet)
        current = app.export_screenshot()
        if current == previous:
            return
        previous = current
    raise AssertionError("the screen never stopped changing")


async def to_seat_map(pilot: Pilot, hall: str = "hall-1") -> SeatSelectScreen:
    """From now showing: tomorrow (]), the first show at/after 10:00 in ``hall``, Enter."""
    app = await started(pilot)
    screen = app.screen
    assert isinstance(screen, NowShowingScreen)
    tomorrow = app.office.days()[1]
    await pilot.press("right_square_bracket")
    await wait_for(
        pilot,
        lambda: screen.shows
        and all(s.starts_at.astimezone(app.tz).date() == tomorrow for s in screen.shows),
    )
    show = min(
        (s for s in screen.shows if s.hall_id == hall and s.starts_at.astimezone(app.tz).hour >= 10),
        key=lambda s: s.starts_at,
    )
    table = screen.query_one("#showtimes", DataTable)
    await wait_for(pilot, lambda: show.id in table.rows)
    await pilot.press(*["down"] * (table.get_row_index(show.id) - table.cursor_row))
    assert table.coordinate_to_cell_key(Coordinate(table.cursor_row, 0)).row_key == show.id
    await pilot.press("enter")
    await wait_for(pilot, lambda: isinstance(app.screen, SeatSelectScreen))
    await wait_for(pilot, lambda: "Cursor" in text(app, "#seat-cursor"))
    return app.screen  # type: ignore[return-value]


async def two_seats_selected(pilot: Pilot) -> None:
    app = pilot.app
    await to_seat_map(pilot)
    await pilot.press("2")  # the best two seats side by side
    await wait_for(pilot, lambda: "Held for 05:00" in text(app, "#hold-countdown"))


async def at_checkout(pilot: Pilot) -> None:
    app = pilot.app
    await two_seats_selected(pilot)
    await pilot.press("enter")
    await wait_for(pilot, lambda: isinstance(app.screen, CheckoutScreen))
    await wait_for(pilot, lambda: "₩" in text(app, "#total"))


async def at_ticket(pilot: Pilot) -> None:
    app = pilot.app
    await at_checkout(pilot)
    await pilot.press("f7")
    for field, typed in (("#card-number", "4242424242424242"), ("#card-expiry", "1230"),
                         ("#card-cvc", "123")):
        app.screen.query_one(field, Input).focus()
        await pilot.press(*typed)
    await pilot.press("ctrl+s")
    await wait_for(pilot, lambda: isinstance(app.screen, TicketScreen), timeout=15)
    # The cinema's confirmation fills in the ticket numbers and the status.
    await wait_for(pilot, lambda: f"{CODE}-" in shown(app, "#ticket-details"), timeout=10)
    await wait_for(pilot, lambda: "Completed" in shown(app, "#ticket-details"))


async def history_with_one_booking(pilot: Pilot) -> None:
    app = await started(pilot)
    office = app.office
    show = next(s for s in await office.showtimes(office.days()[1]) if s.hall_id == "hall-1")
    hold = await office.hold(show.id, ["E5", "E6"])
    sold = await office.book(
        hold.id, tickets={"adult": 2}, payment=Card("4242424242424242", "12/30", "123"),
        phone=PHONE,
    )
    assert await office.wait_for_booking(sold.code) is not None
    await pilot.press("f4")
    await wait_for(pilot, lambda: isinstance(app.screen, HistoryScreen))
    table = app.screen.query_one("#history-table", DataTable)
    await wait_for(
        pilot,
        lambda: table.row_count == 1 and any("Completed" in str(c) for c in table.get_row_at(0)),
    )


# --- the snapshots ---------------------------------------------------------------------------


def run(*steps):
    """A ``run_before`` doing ``steps`` in turn, then waiting until the screen is final."""

    async def run_before(pilot: Pilot) -> None:
        for step in steps:
            await step(pilot)
        await until_still(pilot)

    return run_before


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("language", ["en", "ko"])
def test_now_showing(snap_compare, make_app, language, size):
    """Today's programme (shows before 10:00 have started)."""
    assert snap_compare(make_app(language=language), terminal_size=size, run_before=run(started))


@pytest.mark.parametrize("size", SIZES)
def test_seat_map_two_selected(snap_compare, make_app, size):
    """Hall 1, tomorrow's first show from 10:00, the best two seats held."""
    assert snap_compare(make_app(), terminal_size=size, run_before=run(two_seats_selected))


@pytest.mark.parametrize("size", SIZES)
def test_checkout(snap_compare, make_app, size):
    """Checkout of those two seats, before paying (card chosen, fields empty)."""
    assert snap_compare(make_app(), terminal_size=size, run_before=run(at_checkout))


@pytest.mark.parametrize("size", SIZES)
def test_ticket(snap_compare, make_app, fixed_ids, size):
    """The ticket after a card sale, confirmed by the cinema (code fixed by fixed_ids)."""
    assert snap_compare(make_app(), terminal_size=size, run_before=run(at_ticket))


@pytest.mark.parametrize("size", SIZES)
def test_history_one_booking(snap_compare, make_app, fixed_ids, size):
    """F4 with one completed card sale."""
    assert snap_compare(
        make_app(), terminal_size=size, run_before=run(history_with_one_booking)
    )
