"""The cinema's tables: tickets issued, its view of each booking, seats out of service."""

from __future__ import annotations

from sqlalchemy import Table
from sqlmodel import Field, SQLModel


class TicketRow(SQLModel, table=True):
    """A ticket for one seat of one show; a seat has at most one ticket (the key).

    The ticket number (the booking's code and the seat) is not a key: nothing looks a
    ticket up by it, and as one it wrote a page anywhere in its index for every ticket
    issued (cinema revision 4).
    """

    __tablename__ = "cinema_tickets"
    show_id: str = Field(primary_key=True)
    seat: str = Field(primary_key=True)
    ticket_no: str
    booking_id: str = Field(index=True)
    issued_at: float


class CinemaBookingRow(SQLModel, table=True):
    """What the cinema decided for a booking: confirmed, rejected or released."""

    __tablename__ = "cinema_bookings"
    booking_id: str = Field(primary_key=True)
    show_id: str
    state: str
    reason: str | None = None
    updated_at: float


class BlockedSeatRow(SQLModel, table=True):
    """A seat taken out of service for a show by the cinema (beyond the hall's plan)."""

    __tablename__ = "cinema_blocked_seats"
    show_id: str = Field(primary_key=True)
    seat: str = Field(primary_key=True)
    blocked_at: float


class CancelledShowRow(SQLModel, table=True):
    """A show the cinema will not run."""

    __tablename__ = "cinema_cancelled_shows"
    show_id: str = Field(primary_key=True)
    cancelled_at: float


TICKETS: Table = TicketRow.__table__  # type: ignore[assignment]
CINEMA_BOOKINGS: Table = CinemaBookingRow.__table__  # type: ignore[assignment]
BLOCKED_SEATS: Table = BlockedSeatRow.__table__  # type: ignore[assignment]
CANCELLED_SHOWS: Table = CancelledShowRow.__table__  # type: ignore[assignment]
