"""Checking the arguments of the public API before anything is asked of a service.

``BoxOffice`` is called by the app, the SSH command mode, scripts and tests, and any of
them can pass ``None`` where a seat list belongs, a float for a count, or a number too
large for a database column. Each check here returns the value in the form the box
office works with, or raises ``InvalidInput`` with a sentence that names the argument
and what it should be; none of them looks at the database. Messages never repeat a
huge or odd value whole: ``shown`` cuts it down to something a clerk can read.

Digits typed by people (cards, phones, cash, booking codes) are ASCII ``0``–``9`` only:
``str.isdigit`` and the regex ``\\d`` also accept full-width ``４`` and Arabic-Indic
``٤``, which would slip past a check and then never match what the database holds.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from datetime import date

from backend.codes import normalise_code
from backend.errors import InvalidInput

#: The most seat labels any call takes in one go (a hold allows far fewer).
MOST_SEATS = 1000
#: The longest text a name, id or label argument may be.
LONGEST_TEXT = 200

_ASCII_DIGITS = re.compile(r"[0-9]+")


def shown(value: object, most: int = 40) -> str:
    """A short, safe picture of ``value`` for a message (never a huge repr)."""
    if isinstance(value, str):
        return value if len(value) <= most else value[: most - 1] + "…"
    if isinstance(value, bool) or value is None:
        return repr(value)
    if isinstance(value, int):
        if abs(value) < 10**18:
            return str(value)
        return f"a number of about {int(value.bit_length() * 0.30103) + 1:,} digits"
    if isinstance(value, float):
        return repr(value)
    return f"a {type(value).__name__}"


def is_ascii_digits(value: str) -> bool:
    """True if ``value`` is one or more of the digits 0–9 and nothing else."""
    return _ASCII_DIGITS.fullmatch(value) is not None


def has_foreign_digit(value: str) -> bool:
    """True if ``value`` holds a digit that is not 0–9 (full-width, Arabic-Indic...)."""
    return any(ch.isdigit() and not "0" <= ch <= "9" for ch in value)


def text(value: object, what: str, *, example: str | None = None,
         longest: int = LONGEST_TEXT) -> str:
    """A non-empty string of at most ``longest`` characters."""
    like = f", like {example}" if example else ""
    if not isinstance(value, str):
        raise InvalidInput(f"{what} must be text{like}, not {shown(value)}.")
    if not value.strip():
        raise InvalidInput(f"{what} must not be empty{like}.")
    if len(value) > longest:
        raise InvalidInput(f"{what} is too long (at most {longest:,} characters).")
    return value


def optional_text(value: object, what: str, *, example: str | None = None,
                  longest: int = LONGEST_TEXT) -> str | None:
    """``None``, or what ``text`` accepts."""
    return None if value is None else text(value, what, example=example, longest=longest)


def whole_number(value: object, what: str, lo: int, hi: int) -> int:
    """An ``int`` (not a bool, not a float) from ``lo`` to ``hi``."""
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise InvalidInput(f"{what} must be a whole number from {lo:,} to {hi:,}, "
                           f"not {shown(value)}.")
    return value


def finite_number(value: object, what: str, lo: float, hi: float) -> float:
    """An ``int`` or ``float`` (not a bool, not NaN or infinite) from ``lo`` to ``hi``."""
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or (isinstance(value, float) and not math.isfinite(value))
        or not lo <= value <= hi
    ):
        raise InvalidInput(f"{what} must be a number from {lo:,g} to {hi:,g}, "
                           f"not {shown(value)}.")
    return float(value)


def flag(value: object, what: str) -> bool:
    """``True`` or ``False`` (not 0/1, not a string)."""
    if not isinstance(value, bool):
        raise InvalidInput(f"{what} must be True or False, not {shown(value)}.")
    return value


def a_day(value: object, what: str = "day") -> date:
    """A calendar date (a ``datetime.date``) in a range every clock can handle."""
    if not isinstance(value, date):
        raise InvalidInput(f"{what} must be a date (datetime.date), not {shown(value)}.")
    if not 1971 <= value.year <= 9998:
        raise InvalidInput(f"{what} must be a date between 1971 and 9998, not {value:%Y-%m-%d}.")
    return value


def seat_labels(value: object, what: str = "seats") -> list[str]:
    """One seat label (a string) or a list of them, like ``["E7", "E8"]``.

    Only their form is checked here (text of a few characters); whether the hall has
    those seats is the hall's business.
    """
    wrong = f"{what} must be a list of seat labels like 'E7'"
    if isinstance(value, str):
        value = [value]
    if isinstance(value, (bytes, bytearray, Mapping)) or not isinstance(value, Iterable):
        raise InvalidInput(f"{wrong}, not {shown(value)}.")
    labels: list[str] = []
    for label in value:
        if len(labels) >= MOST_SEATS:
            raise InvalidInput(f"{what}: at most {MOST_SEATS:,} seat labels at once.")
        if not isinstance(label, str):
            raise InvalidInput(f"{wrong}; {shown(label)} is not a seat label.")
        if len(label.strip()) > 8:
            raise InvalidInput(f"“{shown(label, 12)}” is not a seat label (they look like E7).",
                               key="seat.unknown", seat=shown(label, 12))
        labels.append(label)
    return labels


def tickets(value: object, what: str = "tickets") -> dict[str, int]:
    """Ticket type → count, like ``{"adult": 2, "youth": 1}`` (counts 0 to 1,000)."""
    if not isinstance(value, Mapping):
        raise InvalidInput(
            f"{what} must be a dict of ticket type → count, like {{'adult': 2}}, "
            f"not {shown(value)}."
        )
    checked: dict[str, int] = {}
    for kind, count in value.items():
        if not isinstance(kind, str) or not kind.strip() or len(kind) > 40:
            raise InvalidInput(f"{what}: {shown(kind)} is not a ticket type (like 'adult').")
        checked[kind] = whole_number(count, f"The number of {kind} tickets", 0, MOST_SEATS)
    return checked


def one_of(value: object, what: str, choices: Iterable[str]) -> str:
    """One of ``choices`` (exactly, as text)."""
    names = tuple(choices)
    if not isinstance(value, str) or value not in names:
        raise InvalidInput(f"{what} must be one of {', '.join(names)}, not {shown(value)}.")
    return value


def statuses(value: object, known: Iterable[str], what: str = "statuses") -> frozenset[str]:
    """One status name or a list of them, each one of ``known``."""
    names = tuple(known)
    if isinstance(value, str):
        value = [value]
    if isinstance(value, (bytes, bytearray, Mapping)) or not isinstance(value, Iterable):
        raise InvalidInput(f"{what} must be a list of booking statuses like ['COMPLETED'], "
                           f"not {shown(value)}.")
    chosen: set[str] = set()
    for n, status in enumerate(value):
        if n >= MOST_SEATS:
            raise InvalidInput(f"{what}: at most {MOST_SEATS:,} statuses at once.")
        chosen.add(one_of(status, "A status", names))
    if not chosen:
        raise InvalidInput(f"{what}: give at least one booking status, like 'COMPLETED'.")
    return frozenset(chosen)


def phone_digits(value: object) -> str | None:
    """Part of a phone number to look for: 1 to 11 of the digits 0–9 (dashes, spaces
    ignored), or ``None``."""
    if value is None:
        return None
    if isinstance(value, str):
        digits = re.sub(r"[\s\-]", "", value)
        if digits == "":
            return None
        if is_ascii_digits(digits) and len(digits) <= 11:
            return digits
    raise InvalidInput(
        f"phone_digits must be 1 to 11 of the digits 0–9, like '5678', not {shown(value)}.",
        key="phone", phone=shown(value),
    )


#: What a show id looks like, for messages.
SHOW_ID_EXAMPLE = "20261124-hall-1-0930"


def show_id(value: object) -> str:
    """A show id's text (InvalidInput if it is not short text); the catalog finds the show."""
    return text(value, "show_id", example=SHOW_ID_EXAMPLE, longest=60)


def booking_code(code: object) -> str:
    """A booking code as the box office writes it (upper case, no spaces), or InvalidInput."""
    normal = normalise_code(code) if isinstance(code, str) and len(code) <= 40 else None
    if normal is None:
        raise InvalidInput(
            f"“{shown(code)}” is not a booking code: codes have 6 letters and digits, like "
            "K7M2QX.",
            key="code.format", code=shown(code),
        )
    return normal
