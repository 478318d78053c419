"""What the gateway returns: plain, immutable rows the app can show without logic.

These are the read side's row types. The Textual app, the SSH command mode and tests
know them; none of them knows a table or a query.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class HoldInfo:
    """Seats set aside until ``expires_at`` (UTC)."""

    id: str
    show_id: str
    seats: tuple[str, ...]
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class TimelineStep:
    """One thing that happened to a booking, as the services reported it."""

    at: datetime
    step: str  # the message type, e.g. "PaymentCaptured"
    service: str
    correlation_id: str
    causation_id: str | None
    message_id: str
    data: dict[str, Any] = field(default_factory=dict, compare=False)


@dataclass(frozen=True, slots=True)
class Booking:
    """A booking as the clerk sees it."""

    id: str
    code: str
    status: str
    show_id: str
    title: str
    title_en: str
    hall: str
    hall_en: str
    starts_at: datetime | None
    seats: tuple[str, ...]
    tickets: dict[str, int]
    amount: int
    phone: str | None
    method: str
    brand: str | None = None
    last4: str | None = None
    change: int | None = None
    reason: str | None = None
    ticket_numbers: tuple[str, ...] = ()
    refunded_amount: int = 0
    hold_id: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    timeline: tuple[TimelineStep, ...] = ()

    @property
    def correlation_id(self) -> str:
        """Every message of this booking's saga carries this id."""
        return self.id


@dataclass(frozen=True, slots=True)
class ShowtimeSummary:
    """One show in the programme with how full it is."""

    id: str
    film_id: str
    title: str
    title_en: str
    rating: str
    runtime_min: int
    hall_id: str
    hall: str
    hall_en: str
    starts_at: datetime
    ends_at: datetime
    capacity: int
    seats_free: int
    seats_held: int
    seats_sold: int
    #: False while the history view is not up yet: the counts are then only capacity.
    counts_known: bool = True


@dataclass(frozen=True, slots=True)
class SeatState:
    """One seat on a seat map."""

    label: str
    row: str
    number: int
    kind: str  # standard | premium | wheelchair
    column: int
    row_index: int
    state: str  # free | held | sold | blocked


@dataclass(frozen=True, slots=True)
class SeatMap:
    """Every seat of a show's hall with its state."""

    show_id: str
    hall_id: str
    width: int
    rows: tuple[str, ...]
    seats: tuple[SeatState, ...]

    def count(self, state: str) -> int:
        return sum(1 for s in self.seats if s.state == state)

    def seat(self, label: str) -> SeatState | None:
        label = label.upper()
        return next((s for s in self.seats if s.label == label), None)


@dataclass(frozen=True, slots=True)
class ServiceHealth:
    """How one service is doing."""

    name: str
    state: str  # running states: ready; else starting, stopped, restarting, failed
    ready: bool
    mailbox_depth: int
    handled: int
    restarts: int
    last_error: str | None
    pending_deliveries: int | None = None
    #: stopped by ``stop_service`` (an operator): it stays stopped until started, unlike a
    #: service stopped for a moment between a supervisor's restart attempts
    stopped_by_operator: bool = False
    #: while its database server is not answering: the sentence the last attempt got
    #: (the service itself is up, and retries by itself); None when all is well
    database_unreachable: str | None = None


@dataclass(frozen=True, slots=True)
class SalesDay:
    """Sales of one day (by sale time, cinema time zone)."""

    day: str
    bookings: int
    tickets: int
    amount: int
    refunded: int

    @property
    def net(self) -> int:
        """What the day's sales leave after refunds."""
        return self.amount - self.refunded
