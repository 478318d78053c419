"""The checkout's arithmetic and lookups: quick cash amounts, typed digits, ticket-type
order, and which field a refusal is about.

Kept apart from the widgets (and from Textual) because they are rules of the counter,
not of drawing: they are tested as plain functions and shared by the form's parts.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from backend import api

#: Ticket types in the order the backend deals them to seats (``backend.pricing``).
TYPE_ORDER = api.TYPE_ORDER

#: Steps the round-up quick amounts snap to (₩10,000 and ₩50,000 notes, ₩100,000).
ROUND_STEPS = (10_000, 50_000, 100_000)

#: Which field a keyed backend error is about, by the prefix of ``BoxOfficeError.key``
#: (the keys are set where the backend checks tender and phone: ``backend.tender``).
FIELD_KEYS = (
    ("card.", "#card-number"),
    ("expiry.", "#card-expiry"),
    ("cvc", "#card-cvc"),
    ("phone", "#phone"),
    ("cash.", "#cash-tendered"),
)

#: Words of the backend's English sentences, for a caller that holds only a sentence
#: (``field_for`` without a key). The checkout itself never uses them: see ``field_of``.
FIELD_HINTS = (
    ("security code", "#card-cvc"),
    ("cvc", "#card-cvc"),
    ("card number", "#card-number"),
    ("expir", "#card-expiry"),
    ("phone", "#phone"),
    ("cash", "#cash-tendered"),
    ("not enough", "#cash-tendered"),
)


def field_of_key(key: str | None) -> str | None:
    """The id of the field a backend error key (``BoxOfficeError.key``) is about."""
    if not key:
        return None
    for prefix, field_id in FIELD_KEYS:
        if key.startswith(prefix):
            return field_id
    return None


def field_of(error: BaseException) -> str | None:
    """The id of the field an input error is about, from its key (None: no one field).

    The key is the backend's stable name for the problem, so the field is found the
    same in every language and however the sentence is reworded.
    """
    return field_of_key(getattr(error, "key", None))


def field_for(message: str, key: str | None = None) -> str | None:
    """The field of an error given as its sentence (and key, which wins when given).

    Kept for callers holding only a sentence; the checkout asks ``field_of(error)``.
    """
    by_key = field_of_key(key)
    if by_key is not None:
        return by_key
    lowered = message.lower()
    for hint, field_id in FIELD_HINTS:
        if hint in lowered:
            return field_id
    return None


def quick_amounts(total: int) -> list[int]:
    """Exact, then round-ups to the next ₩10,000 / ₩50,000 / ₩100,000 (distinct, sorted)."""
    amounts = {total}
    for step in ROUND_STEPS:
        amounts.add(max(step, math.ceil(total / step) * step))
    ups = sorted(a for a in amounts if a > total)
    while len(ups) < 2:  # an exact ₩100,000 total still gets two round-ups
        ups.append((ups[-1] if ups else total) + 50_000)
    return [total, *ups[:2]]


def next_round_up(total: int, current: int) -> int:
    """F9: the next quick amount above what is typed (round-ups, then back to exact)."""
    amounts = quick_amounts(total)
    higher = [a for a in amounts[1:] if a > current]
    return higher[0] if higher else amounts[0]


def digits_of(text: str) -> int | None:
    """The number in ``text``, read from its digits 0–9 only (``isdigit`` takes ４ too)."""
    digits = "".join(ch for ch in text if "0" <= ch <= "9")
    return int(digits) if digits else None


def ordered_types(known: Iterable[str]) -> tuple[str, ...]:
    """The catalogue's ticket types, the backend's dealing order first."""
    return api.type_order(known)


def price_order(
    seats: tuple[str, ...], chosen: dict[str, str], types: tuple[str, ...]
) -> list[str]:
    """The seats sorted the way ``quote`` deals ticket types to them.

    The backend deals types to seats in a fixed order (adult, youth, senior), so seats
    handed over sorted that way each get the type the clerk chose for them; the rule is
    the backend's own (``backend.api.deal_order``, which ``book(seat_types=...)`` stores
    a booking's seats by). The total does not depend on the order.
    """
    return api.deal_order(seats, chosen, types)


def ticket_counts(chosen: dict[str, str], types: tuple[str, ...]) -> dict[str, int]:
    """Ticket type -> count, the way ``book()`` wants it (no zero counts)."""
    return api.ticket_counts(chosen, types)
