"""The booking and cancellation sagas as a pure state machine.

Keeping the transitions in one table, free of I/O, makes the saga easy to read and to
test exhaustively; the service persists each transition with a version check so two
handlers racing on one booking cannot both move it. An event that does not apply in
the current state (a late or repeated message) yields ``None``: ignored, not an error.

    PAYMENT_PENDING --captured--> PAID --confirmed--> COMPLETED
          |  \\--unknown--> PAYMENT_UNKNOWN --captured/refused--> PAID / FAILED
          \\--refused--> FAILED
    PAID --rejected--> REJECTING --refunded--> REJECTED
    PAID, COMPLETED --cancel--> CANCELLING --refunded--> RELEASING --released--> CANCELLED
"""

from __future__ import annotations

from collections.abc import Iterable

PAYMENT_PENDING = "PAYMENT_PENDING"
PAYMENT_UNKNOWN = "PAYMENT_UNKNOWN"
PAID = "PAID"
COMPLETED = "COMPLETED"
FAILED = "FAILED"
REJECTING = "REJECTING"
REJECTED = "REJECTED"
CANCELLING = "CANCELLING"
RELEASING = "RELEASING"
CANCELLED = "CANCELLED"

#: Where a saga may rest once the system is quiet.
TERMINAL = frozenset({COMPLETED, FAILED, REJECTED, CANCELLED})
#: States in which the booking still owns its seats.
OWNS_SEATS = frozenset({PAYMENT_PENDING, PAYMENT_UNKNOWN, PAID, COMPLETED, REJECTING,
                        CANCELLING, RELEASING})

TRANSITIONS: dict[tuple[str, str], str] = {
    (PAYMENT_PENDING, "captured"): PAID,
    (PAYMENT_PENDING, "refused"): FAILED,
    (PAYMENT_PENDING, "unknown"): PAYMENT_UNKNOWN,
    (PAYMENT_UNKNOWN, "captured"): PAID,
    (PAYMENT_UNKNOWN, "refused"): FAILED,
    (PAID, "confirmed"): COMPLETED,
    (PAID, "rejected"): REJECTING,
    (PAID, "cancel"): CANCELLING,
    (COMPLETED, "cancel"): CANCELLING,
    (REJECTING, "refunded"): REJECTED,
    (CANCELLING, "refunded"): RELEASING,
    (RELEASING, "released"): CANCELLED,
}


def next_status(status: str, event: str) -> str | None:
    """The state after ``event``, or None when the event does not apply now."""
    return TRANSITIONS.get((status, event))


def is_terminal(status: str) -> bool:
    return status in TERMINAL


def why_not_cancellable(status: str, code: str) -> str:
    """What the clerk is told when a booking in ``status`` cannot be cancelled."""
    if status in (CANCELLING, RELEASING, CANCELLED):
        return f"Booking {code} is already cancelled."
    if status == FAILED:
        return f"Booking {code} was never paid, so there is nothing to cancel."
    if status in (REJECTING, REJECTED):
        return f"Booking {code} was rejected by the cinema and is refunded automatically."
    if status in (PAYMENT_PENDING, PAYMENT_UNKNOWN):
        return f"The payment of booking {code} is still being confirmed; try again in a moment."
    return f"Booking {code} cannot be cancelled now ({status})."


def story_told(status: str, steps: Iterable[str]) -> bool:
    """Whether a booking's timeline will grow no more: it rests, and a completed one has
    its ``BookingCompleted`` step (what ``watch_booking`` waits for before it ends)."""
    if status in TERMINAL and status != COMPLETED:
        return True
    return status == COMPLETED and "BookingCompleted" in steps
