"""The seat map: drawing, moving, selecting (= holding), best seats, live updates, countdown."""

from __future__ import annotations

import sys
import time
import types
import unicodedata

from rich.cells import cell_len
from textual.screen import Screen
from textual.widgets import DataTable, Static

from backend.views import SeatMap, SeatState
from cinema_tui.screens.now_showing import NowShowingScreen
from cinema_tui.screens.seat_select import SeatSelectScreen, mmss
from cinema_tui.widgets.seat_map import (
    SYMBOLS,
    SeatMapWidget,
    best_block,
    display_state,
    legend_text,
)
from tests.tui.conftest import Notifications, started, wait_for

# --- helpers --------------------------------------------------------------------------------


async def hall_show(app, hall: str = "hall-1"):
    """Tomorrow's first show in ``hall`` (never started, whatever the clock does)."""
    shows = await app.office.showtimes(app.office.days()[1])
    return next(s for s in shows if s.hall_id == hall)


async def open_map(pilot, hall: str = "hall-1") -> SeatSelectScreen:
    app = await started(pilot)
    show = await hall_show(app, hall)
    await app.push_screen(SeatSelectScreen(show))
    await wait_for(pilot, lambda: isinstance(app.screen, SeatSelectScreen))
    screen = app.screen
    await wait_for(pilot, lambda: screen.seat_map is not None)
    return screen


def widget(screen: SeatSelectScreen) -> SeatMapWidget:
    return screen.query_one("#seat-map", SeatMapWidget)


def text_of(screen: Screen, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


async def backend_states(app, show_id: str) -> dict[str, str]:
    seat_map = await app.office.seat_map(show_id)
    return {s.label: s.state for s in seat_map.seats}


async def until_backend(pilot, app, show_id: str, check, timeout: float = 5.0) -> dict[str, str]:
    """Poll the seat view until ``check(states)`` holds (the hold calls run in workers)."""
    deadline = time.monotonic() + timeout
    while True:
        states = await backend_states(app, show_id)
        if check(states):
            return states
        if time.monotonic() > deadline:
            raise AssertionError(f"backend never reached the expected state: {states}")
        await pilot.pause(0.05)


def held(states: dict[str, str]) -> set[str]:
    return {label for label, state in states.items() if state == "held"}


# --- the symbol table and the best-seat rule (no app needed) --------------------------------


def test_symbols_alone_tell_every_state_apart():
    symbols = [symbol for symbol, _ in SYMBOLS.values()]
    assert set(SYMBOLS) == {
        "free", "premium", "wheelchair", "selected", "held", "sold", "blocked"
    }
    assert len(set(symbols)) == len(symbols), "two states share a symbol"
    for symbol in symbols:
        assert cell_len(symbol) == 1
        # Neither wide nor ambiguous: Korean terminals draw them in one cell too.
        assert unicodedata.east_asian_width(symbol) in ("N", "Na"), symbol
    colours = [colour for _, colour in SYMBOLS.values()]
    assert len(set(colours)) == len(colours)


def test_legend_names_every_symbol_and_fits_in_korean():
    from cinema_tui import i18n

    for lang in ("ko", "en"):
        legend = legend_text(lambda key, lang=lang: i18n.t(key, lang), width=55)
        for symbol, _ in SYMBOLS.values():
            assert symbol in legend.plain
        assert all(cell_len(line) <= 55 for line in legend.plain.splitlines())


def _seat(label: str, row_index: int, column: int, state: str = "free", kind: str = "standard"):
    row = label[0]
    return SeatState(label, row, int(label[1:]), kind, column, row_index, state)


def test_display_state_prefers_the_clerks_view():
    free = _seat("A1", 0, 0)
    premium = _seat("A2", 0, 1, kind="premium")
    mine = _seat("A3", 0, 2, state="held")
    assert display_state(free) == "free"
    assert display_state(premium) == "premium"
    assert display_state(free, selected={"A1"}) == "selected"
    assert display_state(mine) == "held"
    assert display_state(mine, own={"A3"}) == "free"  # being given back: free for us
    assert display_state(mine, selected={"A3"}, own={"A3"}) == "selected"


def test_best_block_keeps_seats_together_and_near_the_sweet_spot():
    # Rows A-D; each row: 2 seats, aisle, 4 seats, aisle, 2 seats (columns 0-1, 3-6, 8-9).
    seats = []
    for r, row in enumerate("ABCD"):
        labels = iter(range(1, 9))
        for column in (0, 1, 3, 4, 5, 6, 8, 9):
            seats.append(_seat(f"{row}{next(labels)}", r, column))
    seat_map = SeatMap("x", "h", 10, tuple("ABCD"), tuple(seats))

    def free(s):
        return s.state == "free"

    # Centre block, two thirds back (row index 2 of 0..3 = row C).
    assert best_block(seat_map, 2, free) == ["C4", "C5"]
    assert best_block(seat_map, 4, free) == ["C3", "C4", "C5", "C6"]
    # Five together do not exist: aisles break adjacency.
    assert best_block(seat_map, 5, free) is None
    # Row C's middle taken: the best pair moves to row D or B, still centred.
    taken = {"C4", "C5"}
    pair = best_block(seat_map, 2, lambda s: s.label not in taken)
    assert pair is not None and pair[0][0] in "BD" and pair[0][1:] == "4"


def test_mmss_counts_down_in_whole_seconds():
    assert mmss(300) == "05:00"
    assert mmss(299.2) == "05:00"
    assert mmss(61) == "01:01"
    assert mmss(0) == "00:00"
    assert mmss(-5) == "00:00"


# --- the screen -----------------------------------------------------------------------------


async def test_enter_on_tomorrows_first_show_opens_its_seat_map(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await started(pilot)
        now = app.screen
        assert isinstance(now, NowShowingScreen)
        today = {s.id for s in now.shows}
        await pilot.press("right_square_bracket")
        await wait_for(pilot, lambda: now.shows and {s.id for s in now.shows} != today)
        table = now.query_one("#showtimes", DataTable)
        await wait_for(pilot, lambda: table.row_count > 0)
        first = table.coordinate_to_cell_key((0, 0)).row_key.value
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, SeatSelectScreen))
        screen = app.screen
        assert screen.show.id == first
        await wait_for(pilot, lambda: screen.seat_map is not None)
        assert screen.seat_map.show_id == first
        title = screen.show.title_en
        assert title in text_of(screen, "#seat-info")
        assert "SCREEN" in str(widget(screen).render())


