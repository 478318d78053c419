"""What reservation says when a hold cannot be used: one sentence per refusal.

Booking, releasing and extending a hold refuse it for the same few reasons (there is no
such hold, its seats were sold, it ran out, a payment is already under way); the words
differ only in what the clerk should do next, which depends on what was asked. They
are written here once, for the service and for the testers' fake (backend/testing),
which must refuse in the real reservation's words (the contract suite compares them).
Each function returns the error for the caller to raise.
"""

from __future__ import annotations

from backend.errors import HoldExpired, InvalidInput, NotFound


def no_such_hold(*, selling: bool = False) -> NotFound:
    """No hold of that id (a typo, or one from another box office)."""
    then = "; choose the seats again." if selling else "."
    return NotFound(f"That seat hold does not exist{then}", key="hold.missing")


def hold_sold(*, selling: bool = False) -> InvalidInput:
    """The hold's seats were sold: only the booking can be cancelled now."""
    if selling:
        return InvalidInput("These seats have already been sold on this hold.", key="hold.sold")
    return InvalidInput("These seats were sold; cancel the booking instead.", key="hold.sold")


def hold_ran_out() -> HoldExpired:
    """The hold's time passed (or it was released): its seats are free again."""
    return HoldExpired(
        "The seat hold ran out and the seats were released; choose the seats again."
    )


def payment_under_way(*, selling: bool = False) -> InvalidInput:
    """A payment for the hold's seats has started and not ended."""
    then = "." if selling else "; wait for it to finish."
    return InvalidInput(
        f"A payment for these seats is {'already ' if selling else ''}in progress{then}",
        key="payment.in_progress",
    )
