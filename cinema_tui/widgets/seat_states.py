"""Seats as the clerk sees them: each state's symbol and colour, the legend, and the
best block of seats side by side (the cursor's start and the 1-9 keys).

What a seat looks like depends on the state the clerk needs to act on. The symbol
alone tells every state apart (no colour needed); colour repeats it. All symbols are a
single cell wide and none is East-Asian "ambiguous" width or an emoji, so Korean
terminals draw the grid straight as well:

====== ===================== ===========================================
symbol state                 meaning
====== ===================== ===========================================
``◦``  free                  a standard seat that can be sold
``◊``  premium               a free premium seat (surcharge)
``w``  wheelchair            a free wheelchair space
``✓``  selected              chosen by this clerk (held for this sale)
``░``  held                  held by another terminal or sale in progress
``▮``  sold                  sold
``x``  blocked               out of service in the hall plan
====== ===================== ===========================================
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text

from backend.api import SeatMap, SeatState

#: Display state -> (symbol, colour). The order is the legend's order.
SYMBOLS: dict[str, tuple[str, str]] = {
    "free": ("◦", "green"),
    "premium": ("◊", "magenta"),
    "wheelchair": ("w", "cyan"),
    "selected": ("✓", "bold #ffffff on #1f5fbf"),
    "held": ("░", "#d7a000"),
    "sold": ("▮", "#d04040"),
    "blocked": ("x", "#808080"),
}

#: States of a seat the clerk may select (a free seat of any kind).
SELECTABLE = frozenset({"free", "premium", "wheelchair"})

#: How much one row counts against one column when judging "best" seats: rows are
#: roughly twice as far apart as seats are wide.
ROW_WEIGHT = 2.0
#: Where the best row is, as a fraction of the way from the screen to the back.
BEST_DEPTH = 2 / 3

STYLES = {state: Style.parse(colour) for state, (_, colour) in SYMBOLS.items()}
HAS_BACKGROUND = frozenset(s for s, style in STYLES.items() if style.bgcolor is not None)


def display_state(seat: SeatState, selected: Iterable[str] = (), own: Iterable[str] = ()) -> str:
    """What the clerk sees for ``seat``: one of the keys of :data:`SYMBOLS`.

    ``selected`` are the seats this clerk has chosen; ``own`` are the seats of this
    clerk's current hold (shown as free when no longer selected: they are about to be
    given back, and this clerk may take them again).
    """
    if seat.label in selected:
        return "selected"
    state = seat.state
    if state == "held" and seat.label in own:
        state = "free"
    if state == "free":
        return seat.kind if seat.kind in ("premium", "wheelchair") else "free"
    return state


def seat_runs(seat_map: SeatMap) -> list[list[SeatState]]:
    """Seats side by side: each run is one row's seats between gaps or aisles."""
    rows: dict[int, list[SeatState]] = {}
    for seat in seat_map.seats:
        rows.setdefault(seat.row_index, []).append(seat)
    runs: list[list[SeatState]] = []
    for index in sorted(rows):
        run: list[SeatState] = []
        for seat in sorted(rows[index], key=lambda s: s.column):
            if run and seat.column != run[-1].column + 1:
                runs.append(run)
                run = []
            run.append(seat)
        if run:
            runs.append(run)
    return runs


def best_block(
    seat_map: SeatMap, count: int, available: Callable[[SeatState], bool]
) -> list[str] | None:
    """The best ``count`` seats side by side in one row, or ``None`` if there are none.

    Candidates are ``count`` adjacent seats of one row (an aisle or gap breaks
    adjacency) for which ``available`` is true. The best block is the one whose middle
    is nearest to the ideal spot: the hall's centre column, two thirds of the way back
    from the screen, with a row counting as :data:`ROW_WEIGHT` columns. Ties go to the
    row further back, then to the left.
    """
    if count < 1 or not seat_map.seats:
        return None
    columns = [s.column for s in seat_map.seats]
    centre = (min(columns) + max(columns)) / 2
    ideal_row = (len(seat_map.rows) - 1) * BEST_DEPTH
    best: tuple[tuple[float, int, int], list[str]] | None = None
    for run in seat_runs(seat_map):
        free = [available(s) for s in run]
        for start in range(len(run) - count + 1):
            if not all(free[start:start + count]):
                continue
            window = run[start:start + count]
            middle = (window[0].column + window[-1].column) / 2
            row = window[0].row_index
            distance = math.hypot(middle - centre, ROW_WEIGHT * (row - ideal_row))
            key = (round(distance, 6), -row, window[0].column)
            if best is None or key < best[0]:
                best = (key, [s.label for s in window])
    return None if best is None else best[1]


def legend_text(t: Callable[[str], str], width: int = 55) -> Text:
    """The legend, wrapped to ``width`` cells (Korean labels are measured in cells)."""
    text = Text(no_wrap=True)
    line = 0
    for state, (symbol, _colour) in SYMBOLS.items():
        label = t(f"seat.legend.{state}")
        item = cell_len(symbol) + 1 + cell_len(label)
        if line and line + 2 + item > width:
            text.append("\n")
            line = 0
        elif line:
            text.append("  ")
            line += 2
        text.append(symbol, style=STYLES[state])
        text.append(f" {label}")
        line += item
    return text


__all__ = [
    "BEST_DEPTH",
    "HAS_BACKGROUND",
    "ROW_WEIGHT",
    "SELECTABLE",
    "STYLES",
    "SYMBOLS",
    "best_block",
    "display_state",
    "legend_text",
    "seat_runs",
]
