"""The message types services exchange, and who receives each.

This module is the only thing services share: no service imports another's code or
reads another's tables. Commands are imperative (``RequestRefund``) and have exactly one
receiver; events are past tense (``BookingPaid``) and may have several. ``ROUTES`` is the
subscription table the journal consults when a message is emitted, so deliveries are
decided in the same transaction as the state change that produced them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

RESERVATION = "reservation"
PAYMENT = "payment"
CINEMA = "cinema"
INFORMATION = "information"
SERVICES = (RESERVATION, PAYMENT, CINEMA, INFORMATION)


class Message:
    """Marker base of every durable message payload."""


_REGISTRY: dict[str, type[Message]] = {}


def register(cls: type[Message]) -> type[Message]:
    """Class decorator: make a message type known by its name (for reading the journal)."""
    _REGISTRY[cls.__name__] = cls
    return cls


def message_class(name: str) -> type[Message]:
    """The message type stored under ``name``; KeyError for an unknown type."""
    return _REGISTRY[name]


# --- reservation ------------------------------------------------------------------------


@register
@dataclass(frozen=True, slots=True)
class SeatsHeld(Message):
    """A clerk took a hold on seats; they are unavailable until sold, released or expired."""

    hold_id: str
    show_id: str
    seats: list[str]
    expires_at: str


@register
@dataclass(frozen=True, slots=True)
class HoldReleased(Message):
    """A hold ended without a sale (released by the clerk, or expired)."""

    hold_id: str
    show_id: str
    seats: list[str]
    reason: str


@register
@dataclass(frozen=True, slots=True)
class BookingRequested(Message):
    """A booking was started on a hold and is waiting for payment."""

    booking_id: str
    code: str
    hold_id: str
    show_id: str
    seats: list[str]
    tickets: dict[str, int]
    amount: int
    phone: str | None
    method: str


@register
@dataclass(frozen=True, slots=True)
class BookingPaid(Message):
    """Payment for a booking was captured; the cinema is asked to confirm its seats."""

    booking_id: str
    code: str
    show_id: str
    seats: list[str]
    amount: int
    payment_id: str


@register
@dataclass(frozen=True, slots=True)
class BookingFailed(Message):
    """A booking ended before any money was kept (declined, voided, hold lost)."""

    booking_id: str
    code: str
    reason: str


@register
@dataclass(frozen=True, slots=True)
class BookingCompleted(Message):
    """The cinema confirmed the seats of a paid booking: the sale is final."""

    booking_id: str
    code: str
    show_id: str
    seats: list[str]
    tickets: list[str]


@register
@dataclass(frozen=True, slots=True)
class RequestRefund(Message):
    """Command to payment: give back the money of a booking (cancel or compensation)."""

    booking_id: str
    code: str
    reason: str


@register
@dataclass(frozen=True, slots=True)
class CancellationRequested(Message):
    """The clerk asked to cancel a booking; refund and release follow."""

    booking_id: str
    code: str


@register
@dataclass(frozen=True, slots=True)
class ReleaseSeats(Message):
    """Command to the cinema: take back the seats of a refunded booking."""

    booking_id: str
    code: str
    show_id: str
    seats: list[str]


@register
@dataclass(frozen=True, slots=True)
class BookingCancelled(Message):
    """Refund done and seats released: the booking is cancelled."""

    booking_id: str
    code: str
    show_id: str
    seats: list[str]


@register
@dataclass(frozen=True, slots=True)
class BookingRejected(Message):
    """The cinema refused a paid booking; the money is refunded and the seats freed."""

    booking_id: str
    code: str
    show_id: str
    seats: list[str]
    reason: str


@register
@dataclass(frozen=True, slots=True)
class PaymentOutcomeUnknown(Message):
    """Payment did not answer in time; the outcome is being reconciled by its key."""

    booking_id: str
    code: str


# --- payment ----------------------------------------------------------------------------


@register
@dataclass(frozen=True, slots=True)
class PaymentCaptured(Message):
    """Money was taken for a booking."""

    booking_id: str
    payment_id: str
    amount: int
    method: str
    brand: str | None = None
    last4: str | None = None
    tendered: int | None = None
    change: int | None = None


@register
@dataclass(frozen=True, slots=True)
class PaymentRefused(Message):
    """A payment attempt for a booking was declined or voided; nothing was taken."""

    booking_id: str
    reason: str


@register
@dataclass(frozen=True, slots=True)
class PaymentRefunded(Message):
    """The money of a booking was given back."""

    booking_id: str
    payment_id: str | None
    amount: int
    reason: str


# --- cinema -----------------------------------------------------------------------------


@register
@dataclass(frozen=True, slots=True)
class SeatsConfirmed(Message):
    """The cinema issued tickets for a paid booking's seats."""

    booking_id: str
    show_id: str
    seats: list[str]
    tickets: list[str] = field(default_factory=list)


@register
@dataclass(frozen=True, slots=True)
class SeatsRejected(Message):
    """The cinema refused a paid booking (cancelled show, blocked seat...)."""

    booking_id: str
    show_id: str
    seats: list[str]
    reason: str


@register
@dataclass(frozen=True, slots=True)
class SeatsReleased(Message):
    """The cinema took back a booking's seats (cancellation)."""

    booking_id: str
    show_id: str
    seats: list[str]


@register
@dataclass(frozen=True, slots=True)
class SeatsBlocked(Message):
    """The cinema took seats of a show out of service (``blocked``) or back into it."""

    show_id: str
    seats: list[str]
    blocked: bool = True


#: Who receives each message type. Decided at emit time and written with the message.
ROUTES: dict[str, tuple[str, ...]] = {
    "SeatsHeld": (INFORMATION,),
    "HoldReleased": (INFORMATION,),
    "BookingRequested": (INFORMATION,),
    "BookingPaid": (CINEMA, INFORMATION),
    "BookingFailed": (INFORMATION,),
    "BookingCompleted": (INFORMATION,),
    "RequestRefund": (PAYMENT,),
    "CancellationRequested": (INFORMATION,),
    "ReleaseSeats": (CINEMA,),
    "BookingCancelled": (INFORMATION,),
    "BookingRejected": (INFORMATION,),
    "PaymentCaptured": (INFORMATION,),
    "PaymentRefused": (INFORMATION,),
    "PaymentRefunded": (RESERVATION, INFORMATION),
    "SeatsConfirmed": (RESERVATION, INFORMATION),
    "SeatsRejected": (RESERVATION, INFORMATION),
    "SeatsReleased": (RESERVATION, INFORMATION),
    "SeatsBlocked": (RESERVATION, INFORMATION),
    "PaymentOutcomeUnknown": (INFORMATION,),
}
