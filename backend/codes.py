"""Booking codes a clerk can read aloud over a counter.

Six characters from an alphabet without look-alikes (no 0/O, no 1/I/L), so a code
read from a screen or a phone is typed right the first time: 31^6 ≈ 887 million codes.
"""

from __future__ import annotations

import secrets

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
LENGTH = 6


def new_booking_code() -> str:
    """A random booking code."""
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def normalise_code(text: str) -> str | None:
    """The code as typed (any case, spaces, dashes) in canonical form, or None if it can't be one."""
    code = "".join(ch for ch in text.upper() if ch not in " -")
    if len(code) != LENGTH or any(ch not in ALPHABET for ch in code):
        return None
    return code
