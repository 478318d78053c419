"""The hall drawn as text: one symbol per seat, the screen at the top, a cursor.

The whole map is one widget that serves a cached ``Strip`` per line from
``render_line`` (a widget per seat would be far too slow for a 334-seat hall). A line
is rebuilt only when something on it changes (a seat's state, this clerk's selection,
the cursor), so a key press costs two rows of segments and nothing else.

Every seat takes ``pitch`` cells: its symbol and one space (two where the screen has
room: ``set_pitch``). A gap or aisle in the hall plan is an empty column, so the picture
is the one drawn in ``halls.toml``. The largest hall (26 layout columns) is
``1 + 1 + 52 + 1 = 55`` cells wide with the row letters on both sides at pitch 2, which
leaves room for an information panel at 80 columns; at 120 columns it is drawn at pitch
3 (81 cells), so the map uses the width it has.

What a seat looks like, and which seats are best, is in ``seat_states``.

The cursor seat is drawn in reverse video (and its row letters in bold).
"""

from __future__ import annotations

from collections.abc import Iterable

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.events import Click
from textual.geometry import Size
from textual.message import Message
from textual.strip import Strip
from textual.widget import Widget

from backend.api import SeatMap, SeatState
from cinema_tui.widgets.seat_states import (
    HAS_BACKGROUND,
    SELECTABLE,
    STYLES,
    SYMBOLS,
    best_block,
    display_state,
    legend_text,
    seat_runs,
)

_CURSOR = Style(reverse=True, bold=True)
_ROW_LABEL = Style(dim=True)
_ROW_LABEL_CURSOR = Style(bold=True)
_SCREEN_BAR = Style(reverse=True, bold=True)


