"""Turning the services' rows into the ``Booking`` the gateway returns.

Two sources describe a booking: the information view (with its timeline) and, when the
view has not caught up or is down, reservation's own row. Both become the same
``Booking``, with the film and hall names from the catalog.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from backend.catalog import Catalog
from backend.errors import BoxOfficeError
from backend.messaging.requests import BookingRecord
from backend.runtime.clock import from_epoch
from backend.views import Booking, TimelineStep


class BookingRows:
    """Builds ``Booking`` values from reservation's records or view rows."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog

    def titles(self, show_id: str | None) -> dict[str, Any]:
        try:
            show = self.catalog.showtime(show_id or "")
        except BoxOfficeError:
            return {"title": "?", "title_en": "?", "hall": "?", "hall_en": "?", "starts_at": None}
        return {
            "title": show.film.title_ko,
            "title_en": show.film.title_en,
            "hall": show.hall.name_ko,
            "hall_en": show.hall.name_en,
            "starts_at": show.starts_at,
        }

    def from_write_side(self, d: BookingRecord) -> Booking:
        return Booking(
            id=d.id,
            code=d.code,
            status=d.status,
            show_id=d.show_id,
            seats=tuple(d.seats),
            tickets=dict(d.tickets),
            amount=d.amount,
            phone=d.phone,
            method=d.method,
            brand=d.brand,
            last4=d.last4,
            change=d.change,
            reason=d.reason,
            ticket_numbers=tuple(d.ticket_numbers),
            hold_id=d.hold_id,
            created_at=d.created_at,
            updated_at=d.updated_at,
            **self.titles(d.show_id),
        )

    def from_view(self, row: Any, steps: Iterable[Any]) -> Booking:
        return Booking(
            id=row.booking_id,
            code=row.code or "",
            status=row.status,
            show_id=row.show_id or "",
            seats=tuple(json.loads(row.seats)),
            tickets=json.loads(row.tickets),
            amount=row.amount,
            phone=row.phone,
            method=row.method or "",
            brand=row.brand,
            last4=row.last4,
            change=row.change,
            reason=row.reason,
            ticket_numbers=tuple(json.loads(row.ticket_numbers)),
            refunded_amount=row.refunded_amount,
            hold_id=row.hold_id,
            created_at=from_epoch(row.created_at),
            updated_at=from_epoch(row.updated_at),
            timeline=self.causal_order([
                TimelineStep(
                    at=from_epoch(s.at),
                    step=s.step,
                    service=s.service,
                    correlation_id=s.correlation_id,
                    causation_id=s.causation_id,
                    message_id=s.message_id,
                    data=json.loads(s.data),
                )
                for s in steps
            ]),
            **self.titles(row.show_id),
        )

    @staticmethod
    def causal_order(steps: list[TimelineStep]) -> tuple[TimelineStep, ...]:
        """Steps by time, but never before the step that caused them (same-instant ties)."""
        placed: list[TimelineStep] = []
        seen: set[str] = set()
        waiting = list(steps)
        while waiting:
            for i, step in enumerate(waiting):
                cause = step.causation_id
                if cause is None or cause in seen or all(s.message_id != cause for s in waiting):
                    placed.append(waiting.pop(i))
                    seen.add(step.message_id)
                    break
            else:  # a cycle cannot happen, but never loop forever
                placed.extend(waiting)
                break
        return tuple(placed)