async def test_hall_1_fits_80x24_with_its_panel(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_map(pilot, "hall-1")
        await pilot.pause()
        seat_map = widget(screen)
        assert len(screen.seat_map.rows) == 14
        region = seat_map.region
        assert region.right <= 80 and region.bottom <= 24
        lines = str(seat_map.render()).splitlines()
        assert len(lines) == 2 + 14  # screen bar, gap, rows A-N
        assert max(cell_len(line) for line in lines) <= region.width
        assert lines[2].startswith("A ") and lines[2].endswith(" A")
        assert lines[-1].startswith("N ") and lines[-1].endswith(" N")
        for selector in ("#seat-legend", "#seat-info", "#selected-seats", "#running-price",
                         "#hold-countdown"):
            r = screen.query_one(selector).region
            assert r.width > 0 and r.height > 0 and r.right <= 80 and r.bottom <= 24, selector
        # Every line of the map has the same width: the grid is straight.
        assert len({cell_len(line) for line in lines[2:]}) == 1


async def test_arrows_and_space_hold_seats_and_escape_releases_them(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_map(pilot)
        show_id = screen.show.id
        seats = widget(screen)
        start = seats.cursor
        await pilot.press("space")
        await wait_for(pilot, lambda: screen.hold is not None)
        await pilot.press("right", "space")
        second = seats.cursor
        assert second != start and second[0] == start[0]
        await wait_for(pilot, lambda: screen.hold is not None and len(screen.hold.seats) == 2)
        states = await until_backend(pilot, app, show_id, lambda s: held(s) == {start, second})
        assert held(states) == {start, second}
        assert seats.state_of(start) == seats.state_of(second) == "selected"
        assert start in text_of(screen, "#selected-seats")
        assert "2 seats" in text_of(screen, "#running-price")
        assert "₩" in text_of(screen, "#running-price")

        # Unselect one: the hold shrinks (swapped atomically), the seat is free again.
        await pilot.press("space")
        await until_backend(pilot, app, show_id, lambda s: held(s) == {start})
        await wait_for(pilot, lambda: seats.state_of(second) not in ("selected", "held"))
        assert screen.hold is not None and screen.hold.seats == (start,)

        # Moving up and down keeps a column; the row letter changes.
        await pilot.press("down")
        assert seats.cursor[0] == chr(ord(start[0]) + 1)
        await pilot.press("up")
        assert seats.cursor[0] == start[0]

        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, NowShowingScreen))
        await until_backend(pilot, app, show_id, lambda s: not held(s))


