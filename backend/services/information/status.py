"""The order of booking statuses in the history view: it only ever moves forward."""

from __future__ import annotations

#: Status order: the view never moves a booking backwards.
STATUS_RANK = {
    "PAYMENT_PENDING": 0,
    "PAYMENT_UNKNOWN": 1,
    "PAID": 2,
    "FAILED": 2,
    "COMPLETED": 3,
    "REJECTING": 4,
    "CANCELLING": 4,
    "RELEASING": 5,
    "REJECTED": 6,
    "CANCELLED": 6,
}
