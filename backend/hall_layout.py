"""Read a hall's seat map, drawn as text in ``halls.toml``, into seats.

Why a drawing: the person who looks after the data can see and edit a hall the way
the audience sees it (rows from the screen backwards, aisles as gaps), and the box
office can redraw exactly that picture because every seat keeps its column.

The format (also documented at the top of ``data/halls.toml``): each non-empty line
is ``<ROW LETTER> <cells>``, one character per column: ``s`` standard, ``p`` premium,
``w`` wheelchair space, ``x`` blocked seat, space for a gap. Seats are numbered 1..
from left to right counting every seat cell, so labels read "E5". Rows run A, B, C...
from the front without skipping a letter.

This module knows nothing about files; it raises :class:`LayoutError` saying which
layout line is wrong, and the catalog loader adds the file and hall to the message.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Seat characters and the kind of seat each one draws. ``x`` is a seat that exists
#: but is blocked; it is sold as nothing, so its kind is plain "standard".
SEAT_CHARS: dict[str, str] = {"s": "standard", "p": "premium", "w": "wheelchair", "x": "standard"}
BLOCKED_CHAR = "x"
GAP_CHAR = " "
SEAT_KINDS: tuple[str, ...] = ("standard", "premium", "wheelchair")


@dataclass(frozen=True)
class SeatSpec:
    """One seat (or wheelchair space) as drawn in a hall's layout.

    ``column`` and ``row_index`` are where to draw it; ``label`` is what clerks and
    customers say ("E5") and what bookings store.
    """

    label: str
    row: str
    number: int
    kind: str  # 'standard' | 'premium' | 'wheelchair'
    blocked: bool
    column: int  # 0-based character column of the cell in the drawn layout
    row_index: int  # 0-based, A = 0


@dataclass(frozen=True)
class ParsedLayout:
    """The seats of a layout plus what is needed to draw it."""

    seats: tuple[SeatSpec, ...]
    rows: tuple[str, ...]
    width: int  # widest row, in columns


class LayoutError(ValueError):
    """A layout line is wrong; ``where`` says which line (and row, when readable)."""

    def __init__(self, line_no: int, row: str | None, problem: str) -> None:
        self.line_no = line_no
        self.row = row
        self.problem = problem
        self.where = f"layout line {line_no}" + (f" (row {row})" if row else "")
        super().__init__(f"{self.where}: {problem}")


def parse_layout(text: str) -> ParsedLayout:
    """Turn a drawn layout into seats; raise :class:`LayoutError` on the first problem.

    Line numbers count every line of the layout string, so they match what an editor
    shows when the string starts on the line after ``layout = '''``.
    """
    seats: list[SeatSpec] = []
    rows: list[str] = []
    first_line_of_row: dict[str, int] = {}
    width = 0
    for line_no, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        row = line[0]
        if not ("A" <= row <= "Z"):
            raise LayoutError(
                line_no, None, f"a row must start with a capital letter A-Z (got {row!r})"
            )
        if row in first_line_of_row:
            first = first_line_of_row[row]
            raise LayoutError(line_no, row, f"row {row} appears twice (first on line {first})")
        expected = chr(ord("A") + len(rows))
        if row != expected:
            raise LayoutError(
                line_no,
                row,
                f"rows must run A, B, C... from the screen backwards without gaps; "
                f"expected row {expected} here",
            )
        if len(line) < 3 or line[1] != " ":
            raise LayoutError(
                line_no, row, "write the row letter, one space, then the seats (e.g. 'A sss sss')"
            )
        cells = raw.lstrip()[2:].rstrip()
        row_seats = _parse_cells(cells, row, len(rows), line_no)
        if not row_seats:
            raise LayoutError(line_no, row, "the row has no seats")
        first_line_of_row[row] = line_no
        rows.append(row)
        seats.extend(row_seats)
        width = max(width, len(cells))
    if not rows:
        raise LayoutError(1, None, "the layout draws no rows")
    return ParsedLayout(seats=tuple(seats), rows=tuple(rows), width=width)


def _parse_cells(cells: str, row: str, row_index: int, line_no: int) -> list[SeatSpec]:
    """Seats of one row, numbered left to right over every seat cell."""
    seats: list[SeatSpec] = []
    for column, char in enumerate(cells):
        if char == GAP_CHAR:
            continue
        kind = SEAT_CHARS.get(char)
        if kind is None:
            raise LayoutError(
                line_no,
                row,
                f"unknown seat character {char!r} at column {column + 1} "
                "(use s, p, w, x or space)",
            )
        number = len(seats) + 1
        seats.append(
            SeatSpec(
                label=f"{row}{number}",
                row=row,
                number=number,
                kind=kind,
                blocked=char == BLOCKED_CHAR,
                column=column,
                row_index=row_index,
            )
        )
    return seats
