"""Extending a hold: the request, and the one rule both box offices follow.

A customer who is still deciding (or looking for a card) should not lose the seats, so a
clerk may give a live hold ``hold_extend_minutes`` more at a time; but never past
``hold_max_minutes`` after the seats were first held, or one undecided customer could
keep them from everybody else all evening. The rule is pure (times in epoch seconds) so
the real reservation service and ``FakeOffice`` cannot disagree about it.

The request carries the step and the limit from the office's settings: the office is
what reads the settings, reservation only keeps the hold.
"""

from __future__ import annotations

from dataclasses import dataclass

from backend.errors import HoldLimitReached

#: A move shorter than this is no extension (float sums of minutes never land exactly).
SMALLEST_STEP_S = 1.0


@dataclass(frozen=True, slots=True)
class ExtendHold:
    """To reservation: give a live hold ``step_s`` more seconds, never past ``longest_s``
    after it was taken. Replies ``HoldTaken`` (the hold with its new expiry)."""

    hold_id: str
    step_s: float
    longest_s: float


def extended_expiry(taken_at: float, expires_at: float, step_s: float, longest_s: float) -> float:
    """When a hold taken at ``taken_at`` and lapsing at ``expires_at`` lapses once
    extended; HoldLimitReached when it is already as long as it may be."""
    limit = taken_at + longest_s
    new = min(expires_at + step_s, limit)
    if new - expires_at < SMALLEST_STEP_S:
        raise limit_reached(longest_s)
    return new


def limit_reached(longest_s: float) -> HoldLimitReached:
    """The refusal, with the limit in whole minutes where it is whole."""
    minutes = f"{longest_s / 60:g}"
    return HoldLimitReached(
        f"This hold cannot be extended any further: seats can be held for at most "
        f"{minutes} minutes. Take payment now or release the seats.",
        key="hold.limit", minutes=minutes,
    )