class SeatMapWidget(Widget, can_focus=True):
    """A hall's seats with a cursor; the screen decides what selecting means.

    Its styles stay in ``DEFAULT_CSS`` (see ``cinema_tui.widgets``).
    """

    DEFAULT_CSS = """
    SeatMapWidget {
        width: auto;
        height: auto;
        padding: 0 1;
    }
    SeatMapWidget:focus {
        background-tint: $foreground 3%;
    }
    """

    class Clicked(Message):
        """A seat was clicked (the cursor has moved to it)."""

        def __init__(self, label: str) -> None:
            super().__init__()
            self.label = label

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.seat_map: SeatMap | None = None
        self.selected: frozenset[str] = frozenset()
        self.own: frozenset[str] = frozenset()
        self.cursor: str | None = None
        self.screen_label = "SCREEN"
        self.loading_label = "…"
        self._want_column: int | None = None
        self._by_label: dict[str, SeatState] = {}
        self._rows: list[list[SeatState]] = []
        self._strips: list[Strip | None] | None = None
        self._styles_for: Style | None = None
        self._styles: dict[str, Style] = {}
        self._shape: tuple[int, tuple[str, ...]] | None = None
        #: Cells per seat (its symbol, then spaces): 2, or 3 where there is room.
        self.pitch = 2

    # --- what is shown ----------------------------------------------------------------

    def set_map(self, seat_map: SeatMap) -> None:
        """Show new seat states (and a new hall, the first time)."""
        shape = (seat_map.width, seat_map.rows)
        resized = shape != self._shape
        self._shape = shape
        old, self.seat_map = self.seat_map, seat_map
        changed: set[int] | None = None
        if not resized and old is not None and len(old.seats) == len(seat_map.seats):
            changed = {new.row_index for new, was in zip(seat_map.seats, old.seats) if new != was}
        self._by_label = {s.label: s for s in seat_map.seats}
        rows: list[list[SeatState]] = [[] for _ in seat_map.rows]
        for seat in seat_map.seats:
            rows[seat.row_index].append(seat)
        for row in rows:
            row.sort(key=lambda s: s.column)
        self._rows = rows
        if self.cursor not in self._by_label:
            self.cursor = self._start_seat()
            self._want_column = None
            changed = None
        self._changed(layout=resized, rows=changed)

    def set_marks(self, selected: Iterable[str], own: Iterable[str]) -> None:
        """This clerk's selection and the seats of this clerk's hold."""
        selected, own = frozenset(selected), frozenset(own)
        if (selected, own) != (self.selected, self.own):
            touched = (selected ^ self.selected) | (own ^ self.own)
            self.selected, self.own = selected, own
            self._changed(rows={s.row_index for s in map(self.seat, touched) if s})

    def set_labels(self, screen_label: str, loading_label: str) -> None:
        self.screen_label, self.loading_label = screen_label, loading_label
        self._changed(layout=True)

    def seat(self, label: str | None) -> SeatState | None:
        return self._by_label.get(label) if label else None

    def state_of(self, label: str) -> str | None:
        """The display state of a seat (a key of :data:`SYMBOLS`), or None if unknown."""
        seat = self._by_label.get(label)
        return None if seat is None else display_state(seat, self.selected, self.own)

    @property
    def cursor_seat(self) -> SeatState | None:
        return self.seat(self.cursor)

    # --- the cursor ---------------------------------------------------------------------

    def _start_seat(self) -> str | None:
        """Where the cursor starts: the free seat nearest the ideal spot of the hall (a
        standard or premium one; else any free seat; else, in a full hall, any seat), so
        that Space at once selects a seat that can be sold."""
        if self.seat_map is None or not self.seat_map.seats:
            return None
        for wanted in (
            lambda s: s.state == "free" and s.kind != "wheelchair",
            lambda s: s.state == "free",
            lambda s: True,
        ):
            block = best_block(self.seat_map, 1, wanted)
            if block:
                return block[0]
        return None

    def set_pitch(self, pitch: int) -> None:
        """Draw each seat ``pitch`` cells wide (2 or 3)."""
        pitch = 3 if pitch >= 3 else 2
        if pitch != self.pitch:
            self.pitch = pitch
            self._changed(layout=True)

    def natural_width(self, pitch: int | None = None) -> int:
        """Cells the map takes at ``pitch`` (default: the current one), padding included."""
        pitch = self.pitch if pitch is None else pitch
        width = max(self.seat_map.width, 1) if self.seat_map is not None else 26
        return 2 + pitch * width + 1 + self.styles.padding.width

    def move_to(self, label: str) -> bool:
        label = label.upper()
        if label not in self._by_label or label == self.cursor:
            return label == self.cursor
        self._jump(self._by_label[label])
        self._want_column = None
        return True

    def _jump(self, target: SeatState) -> None:
        """Put the cursor on ``target``, redrawing only the rows that change."""
        old = self.cursor_seat
        self.cursor = target.label
        self._changed(rows={target.row_index, old.row_index if old else target.row_index})

    def move(self, dx: int, dy: int) -> bool:
        """Move the cursor one seat across (skipping gaps and aisles) or one row."""
        seat = self.cursor_seat
        if seat is None:
            return False
        target: SeatState | None = None
        if dx:
            row = self._rows[seat.row_index]
            index = next(i for i, s in enumerate(row) if s.label == seat.label)
            new = index + dx
            if 0 <= new < len(row):
                target = row[new]
            self._want_column = None
        if dy:
            want = self._want_column if self._want_column is not None else seat.column
            index = seat.row_index + dy
            while 0 <= index < len(self._rows) and not self._rows[index]:
                index += dy
            if 0 <= index < len(self._rows):
                target = min(
                    self._rows[index], key=lambda s: (abs(s.column - want), s.column)
                )
            self._want_column = want
        if target is None or target.label == seat.label:
            return False
        self._jump(target)
        return True

    def move_row_end(self, end: int) -> bool:
        """To the first (``end`` < 0) or last seat of the cursor's row."""
        seat = self.cursor_seat
        if seat is None:
            return False
        row = self._rows[seat.row_index]
        target = row[0] if end < 0 else row[-1]
        self._want_column = None
        if target.label == seat.label:
            return False
        self._jump(target)
        return True

    # --- drawing ------------------------------------------------------------------------
    #
    # The map is kept as one Strip per line (screen bar, gap, one per row) and served by
    # ``render_line``. Moving the cursor rebuilds the two rows it touches; new seat
    # states or a new selection rebuild the rows (a few hundred segments, well under a
    # millisecond). Going through a Text and Textual's wrapping instead costs ~30 ms on
    # the largest hall.

    def _changed(self, layout: bool = False, rows: Iterable[int] | None = None) -> None:
        if rows is None or self._strips is None:
            self._strips = None
        else:
            for row in rows:
                if 0 <= row + 2 < len(self._strips):
                    self._strips[row + 2] = None
        self.refresh(layout=layout)

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._strips = None  # theme or focus changed the base colours

    def get_content_width(self, container: Size, viewport: Size) -> int:
        if self.seat_map is None:
            return cell_len(self.loading_label)
        # Row letter, space, ``pitch`` cells per layout column, row letter.
        return 2 + self.pitch * max(self.seat_map.width, 1) + 1

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        if self.seat_map is None:
            return 1
        return 2 + len(self.seat_map.rows)

    def render_line(self, y: int) -> Strip:
        strips = self._strips
        if strips is None:
            strips = self._strips = [None] * (2 + len(self._rows) if self.seat_map else 1)
        if not 0 <= y < len(strips):
            return Strip.blank(self.size.width, self.rich_style)
        strip = strips[y]
        if strip is None:
            strip = strips[y] = self._build_line(y)
        return strip

    def render_text(self) -> Text:
        """The whole map as plain text with styles (for tests and snapshots)."""
        height = self.get_content_height(Size(0, 0), Size(0, 0), 0)
        lines = [self._build_line(y) for y in range(height)]
        text = Text(end="")
        for index, strip in enumerate(lines):
            if index:
                text.append("\n")
            for segment in strip:
                text.append(segment.text, segment.style)
        return text

    def render(self) -> Text:
        return self.render_text()

    def _line_styles(self, base: Style) -> dict[str, Style]:
        """Each state's style over the widget's base style (cached per base style)."""
        if self._styles_for is not base:
            styles = {state: base + style for state, style in STYLES.items()}
            cursor = {f"cursor:{state}": style + _CURSOR for state, style in styles.items()}
            styles.update(cursor)
            self._styles_for, self._styles = base, styles
        return self._styles

    def _build_line(self, y: int) -> Strip:
        base = self.rich_style
        seat_map = self.seat_map
        if seat_map is None:
            return Strip([Segment(self.loading_label, base + Style(dim=True))])
        width = max(seat_map.width, 1)
        pitch = self.pitch
        gap = " " * (pitch - 1)
        if y == 0:  # the screen, centred over the seats
            cells = width * pitch - (pitch - 1)
            label = f" {self.screen_label} "
            room = max(cells - cell_len(label), 0)
            bar = " " * (room // 2) + label + " " * (room - room // 2)
            return Strip([Segment("  ", base), Segment(bar, base + _SCREEN_BAR)])
        if y == 1:
            return Strip([Segment(" " * (pitch * width + 3), base)])
        index = y - 2
        letter = seat_map.rows[index]
        cursor = self.cursor_seat
        label_style = base + (
            _ROW_LABEL_CURSOR if cursor and cursor.row_index == index else _ROW_LABEL
        )
        styles = self._line_styles(base)
        # (text, style) pieces, merged while the style stays the same: a row of free
        # seats is a handful of segments, not fifty (Textual filters every segment).
        pieces: list[list] = [[letter, label_style]]

        def put(text: str, style: Style) -> None:
            last = pieces[-1]
            if last[1] is style:
                last[0] += text
            else:
                pieces.append([text, style])

        put(" ", base)
        column = 0
        selected, own = self.selected, self.own
        for seat in self._rows[index]:
            if seat.column > column:
                put(" " * pitch * (seat.column - column), base)
            state = display_state(seat, selected, own)
            if cursor is not None and seat.label == cursor.label:
                put(SYMBOLS[state][0], styles["cursor:" + state])
                put(gap, base)
            else:
                style = styles[state]
                put(SYMBOLS[state][0], style)
                # A space only shows its background: share the seat's style when that
                # background is the base one, so the run merges into one segment.
                put(gap, base if state in HAS_BACKGROUND else style)
            column = seat.column + 1
        put(" " * pitch * (width - column), base)
        put(letter, label_style)
        segments = [Segment(text, style) for text, style in pieces if text]
        return Strip(segments)

    # --- the mouse ----------------------------------------------------------------------

    def seat_at(self, x: int, y: int) -> SeatState | None:
        """The seat drawn at content offset (x, y), if any."""
        if self.seat_map is None:
            return None
        row = y - 2
        if not 0 <= row < len(self._rows):
            return None
        offset = x - 2
        if offset < 0 or offset % self.pitch:
            return None
        column = offset // self.pitch
        return next((s for s in self._rows[row] if s.column == column), None)

    def on_click(self, event: Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        seat = self.seat_at(offset.x, offset.y)
        if seat is not None:
            self.move_to(seat.label)
            self.post_message(self.Clicked(seat.label))


__all__ = [
    "SELECTABLE",
    "SYMBOLS",
    "SeatMapWidget",
    "best_block",
    "display_state",
    "legend_text",
    "seat_runs",
]
