"""The message types services exchange: the one contract between them.

This module is the only thing services share: no service imports another's code or
reads another's tables. The types come in two families, kept apart so the rules about
receivers can be checked (``tests/test_message_contract.py``):

* a ``Command`` is imperative (``RequestRefund``) and has exactly one receiver, the
  service asked to do it;
* an ``Event`` is past tense (``BookingPaid``): something happened, and any number of
  services may want to know.

Who receives a type is not written here: it is whoever handles it (a service method
marked ``@handles(BookingPaid)``, see ``handlers.py``), and ``routes.ROUTES`` derives the
table from those marks. A type is stored in the journal under its class name, so a
class keeps its name for as long as data written with it may be read (the journal on
disk, the v0.1.0 fixture).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

RESERVATION = "reservation"
PAYMENT = "payment"
CINEMA = "cinema"
INFORMATION = "information"
SERVICES = (RESERVATION, PAYMENT, CINEMA, INFORMATION)


class Message:
    """Marker base of every durable message payload (a ``Command`` or an ``Event``)."""


class Command(Message):
    """An order to one service: imperative, exactly one receiver."""


class Event(Message):
    """A fact one service announces: past tense, any number of receivers."""


_REGISTRY: dict[str, type[Message]] = {}


def register(cls: type[Message]) -> type[Message]:
    """Class decorator: make a message type known by its name (for reading the journal)."""
    if not (issubclass(cls, Command) or issubclass(cls, Event)):
        raise TypeError(f"{cls.__name__} must be a Command or an Event")
    _REGISTRY[cls.__name__] = cls
    return cls


def message_class(name: str) -> type[Message]:
    """The message type stored under ``name``; KeyError for an unknown type."""
    return _REGISTRY[name]


def message_types() -> tuple[type[Message], ...]:
    """Every message type, in the order they are declared here."""
    return tuple(_REGISTRY.values())


def is_message_type(cls: object) -> bool:
    """Is ``cls`` one of the registered message types (not merely a subclass of one)?"""
    return isinstance(cls, type) and _REGISTRY.get(cls.__name__) is cls


# --- reservation ------------------------------------------------------------------------


@register
@dataclass(frozen=True, slots=True)
class SeatsHeld(Event):
    """A clerk took a hold on seats; they are unavailable until sold, released or expired."""

    hold_id: str
    show_id: str
    seats: list[str]
    expires_at: str


@register
@dataclass(frozen=True, slots=True)
class HoldReleased(Event):
    """A hold ended without a sale (released by the clerk, or expired)."""

    hold_id: str
    show_id: str
    seats: list[str]
    reason: str


@register
@dataclass(frozen=True, slots=True)
class BookingRequested(Event):
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
class BookingPaid(Event):
    """Payment for a booking was captured; the cinema is asked to confirm its seats."""

    booking_id: str
    code: str
    show_id: str
    seats: list[str]
    amount: int
    payment_id: str


@register
@dataclass(frozen=True, slots=True)
class BookingFailed(Event):
    """A booking ended before any money was kept (declined, voided, hold lost)."""

    booking_id: str
    code: str
    reason: str


@register
@dataclass(frozen=True, slots=True)
class BookingCompleted(Event):
    """The cinema confirmed the seats of a paid booking: the sale is final."""

    booking_id: str
    code: str
    show_id: str
    seats: list[str]
    tickets: list[str]


@register
@dataclass(frozen=True, slots=True)
class RequestRefund(Command):
    """Command to payment: give back the money of a booking (cancel or compensation)."""

    booking_id: str
    code: str
    reason: str


@register
@dataclass(frozen=True, slots=True)
class CancellationRequested(Event):
    """The clerk asked to cancel a booking; refund and release follow."""

    booking_id: str
    code: str


@register
@dataclass(frozen=True, slots=True)
class ReleaseSeats(Command):
    """Command to the cinema: take back the seats of a refunded booking."""

    booking_id: str
    code: str
    show_id: str
    seats: list[str]


@register
@dataclass(frozen=True, slots=True)
class BookingCancelled(Event):
    """Refund done and seats released: the booking is cancelled."""

    booking_id: str
    code: str
    show_id: str
    seats: list[str]


@register
@dataclass(frozen=True, slots=True)
class BookingRejected(Event):
    """The cinema refused a paid booking; the money is refunded and the seats freed."""

    booking_id: str
    code: str
    show_id: str
    seats: list[str]
    reason: str


@register
@dataclass(frozen=True, slots=True)
class PaymentOutcomeUnknown(Event):
    """Payment did not answer in time; the outcome is being reconciled by its key."""

    booking_id: str
    code: str


# --- payment ----------------------------------------------------------------------------


@register
@dataclass(frozen=True, slots=True)
class PaymentCaptured(Event):
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
class PaymentRefused(Event):
    """A payment attempt for a booking was declined or voided; nothing was taken."""

    booking_id: str
    reason: str


@register
@dataclass(frozen=True, slots=True)
class PaymentRefunded(Event):
    """The money of a booking was given back."""

    booking_id: str
    payment_id: str | None
    amount: int
    reason: str


# --- cinema -----------------------------------------------------------------------------


@register
@dataclass(frozen=True, slots=True)
class SeatsConfirmed(Event):
    """The cinema issued tickets for a paid booking's seats."""

    booking_id: str
    show_id: str
    seats: list[str]
    tickets: list[str] = field(default_factory=list)


@register
@dataclass(frozen=True, slots=True)
class SeatsRejected(Event):
    """The cinema refused a paid booking (cancelled show, blocked seat...)."""

    booking_id: str
    show_id: str
    seats: list[str]
    reason: str


@register
@dataclass(frozen=True, slots=True)
class SeatsReleased(Event):
    """The cinema took back a booking's seats (cancellation)."""

    booking_id: str
    show_id: str
    seats: list[str]


@register
@dataclass(frozen=True, slots=True)
class SeatsBlocked(Event):
    """The cinema took seats of a show out of service (``blocked``) or back into it."""

    show_id: str
    seats: list[str]
    blocked: bool = True


@register
@dataclass(frozen=True, slots=True)
class ShowClosed(Event):
    """A show long over was closed: reservation deleted its holds and seat claims, and the
    seat view may keep no rows for it either (its seat map is its sold bookings').
    See ``backend/services/reservation/closing.py``."""

    show_id: str


def __getattr__(name: str) -> Any:
    """``ROUTES`` is derived from the services' handlers (``routes.py``), which import this
    module: it is looked up there on first use, so importing a message stays cheap."""
    if name == "ROUTES":
        from backend.messaging.routes import ROUTES

        return ROUTES
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
