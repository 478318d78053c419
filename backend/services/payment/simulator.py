"""The payment processor simulator: a product feature, with test cards and fault knobs.

Demo users and testers need a processor that behaves like a real one and can be made to
misbehave on purpose: latency (to trip the circuit breaker), a failure rate (processing
errors), and a capacity (requests beyond it are refused as "busy"). Test cards give
fixed outcomes; any other valid card is approved. Randomness comes from a seeded
generator so a simulation can be replayed.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from backend import arguments
from backend.tender import TEST_CARD_OUTCOMES

DECLINE_MESSAGES = {
    "card_declined": (
        "The card was declined by its bank; nothing was charged. Ask for another card or cash."
    ),
    "insufficient_funds": (
        "The card has insufficient funds; nothing was charged. Ask for another card or cash."
    ),
    "cash_error": (
        "The cash register had an error and nothing was taken. Count the cash again and "
        "retry, or pay by card."
    ),
    "processing_error": (
        "The card processor had an error and nothing was charged. Try again, or use "
        "another card or cash."
    ),
}


@dataclass
class SimulatorKnobs:
    """What an operator (or a test) can turn."""

    latency_ms: float = 0.0
    failure_rate: float = 0.0
    capacity: int = 100


class PaymentSimulator:
    """Decides outcomes; holds no money and no card data."""

    def __init__(self, knobs: SimulatorKnobs, seed: int | None = None) -> None:
        self.knobs = knobs
        self.random = random.Random(seed)

    def card_outcome(self, digits: str) -> str:
        """``approve`` or a decline reason for this card number."""
        fixed = TEST_CARD_OUTCOMES.get(digits)
        if fixed is not None:
            return fixed
        if self.knobs.failure_rate and self.random.random() < self.knobs.failure_rate:
            return "processing_error"
        return "approve"

    def cash_outcome(self) -> str:
        """Cash is counted by the clerk; only an injected fault can fail it."""
        if self.knobs.failure_rate and self.random.random() < self.knobs.failure_rate:
            return "cash_error"
        return "approve"

    def latency(self) -> float:
        """Seconds the processor takes for this request (with a little jitter)."""
        base = self.knobs.latency_ms / 1000.0
        if base <= 0:
            return 0.0
        return base * (0.9 + 0.2 * self.random.random())


#: The knobs' ranges: latency up to 10 minutes, capacity up to 100,000 at once.
LATENCY_MS_MAX = 600_000
CAPACITY_MAX = 100_000


def check_knobs(
    *, latency_ms: object = None, failure_rate: object = None, capacity: object = None
) -> dict[str, Any]:
    """The simulator knobs that were given, checked; InvalidInput for a bad one."""
    changes: dict[str, Any] = {}
    if latency_ms is not None:
        changes["latency_ms"] = arguments.finite_number(
            latency_ms, "Payment latency (latency_ms)", 0, LATENCY_MS_MAX
        )
    if failure_rate is not None:
        changes["failure_rate"] = arguments.finite_number(
            failure_rate, "Payment failure rate (failure_rate)", 0, 1
        )
    if capacity is not None:
        changes["capacity"] = arguments.whole_number(
            capacity, "Payment capacity (capacity)", 1, CAPACITY_MAX
        )
    return changes
