"""Requests that expect a reply (``ask``), and their replies.

Unlike the durable messages in ``messages.py`` these live only in memory, for the time a
caller waits: the gateway asking reservation, reservation asking payment. Anything that
must survive a crash is recorded by the service that handles the request, in its own
database, before it replies.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from backend.tender import CheckedCard

# --- to reservation ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class HoldSeats:
    """Hold seats; with ``replaces``, give that hold's seats back in the same transaction."""

    show_id: str
    seats: tuple[str, ...]
    replaces: str | None = None


@dataclass(frozen=True, slots=True)
class ReleaseHold:
    hold_id: str


@dataclass(frozen=True, slots=True)
class BookSeats:
    """Sell a hold: create the booking, take payment, report the outcome."""

    hold_id: str
    tickets: tuple[tuple[str, int], ...]
    method: str
    card: CheckedCard | None = field(default=None, repr=False)
    cash_tendered: int | None = None
    phone: str | None = None


@dataclass(frozen=True, slots=True)
class CancelBooking:
    code: str


@dataclass(frozen=True, slots=True)
class BlockSeats:
    """To the cinema: take seats of a show out of service (or back, with ``blocked=False``)."""

    show_id: str
    seats: tuple[str, ...]
    blocked: bool = True


@dataclass(frozen=True, slots=True)
class CancelShow:
    """To the cinema: the show will not run; paid bookings for it are rejected."""

    show_id: str


# --- to payment -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Authorize:
    """Take ``amount`` for a booking; the booking id is the idempotency key."""

    idempotency_key: str
    booking_id: str
    amount: int
    method: str
    card: CheckedCard | None = field(default=None, repr=False)
    cash_tendered: int | None = None


@dataclass(frozen=True, slots=True)
class ResolvePayment:
    """What became of the payment with this key? Voids it if it never arrived."""

    idempotency_key: str
    booking_id: str


@dataclass(frozen=True, slots=True)
class PaymentOutcome:
    """Payment's answer: captured, declined, or voided (never arrived; now refused)."""

    status: str
    payment_id: str | None = None
    reason: str | None = None
    brand: str | None = None
    last4: str | None = None
    change: int | None = None
