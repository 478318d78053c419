"""Requests that expect a reply (``ask``), and their replies.

Unlike the durable messages in ``messages.py`` these live only in memory, for the time a
caller waits: the office asking reservation or the cinema, reservation asking payment.
Anything that must survive a crash is recorded by the service that handles the request,
in its own database, before it replies.

Each reply is a frozen dataclass defined beside its request, so the caller reads named
fields its type checker knows (``reply.expires_at``) instead of digging in a dict whose
keys only the service knew, and cannot change what the service handed back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from backend.tender import CheckedCard

# --- to reservation ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class HoldSeats:
    """Hold seats; with ``replaces``, give that hold's seats back in the same transaction.

    Replies ``HoldTaken``."""

    show_id: str
    seats: tuple[str, ...]
    replaces: str | None = None


@dataclass(frozen=True, slots=True)
class HoldTaken:
    """Reply to ``HoldSeats``: the new hold, its seats (hall labels) and when it lapses."""

    id: str
    show_id: str
    seats: tuple[str, ...]
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class ReleaseHold:
    """Give a hold's seats back. Replies ``HoldFreed``."""

    hold_id: str


@dataclass(frozen=True, slots=True)
class HoldFreed:
    """Reply to ``ReleaseHold``: ``show_id`` is None when the hold had ended already."""

    hold_id: str
    show_id: str | None


@dataclass(frozen=True, slots=True)
class BookSeats:
    """Sell a hold: create the booking, take payment, report the outcome.

    Replies ``BookingRecord`` (status PAID); a refusal is raised, not replied.

    ``seat_types`` (seat label -> ticket type, as the clerk chose them; None: deal
    ``tickets`` over the hold's seats in hold order) makes the booking store its seats
    in the order that deals each its type (``backend.pricing.hold_seat_types``)."""

    hold_id: str
    tickets: tuple[tuple[str, int], ...]
    method: str
    card: CheckedCard | None = field(default=None, repr=False)
    cash_tendered: int | None = None
    phone: str | None = None
    seat_types: tuple[tuple[str, str], ...] | None = None


@dataclass(frozen=True, slots=True)
class CancelBooking:
    """Start cancelling a booking (refund, then release). Replies ``BookingRecord``."""

    code: str


@dataclass(frozen=True, slots=True)
class BookingRecord:
    """Reservation's own record of a booking: the reply to ``BookSeats`` and
    ``CancelBooking``, and what ``booking_by_code`` and ``wait_for_status`` return.

    Fresher than the information view (which follows it by messages), so it is what a
    caller reads right after a change, or when the view is down.
    """

    id: str
    code: str
    hold_id: str
    show_id: str
    seats: tuple[str, ...]
    tickets: tuple[tuple[str, int], ...]
    amount: int
    phone: str | None
    method: str
    status: str
    version: int
    reason: str | None
    payment_id: str | None
    brand: str | None
    last4: str | None
    change: int | None
    refunded: bool
    ticket_numbers: tuple[str, ...]
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class BlockSeats:
    """To the cinema: take seats of a show out of service (or back, with ``blocked=False``).

    Replies ``BlockApplied``."""

    show_id: str
    seats: tuple[str, ...]
    blocked: bool = True


@dataclass(frozen=True, slots=True)
class BlockApplied:
    """Reply to ``BlockSeats``: the seats (as the hall labels them) now (un)blocked."""

    show_id: str
    seats: tuple[str, ...]
    blocked: bool


@dataclass(frozen=True, slots=True)
class CancelShow:
    """To the cinema: the show will not run; paid bookings for it are rejected.

    Replies None: there is nothing to report beyond having done it."""

    show_id: str


# --- to payment -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Authorize:
    """Take ``amount`` for a booking; the booking id is the idempotency key.

    Replies ``PaymentOutcome``."""

    idempotency_key: str
    booking_id: str
    amount: int
    method: str
    card: CheckedCard | None = field(default=None, repr=False)
    cash_tendered: int | None = None


@dataclass(frozen=True, slots=True)
class ResolvePayment:
    """What became of the payment with this key? Voids it if it never arrived.

    Replies ``PaymentOutcome``."""

    idempotency_key: str
    booking_id: str


@dataclass(frozen=True, slots=True)
class PaymentOutcome:
    """Reply to ``Authorize`` and ``ResolvePayment``: captured, declined, or voided (never
    arrived; now refused)."""

    status: str
    payment_id: str | None = None
    reason: str | None = None
    brand: str | None = None
    last4: str | None = None
    change: int | None = None
