"""Text from clients, made safe to put in a log line.

Whatever a client sends (a user name, a terminal type, a key's comment, a path, a
header) may hold a newline that forges a whole log line, or escape sequences that act on
the terminal of whoever reads the log. ``log_safe`` keeps printable text as it is and
writes everything else as a Python-style escape (``\\n`` is ``\\x0a``, ESC is ``\\x1b``,
a right-to-left override is ``\\u202e``), so one event stays one line and the log shows
exactly what was sent. A backslash is doubled, so an escape in the log always means the
client sent that character, never those letters. Long values are cut short.
"""

from __future__ import annotations

import logging

#: The most characters of one client value kept in a log line.
MAX_LOG_CHARS = 120


def _escape(char: str) -> str:
    code = ord(char)
    if 0xDC80 <= code <= 0xDCFF:  # a byte that was not UTF-8 (surrogateescape)
        return f"\\x{code - 0xDC00:02x}"
    if code < 0x100:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def log_safe(value: object, limit: int = MAX_LOG_CHARS, *, token: bool = False) -> str:
    """``value`` as one line of printable text, at most about ``limit`` characters.

    ``token=True`` also escapes spaces (``\\x20``), for ``key=value`` fields, so a value
    cannot pose as more fields; an empty token is written ``""``. Bytes that are not
    UTF-8 are written as ``\\xNN``.
    """
    if value is None:
        text = "-"
    elif isinstance(value, bytes | bytearray):
        text = bytes(value).decode("utf-8", "surrogateescape")
    else:
        text = str(value)
    pieces: list[str] = []
    length = 0
    for index, char in enumerate(text):
        if char == "\\":
            piece = "\\\\"
        elif char.isprintable() and not (token and char == " "):
            piece = char
        else:
            piece = _escape(char)
        if length + len(piece) > limit:
            pieces.append(f"...(+{len(text) - index} chars)")
            break
        pieces.append(piece)
        length += len(piece)
    result = "".join(pieces)
    if token and not result:
        return '""'
    return result


def one_line(text: str) -> str:
    """``text`` with every non-printable character escaped, backslashes left alone: the
    last guard of a log handler, so no record (ours, or a library's that quotes a
    client) can span two lines or drive the reader's terminal. Text that ``log_safe``
    has made safe already comes through unchanged."""
    if text.isprintable():
        return text
    return "".join(char if char.isprintable() else _escape(char) for char in text)


def log_fields(**values: object) -> str:
    """`` name=value`` for each value, each made one safe token by ``log_safe``."""
    return "".join(f" {name}={log_safe(value, token=True)}" for name, value in values.items())


class OneLineFormatter(logging.Formatter):
    """Every record on one line of printable text, whoever logged it and traceback
    included: our lines quote clients through ``log_safe`` already; this also covers a
    library's message."""

    def format(self, record: logging.LogRecord) -> str:
        return one_line(super().format(record))