async def test_unselecting_the_last_seat_releases_the_hold(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_map(pilot)
        seat = widget(screen).cursor
        await pilot.press("space")
        await until_backend(pilot, app, screen.show.id, lambda s: held(s) == {seat})
        await pilot.press("space")
        await until_backend(pilot, app, screen.show.id, lambda s: not held(s))
        await wait_for(pilot, lambda: screen.hold is None and not screen.selected)
        assert "No seats held" in text_of(screen, "#hold-countdown")


async def test_digit_selects_best_seats_side_by_side(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_map(pilot)
        await pilot.press("3")
        await wait_for(pilot, lambda: screen.hold is not None and len(screen.hold.seats) == 3)
        chosen = [screen.seat_map.seat(label) for label in screen.selected]
        assert len({s.row for s in chosen}) == 1
        columns = sorted(s.column for s in chosen)
        assert columns == list(range(columns[0], columns[0] + 3))
        assert all(s.kind != "wheelchair" for s in chosen)
        states = await until_backend(
            pilot, app, screen.show.id, lambda s: held(s) == set(screen.selected)
        )
        assert len(held(states)) == 3
        # The sweet spot of hall 1: about two thirds back, in the middle block.
        assert chosen[0].row in "IJ"
        assert 5 <= columns[0] and columns[-1] <= 20

        # A new digit replaces the selection.
        first = set(screen.selected)
        await pilot.press("2")
        await wait_for(pilot, lambda: screen.hold is not None and len(screen.hold.seats) == 2)
        await until_backend(pilot, app, screen.show.id, lambda s: held(s) == set(screen.selected))
        assert set(screen.selected) != first or len(first) != 2


async def test_seat_taken_elsewhere_shows_held_and_cannot_be_selected(make_app):
    app = make_app()
    notes = Notifications()
    async with app.run_test(size=(80, 24), message_hook=notes) as pilot:
        screen = await open_map(pilot)
        seats = widget(screen)
        assert seats.state_of("E5") == "free"
        other = await app.office.hold(screen.show.id, ["E5"])  # another terminal
        await wait_for(pilot, lambda: seats.state_of("E5") == "held", timeout=1.0)
        assert "░" in str(seats.render())

        # Select it from the map: refused at once, with a message, nothing held.
        seats.move_to("E5")
        await pilot.press("space")
        await pilot.pause()
        assert screen.selected == [] and screen.hold is None
        assert any("E5" in m for m in notes.messages)

        # The map was stale (the refusal comes from the backend): the selection is put
        # back as it was and the clerk is told, nothing crashes.
        await pilot.press("3")
        await wait_for(pilot, lambda: screen.hold is not None and len(screen.hold.seats) == 3)
        before = list(screen.selected)
        await app.office.hold(screen.show.id, ["A1"])
        screen._select([*screen.selected, "A1"])  # as if A1 still looked free
        await wait_for(pilot, lambda: screen.selected == before and not screen._syncing)
        assert screen.hold is not None and sorted(screen.hold.seats) == sorted(before)
        await wait_for(pilot, lambda: any("A1" in m for m in notes.messages))
        assert app.is_running

        await app.office.release(other.id)
        await wait_for(pilot, lambda: seats.state_of("E5") == "free", timeout=1.0)


async def test_countdown_follows_the_clock_and_expiry_clears_the_selection(make_app, clock):
    app = make_app()
    notes = Notifications()
    async with app.run_test(size=(80, 24), message_hook=notes) as pilot:
        screen = await open_map(pilot)
        await pilot.press("2")
        await wait_for(pilot, lambda: screen.hold is not None and len(screen.hold.seats) == 2)
        countdown = lambda: text_of(screen, "#hold-countdown")
        await wait_for(pilot, lambda: "05:00" in countdown())
        clock.advance(61)
        await wait_for(pilot, lambda: "03:59" in countdown())
        clock.advance(180)
        await wait_for(pilot, lambda: "00:59" in countdown())
        assert screen.query_one("#hold-countdown").has_class("-urgent")
        clock.advance(60)
        await wait_for(pilot, lambda: screen.hold is None and not screen.selected)
        assert "expired" in countdown()
        # the toast comes with the change: recorded by the time the wait returns
        assert any("ran out" in m for m in notes.messages)
        assert all(widget(screen).state_of(s.label) != "selected" for s in screen.seat_map.seats)
        # The backend expires the hold on its own (its sweeper), and the map follows.
        await until_backend(pilot, app, screen.show.id, lambda s: not held(s))
        await wait_for(pilot, lambda: screen.seat_map.count("held") == 0)


async def test_checkout_needs_seats_then_gets_the_hold(make_app, monkeypatch):
    pushed = []

    class FakeCheckout(Screen[None]):
        def __init__(self, show, hold) -> None:
            super().__init__()
            pushed.append((show, hold))

    module = types.ModuleType("cinema_tui.screens.checkout")
    module.CheckoutScreen = FakeCheckout  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "cinema_tui.screens.checkout", module)

    app = make_app()
    notes = Notifications()
    async with app.run_test(size=(80, 24), message_hook=notes) as pilot:
        screen = await open_map(pilot)
        await pilot.press("enter")
        await pilot.pause()
        assert not pushed and isinstance(app.screen, SeatSelectScreen)
        assert any("Choose seats first" in m for m in notes.messages)
        await pilot.press("2", "enter")  # enter right away: waits for the hold
        await wait_for(pilot, lambda: isinstance(app.screen, FakeCheckout))
        show, hold = pushed[0]
        assert show.id == screen.show.id
        assert hold.id == screen.hold.id and set(hold.seats) == set(screen.selected)
        # Back from checkout: the hold is still ours.
        app.pop_screen()
        await wait_for(pilot, lambda: app.screen is screen)
        assert (await backend_states(app, show.id))[hold.seats[0]] == "held"


async def test_going_home_releases_the_hold(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_map(pilot)
        await pilot.press("4")
        await wait_for(pilot, lambda: screen.hold is not None and len(screen.hold.seats) == 4)
        await pilot.press("f2")
        await wait_for(pilot, lambda: isinstance(app.screen, NowShowingScreen))
        await until_backend(pilot, app, screen.show.id, lambda s: not held(s))


async def test_korean_labels_and_language_switch(make_app):
    app = make_app(language="ko")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_map(pilot)
        seats = widget(screen)
        assert "스크린" in str(seats.render())
        assert screen.show.title in text_of(screen, "#seat-info")
        assert "빈 좌석" in text_of(screen, "#seat-legend")
        await pilot.press("f8")
        await wait_for(pilot, lambda: "SCREEN" in str(seats.render()))
        assert screen.show.title_en in text_of(screen, "#seat-info")
        assert "free" in text_of(screen, "#seat-legend")


async def test_keys_move_and_repaint_the_largest_hall(make_app):
    """Every line of the largest map is drawn after each move and after a new seat state.

    How fast that is depends on the machine: ``bench/tui_latency.py`` measures it (key
    press to repaint, 334-seat hall); this test asserts only what happens.
    """
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_map(pilot, "hall-1")
        seats = widget(screen)
        assert len(screen.seat_map.seats) >= 334
        await pilot.pause()
        lines = seats.content_size.height
        start = seats.cursor
        for dx, dy in [(1, 0), (-1, 0), (0, 1), (0, -1)] * 25:
            screen.action_move(dx, dy)
            assert all(seats.render_line(y) is not None for y in range(lines))
            seats.render_lines(seats.region.reset_offset)
        assert seats.cursor == start  # each move undone by the next: back where it began
        for _ in range(20):
            seats.set_map(screen.seat_map)
            assert all(seats.render_line(y) is not None for y in range(lines))
        # The keys still work through the pilot.
        before = seats.cursor
        await pilot.press("right")
        assert seats.cursor != before


async def test_clicking_a_seat_selects_it(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_map(pilot, "hall-1")
        seats = widget(screen)
        # the map is drawn and laid out (its place on screen settles once it has seats)
        await wait_for(pilot, lambda: "Cursor" in text_of(screen, "#seat-cursor"))
        await pilot.pause()
        e5 = screen.seat_map.seat("E5")
        # Content starts after the left padding; each layout column is two cells wide.
        x = seats.styles.padding.left + 2 + 2 * e5.column
        y = 2 + e5.row_index
        assert seats.seat_at(x - seats.styles.padding.left, y).label == "E5"
        await pilot.click("#seat-map", offset=(x, y))
        await wait_for(pilot, lambda: screen.hold is not None and screen.hold.seats == ("E5",))
        assert seats.cursor == "E5" and seats.state_of("E5") == "selected"


async def test_information_outage_pauses_live_updates_without_crashing(make_app):
    app = make_app()
    notes = Notifications()
    async with app.run_test(size=(80, 24), message_hook=notes) as pilot:
        screen = await open_map(pilot)
        seats = widget(screen)
        await app.office.stop_service("information")
        await wait_for(pilot, lambda: any("paused" in m for m in notes.messages))
        await app.office.start_service("information")
        await app.office.hold(screen.show.id, ["B2"])
        await wait_for(pilot, lambda: seats.state_of("B2") == "held")
        assert isinstance(app.screen, SeatSelectScreen) and app.is_running


# --- where the cursor starts, and the width the map gets (#12 items 7, 9) -----------------


async def test_the_cursor_opens_on_a_free_seat(make_app):
    """The best spot of the hall is sold (and its neighbours held): the cursor starts on
    the nearest seat that can still be sold, so Space at once takes a free seat."""
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        app = await started(pilot)
        show = await hall_show(app, "hall-1")
        whole = await app.office.seat_map(show.id)
        ideal = best_block(whole, 1, lambda s: True)[0]
        around = best_block(whole, 5, lambda s: True)
        assert ideal in around
        await app.office.hold(show.id, around)
        await app.push_screen(SeatSelectScreen(show))
        await wait_for(pilot, lambda: isinstance(app.screen, SeatSelectScreen))
        screen = app.screen
        await wait_for(pilot, lambda: "Cursor" in text_of(screen, "#seat-cursor"))
        cursor = widget(screen).cursor
        assert cursor not in around
        assert screen.seat_map.seat(cursor).state == "free"
        assert widget(screen).state_of(cursor) in ("free", "premium")
        assert "free" in text_of(screen, "#seat-cursor")
        await pilot.press("space")
        await wait_for(pilot, lambda: screen.hold is not None and screen.hold.seats == (cursor,))


async def test_a_wide_terminal_gives_the_map_the_room(make_app):
    """At 120×40 the largest hall is drawn a seat every three cells in a pane wider than
    the 57 cells of 80 columns, the panel keeps its text whole, and clicks still land."""
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_map(pilot, "hall-1")
        seats = widget(screen)
        await wait_for(pilot, lambda: "Cursor" in text_of(screen, "#seat-cursor"))
        await pilot.pause()
        assert seats.pitch == 3
        pane = screen.query_one("#seat-left").region
        assert pane.width > 57
        lines = str(seats.render()).splitlines()
        assert lines[2].startswith("A ◦  ◦") and lines[2].endswith(" A")
        assert max(cell_len(line) for line in lines) == 2 + 3 * screen.seat_map.width + 1
        assert seats.region.right <= pane.right
        panel = screen.query_one("#seat-panel").region
        assert panel.x >= pane.right and panel.right <= 120
        assert "Choose seats" in text_of(screen, "#running-price")
        e5 = screen.seat_map.seat("E5")
        x = seats.styles.padding.left + 2 + 3 * e5.column
        await pilot.click("#seat-map", offset=(x, 2 + e5.row_index))
        await wait_for(pilot, lambda: screen.hold is not None and screen.hold.seats == ("E5",))
        # Back to 80 columns: two cells a seat, the 57-cell pane.
        await pilot.resize_terminal(80, 24)
        await wait_for(pilot, lambda: seats.pitch == 2)
        await pilot.pause()
        assert screen.query_one("#seat-left").region.width == 57


async def test_a_small_hall_is_drawn_wide_even_at_80_columns(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_map(pilot, "hall-3")
        await pilot.pause()
        seats = widget(screen)
        assert seats.pitch == 3
        assert seats.region.right <= screen.query_one("#seat-panel").region.x
        assert screen.query_one("#seat-panel").region.width >= 23


async def test_held_seats_are_named_as_unsaved_work(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_map(pilot)
        assert screen.unsaved_work() is None
        await pilot.press("2")
        await wait_for(pilot, lambda: screen.hold is not None and len(screen.hold.seats) == 2)
        work = screen.unsaved_work()
        assert work == f"Seats {', '.join(screen.hold.seats)} are given back."
        assert app.unsaved_work() == work  # what Ctrl+Q asks about
        await pilot.press("delete")
        await wait_for(pilot, lambda: screen.hold is None)
        assert screen.unsaved_work() is None
