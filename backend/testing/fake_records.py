"""What ``FakeOffice`` remembers, in plain memory: holds, bookings, the timeline, services.

The real box office keeps these in four databases and tells its services about changes
by durable messages. The fake keeps one copy of each and, where a screen can see the
difference (a stopped cinema leaves a sale at PAID), carries the same steps between its
four pretend services as ``Mail`` that waits while its receiver is stopped.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from datetime import datetime

from backend.errors import ServiceUnavailable
from backend.messaging.messages import Message
from backend.views import TimelineStep


@dataclass
class FakeHold:
    """Seats set aside: ``active`` until booked, released or expired."""

    id: str
    show_id: str
    seats: tuple[str, ...]
    expires_at: datetime
    state: str = "active"  # active | booked | released | expired | rejected | cancelled
    #: The booking whose payment is being decided on this hold (None: none running).
    booking_id: str | None = None


@dataclass
class FakeBooking:
    """A booking as the write side and the view (one and the same here) know it."""

    id: str
    code: str
    hold_id: str
    show_id: str
    seats: tuple[str, ...]
    tickets: dict[str, int]
    amount: int
    phone: str | None
    method: str
    created_at: datetime
    updated_at: datetime
    status: str = "PAYMENT_PENDING"
    brand: str | None = None
    last4: str | None = None
    change: int | None = None
    reason: str | None = None
    payment_id: str | None = None
    ticket_numbers: tuple[str, ...] = ()
    refunded_amount: int = 0
    completed_at: datetime | None = None


@dataclass
class FakeService:
    """One of the four services: its state and counters, as ``health()`` shows them."""

    name: str
    state: str = "stopped"  # ready | stopped | restarting (as the real actors' states)
    handled: int = 0
    restarts: int = 0
    last_error: str | None = None

    @property
    def ready(self) -> bool:
        return self.state == "ready"

    def unavailable(self) -> ServiceUnavailable:
        """The real actors' refusal, word for word (``Actor.unavailable``)."""
        if self.state == "stopped":
            return ServiceUnavailable(
                f"The {self.name} service was stopped by an operator; start it again on the "
                "Ops screen (F5, then g).",
                key="service.stopped", service=self.name, state=self.state,
            )
        return ServiceUnavailable(
            f"The {self.name} service is {self.state}; try again in a moment.",
            key="service.down", service=self.name, state=self.state,
        )


@dataclass
class Mail:
    """A step one service asks of another; it waits while the receiver is not ready."""

    sender: str
    receiver: str
    apply: Callable[[], None]


@dataclass
class Timeline:
    """Every step of every saga, by correlation id (a booking id or a hold id)."""

    steps: dict[str, list[tuple[int, TimelineStep]]] = field(default_factory=dict)
    count: int = 0

    def add(self, now: datetime, message: Message, service: str, correlation_id: str,
            causation_id: str | None = None) -> str:
        """Record ``message`` as the information view would; returns its message id."""
        message_id = uuid.uuid4().hex
        data = {f.name: getattr(message, f.name) for f in fields(message)}  # type: ignore[arg-type]
        step = TimelineStep(
            at=now, step=type(message).__name__, service=service,
            correlation_id=correlation_id, causation_id=causation_id,
            message_id=message_id, data=data,
        )
        self.count += 1
        self.steps.setdefault(correlation_id, []).append((self.count, step))
        return message_id

    def of(self, *correlation_ids: str | None) -> list[TimelineStep]:
        """The steps of these sagas by time, then in the order they were recorded."""
        found = [s for c in correlation_ids if c for s in self.steps.get(c, ())]
        found.sort(key=lambda pair: (pair[1].at, pair[0]))
        return [step for _, step in found]
