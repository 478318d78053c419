"""Formatting shared by every screen: money, times, seat lists, cell widths.

Hangul takes two terminal cells per character, so text is measured with Rich's
``cell_len`` and padded by cells, never by ``len``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from zoneinfo import ZoneInfo

from rich.cells import cell_len, set_cell_size


def won(amount: int | None) -> str:
    """Korean won, as a clerk reads it: ₩14,000."""
    return "—" if amount is None else f"₩{amount:,}"


def local(dt: datetime | None, tz: ZoneInfo) -> datetime | None:
    return None if dt is None else dt.astimezone(tz)


def hhmm(dt: datetime | None, tz: ZoneInfo) -> str:
    return "--:--" if dt is None else dt.astimezone(tz).strftime("%H:%M")


def cut(text: str, cells: int) -> str:
    """``text`` in at most ``cells`` terminal cells: whole if it fits, else cut and ended
    with "…" (a wide letter is never split: "칼리가리" in 6 cells is "칼리…")."""
    if cell_len(text) <= cells:
        return text
    if cells <= 0:
        return ""
    room = cells - 1  # the ellipsis takes one cell
    used = 0
    end = 0
    for end, char in enumerate(text):
        width = cell_len(char)
        if used + width > room:
            break
        used += width
    return text[:end].rstrip() + "…"


def fit(text: str, cells: int) -> str:
    """``text`` in exactly ``cells`` terminal cells: cut with "…" when too long (see
    ``cut``), padded with spaces when short (wide characters aware)."""
    return set_cell_size(cut(text, cells), max(cells, 0))


def seat_key(label: str) -> tuple[int, str, int, str]:
    """A seat label's place in reading order: the row (A … Z, then AA …), then the number
    ("G6" before "G12")."""
    match = re.fullmatch(r"([A-Za-z]+)(\d+)(.*)", label)
    if match is None:
        return (99, label, 0, "")
    return (len(match[1]), match[1].upper(), int(match[2]), match[3])


def in_seat_order(labels: Iterable[str]) -> list[str]:
    """Seats as a clerk reads them (a booking stores them in the order its ticket types
    were dealt, which may be "G7, G6")."""
    return sorted(labels, key=seat_key)


def seats(labels: Iterable[str], sep: str = ", ") -> str:
    """Seats joined in reading order."""
    return sep.join(in_seat_order(labels))
