"""Reservation's tables.

``seat_claims`` is what stops a seat being sold twice: its primary key is (show, seat),
so two holds of one seat cannot both be written, in one process or many. A claim
belongs to a hold, and to the booking made on that hold while the booking runs.
"""

from __future__ import annotations

from sqlalchemy import Index, Table, text
from sqlmodel import Field, SQLModel


class HoldRow(SQLModel, table=True):
    """Seats set aside for a clerk's customer until ``expires_at``.

    Only the active holds are indexed by expiry (reservation revision 4): the sweep looks
    for those, and the booked, released and expired ones, every hold ever made, would
    make it walk the whole history.
    """

    __tablename__ = "holds"
    __table_args__ = (
        Index("ix_holds_active_expires_at", "expires_at",
              sqlite_where=text("state = 'active'"), postgresql_where=text("state = 'active'")),
    )
    id: str = Field(primary_key=True)
    show_id: str = Field(index=True)
    seats: str  # JSON list of labels
    state: str  # active | booked | released | expired
    booking_id: str | None = None  # the booking running on this hold, if any
    created_at: float
    expires_at: float


class SeatClaimRow(SQLModel, table=True):
    """One seat of one show, taken by a hold (and its booking)."""

    __tablename__ = "seat_claims"
    show_id: str = Field(primary_key=True)
    seat: str = Field(primary_key=True)
    hold_id: str = Field(index=True)
    booking_id: str | None = Field(default=None, index=True)
    state: str  # held | sold


class BookingRow(SQLModel, table=True):
    """A booking and where its saga stands; ``version`` guards every transition."""

    __tablename__ = "bookings"
    id: str = Field(primary_key=True)
    code: str = Field(unique=True)
    hold_id: str
    show_id: str
    seats: str  # JSON list
    tickets: str  # JSON {type: count}
    amount: int
    phone: str | None = None  # not indexed: a customer's history is information's
    method: str
    status: str = Field(index=True)
    version: int = 1
    reason: str | None = None
    payment_id: str | None = None
    brand: str | None = None
    last4: str | None = None
    change: int | None = None
    refunded: bool = False
    ticket_numbers: str | None = None  # JSON list, once the cinema confirmed
    created_at: float
    updated_at: float


class OutOfServiceSeatRow(SQLModel, table=True):
    """A seat the cinema took out of service for a show (learned from its messages)."""

    __tablename__ = "reservation_blocked_seats"
    show_id: str = Field(primary_key=True)
    seat: str = Field(primary_key=True)


class ClosedShowRow(SQLModel, table=True):
    """A show long over whose holds and seat claims were deleted (reservation revision 5).

    The auditor reads it: a closed show's bookings own no claims, and that is right.
    See ``backend/services/reservation/closing.py``.
    """

    __tablename__ = "closed_shows"
    show_id: str = Field(primary_key=True)
    closed_at: float


OUT_OF_SERVICE: Table = OutOfServiceSeatRow.__table__  # type: ignore[assignment]
HOLDS: Table = HoldRow.__table__  # type: ignore[assignment]
SEAT_CLAIMS: Table = SeatClaimRow.__table__  # type: ignore[assignment]
BOOKINGS: Table = BookingRow.__table__  # type: ignore[assignment]
CLOSED_SHOWS: Table = ClosedShowRow.__table__  # type: ignore[assignment]
