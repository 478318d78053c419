"""Payment's tables. Only brand and last four digits of a card are ever stored."""

from __future__ import annotations

from sqlalchemy import Table
from sqlmodel import Field, SQLModel


class PaymentRow(SQLModel, table=True):
    """One payment attempt for one booking; the idempotency key makes it unique."""

    __tablename__ = "payments"
    id: str = Field(primary_key=True)
    idempotency_key: str = Field(unique=True)
    booking_id: str = Field(index=True)
    method: str  # card | cash | none (voided before it arrived)
    amount: int
    status: str  # captured | declined | voided | refunded
    reason: str | None = None
    brand: str | None = None
    last4: str | None = None
    tendered: int | None = None
    change: int | None = None
    created_at: float
    refunded_at: float | None = None
    refund_reason: str | None = None


PAYMENTS: Table = PaymentRow.__table__  # type: ignore[assignment]
