"""The information service's views: denormalised tables made for reading.

They are written only by message handlers and read by the app; nothing else writes
them and they can be rebuilt from the other services' journals. A booking's status
here only moves forward (``status_rank``), whatever order the messages arrive in.
"""

from __future__ import annotations

from sqlalchemy import LargeBinary, Table
from sqlmodel import Field, SQLModel


class BookingViewRow(SQLModel, table=True):
    """A booking with everything the history screen shows."""

    __tablename__ = "info_bookings"
    booking_id: str = Field(primary_key=True)
    code: str | None = Field(default=None, index=True)
    hold_id: str | None = None
    show_id: str | None = Field(default=None, index=True)
    seats: str = "[]"
    tickets: str = "{}"
    amount: int = 0
    phone: str | None = Field(default=None, index=True)
    method: str | None = None
    brand: str | None = None
    last4: str | None = None
    change: int | None = None
    reason: str | None = None
    ticket_numbers: str = "[]"
    refunded_amount: int = 0
    status: str = "PAYMENT_PENDING"
    status_rank: int = 0
    completed_at: float | None = None
    created_at: float = Field(default=0.0, index=True)
    updated_at: float = 0.0


class TimelineRow(SQLModel, table=True):
    """One step of a saga, as the message that reported it."""

    __tablename__ = "info_timeline"
    seq: int | None = Field(default=None, primary_key=True)
    message_id: str = Field(unique=True)
    correlation_id: str = Field(index=True)
    causation_id: str | None = None
    step: str
    service: str
    at: float
    data: str


class TimelineArchiveRow(SQLModel, table=True):
    """A resting booking's old steps (its hold's too), folded into one compressed row.

    Seven rows a booking, each with its own index entries, cost more disk than anything
    else once the journals are compacted; folded they cost a few hundred bytes. See
    ``backend/services/information/archive.py``.
    """

    __tablename__ = "info_timeline_archive"
    correlation_id: str = Field(primary_key=True)  # the booking id
    steps: bytes = Field(sa_type=LargeBinary, nullable=False)  # zlib(JSON list of rows)
    archived_at: float


class SeatViewRow(SQLModel, table=True):
    """A seat that is not free: held by a hold or sold to a booking."""

    __tablename__ = "info_seats"
    show_id: str = Field(primary_key=True)
    seat: str = Field(primary_key=True)
    state: str  # held | sold | free (a free row remembers which news freed it)
    ref: str = Field(index=True)  # hold id while held, booking id once sold
    seq: int = 0  # reservation's outbox position of the news applied last


class BlockedSeatViewRow(SQLModel, table=True):
    """A seat the cinema took out of service for a show."""

    __tablename__ = "info_blocked_seats"
    show_id: str = Field(primary_key=True)
    seat: str = Field(primary_key=True)


class ClosedShowViewRow(SQLModel, table=True):
    """A show reservation closed: its seat rows are gone and its seat map is read from
    its sold bookings (information revision 5, ``closed_shows.py``)."""

    __tablename__ = "info_closed_shows"
    show_id: str = Field(primary_key=True)
    closed_at: float


BLOCKED_VIEW: Table = BlockedSeatViewRow.__table__  # type: ignore[assignment]
BOOKING_VIEW: Table = BookingViewRow.__table__  # type: ignore[assignment]
TIMELINE: Table = TimelineRow.__table__  # type: ignore[assignment]
TIMELINE_ARCHIVE: Table = TimelineArchiveRow.__table__  # type: ignore[assignment]
SEAT_VIEW: Table = SeatViewRow.__table__  # type: ignore[assignment]
CLOSED_SHOWS: Table = ClosedShowViewRow.__table__  # type: ignore[assignment]
