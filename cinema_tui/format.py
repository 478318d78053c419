"""Formatting shared by every screen: money, times, seat lists, cell widths.

Hangul takes two terminal cells per character, so text is measured with Rich's
``cell_len`` and padded by cells, never by ``len``.
"""

from __future__ import annotations

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


def fit(text: str, cells: int) -> str:
    """Cut or pad ``text`` to exactly ``cells`` terminal cells (wide characters aware)."""
    if cell_len(text) > cells:
        return set_cell_size(text[: cells] if cells > 1 else text, cells - 1) + "…"
    return set_cell_size(text, cells)


def seats(labels: tuple[str, ...] | list[str]) -> str:
    return ", ".join(labels)
