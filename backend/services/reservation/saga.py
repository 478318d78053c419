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
