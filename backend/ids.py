"""Ids that sort by when they were made: a millisecond clock, then random digits.

Every booking writes some twenty index entries keyed by ids: message ids (outbox,
deliveries, each receiver's processed record, the timeline), booking, hold and payment
ids. Random ids (uuid4) put each new entry at a random place in an index that keeps
growing, so every commit touches pages all over ever larger B-trees; measured at 100,000
bookings that is where most of the slow-down with size came from. An id that starts with
the time it was made lands next to the previous one, at the right-hand end of the index,
like an autoincrement, while staying unique across processes and machines (the random
part) and saying nothing a customer could use (it is not a counter of sales).

The clock part is the real wall clock, not the box office's (possibly injected) clock:
it is only about where an id sorts, never about what happened when. UUIDv7 (RFC 9562) is
the same idea; Python 3.11's ``uuid`` module has no ``uuid7``, and the ids here are hex
strings of several lengths, so the dozen lines are written here.
"""

from __future__ import annotations

import secrets
import time

#: Hex digits of the millisecond clock: 48 bits, enough until the year 10889.
CLOCK_DIGITS = 12


def time_ordered_hex(length: int = 32) -> str:
    """``length`` hex digits (more than ``CLOCK_DIGITS``): the time in ms, then random."""
    if length <= CLOCK_DIGITS:
        raise ValueError(f"a time-ordered id needs more than {CLOCK_DIGITS} digits")
    random_digits = length - CLOCK_DIGITS
    clock = time.time_ns() // 1_000_000
    return f"{clock:0{CLOCK_DIGITS}x}{secrets.token_hex((random_digits + 1) // 2)[:random_digits]}"
