"""A QR code drawn in the terminal with half blocks: two modules per character cell.

``qr_lines`` gives the drawing as plain text (for the saved ticket), ``QRCode`` shows it
dark-on-light whatever the theme, because scanners want dark modules on a light ground.
A 6-character booking code gives a version 1 symbol (21×21 modules); with a quiet zone
of 2 modules that is 25 columns by 13 rows.
"""

from __future__ import annotations

import segno
from rich.text import Text
from textual.widgets import Static

#: (top dark, bottom dark) -> the character that draws that pair of modules.
HALF_BLOCKS = {
    (False, False): " ",
    (True, False): "▀",
    (False, True): "▄",
    (True, True): "█",
}

#: Modules of light border around the symbol (scanners need some; 2 fits 80×24).
QUIET_ZONE = 2


def qr_matrix(data: str, border: int = QUIET_ZONE) -> list[list[bool]]:
    """The symbol's modules (True = dark), quiet zone included. Never a Micro QR."""
    qr = segno.make(data, error="m", micro=False)
    return [[bool(m) for m in row] for row in qr.matrix_iter(scale=1, border=border)]


def qr_lines(data: str, border: int = QUIET_ZONE) -> list[str]:
    """The QR code of ``data`` as text lines: each line holds two rows of modules."""
    rows = qr_matrix(data, border)
    if len(rows) % 2:
        rows.append([False] * len(rows[0]))
    return [
        "".join(HALF_BLOCKS[(top, bottom)] for top, bottom in zip(rows[i], rows[i + 1]))
        for i in range(0, len(rows), 2)
    ]


class QRCode(Static):
    """The QR code of a short text (a booking code), black on white.

    Its styles stay in ``DEFAULT_CSS`` (see ``cinema_tui.widgets``).
    """

    DEFAULT_CSS = """
    QRCode {
        width: auto;
        height: auto;
    }
    """

    def __init__(self, data: str, *, id: str | None = None, classes: str | None = None) -> None:
        self.data = data
        self.lines = qr_lines(data)
        super().__init__(self._drawing(), id=id, classes=classes)

    def _drawing(self) -> Text:
        text = Text(no_wrap=True, overflow="crop")
        for i, line in enumerate(self.lines):
            if i:
                text.append("\n")
            text.append(line, style="#000000 on #ffffff")
        return text

    def set_data(self, data: str) -> None:
        self.data = data
        self.lines = qr_lines(data)
        self.update(self._drawing())
