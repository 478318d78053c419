"""Seat holds: seats set aside for a clerk's customer until they expire.

A hold is written as one claim per seat; the claims' key (show, seat) is what makes two
holds of one seat impossible, across processes. A hold whose time ran out is freed by
whoever next wants its seats, or by the sweeper, whichever comes first.
"""

from __future__ import annotations

import json
from typing import Any

from backend.catalog import Catalog
from backend.errors import InvalidInput, SeatUnavailable
from backend.ids import time_ordered_hex
from backend.messaging.journal import Tx, from_epoch
from backend.messaging.messages import HoldReleased, SeatsHeld
from backend.messaging.requests import HoldFreed, HoldSeats, HoldTaken
from backend.runtime.clock import Clock
from backend.services.reservation import queries as q
from backend.services.reservation import refusals
from backend.services.reservation.extension import ExtendHold, extended_expiry


class SeatHolds:
    """Takes, ends and expires holds inside reservation's transactions."""

    def __init__(self, catalog: Catalog, clock: Clock, hold_seconds: float, max_seats: int) -> None:
        self.catalog = catalog
        self.clock = clock
        self.hold_seconds = hold_seconds
        self.max_seats = max_seats

    def check(self, request: HoldSeats) -> tuple[str, list[str]]:
        """Validate a hold request against the hall plan: (show id, seat labels)."""
        show = self.catalog.showtime(request.show_id)
        if show.starts_at <= self.clock.now():
            raise InvalidInput(
                "This show has already started; choose a later showtime.", key="show.started"
            )
        if not request.seats:
            raise InvalidInput("Choose at least one seat.", key="seats.none")
        if len(request.seats) > self.max_seats:
            raise InvalidInput(
                f"At most {self.max_seats} seats can be held at once.",
                key="seats.max", n=self.max_seats,
            )
        labels: list[str] = []
        for raw in request.seats:
            spec = show.hall.seat(str(raw).strip())
            if spec is None:
                raise InvalidInput(
                    f"{show.hall.name_en} has no seat “{raw}”.", key="seat.unknown", seat=raw
                )
            if spec.blocked:
                raise SeatUnavailable(f"Seat {spec.label} is out of service.", [spec.label])
            if spec.label in labels:
                raise InvalidInput(
                    f"Seat {spec.label} was chosen twice.", key="seat.twice", seat=spec.label
                )
            labels.append(spec.label)
        return show.id, labels

    def take(
        self, tx: Tx, show_id: str, labels: list[str], replaces: str | None = None
    ) -> HoldTaken:
        now = tx.now_epoch
        if replaces is not None:  # the clerk changed the selection: swap holds atomically
            old = q.hold_row(tx, replaces)
            if old is not None and old.state == "active" and old.booking_id is None:
                self.end(tx, old, "released")
        out = q.out_of_service(tx, show_id, labels)
        if out:
            raise SeatUnavailable(f"Seat {', '.join(out)} is out of service.", out)
        # The claims first: in a rush most attempts lose a seat, and a loser should cost
        # as little as possible (the hold's own row is written only for a winner).
        hold_id = "hold_" + time_ordered_hex(20)
        taken = q.claim_seats(tx, show_id, labels, hold_id)
        if taken != len(labels):
            # Some seats are claimed: by holds that ran out (free them now) or for real.
            others = q.claimants(tx, show_id, labels, other_than=hold_id)
            lapsed = {
                c.hold_id: c
                for c in others
                if c.state == "active" and c.booking_id is None and c.expires_at <= now
            }
            for claim in lapsed.values():
                self.end(tx, q.hold_row(tx, claim.hold_id), "expired")
            if lapsed:
                taken += q.claim_seats(tx, show_id, labels, hold_id)
                if taken != len(labels):
                    others = q.claimants(tx, show_id, labels, other_than=hold_id)
            if taken != len(labels):
                busy = sorted({c.seat for c in others})
                raise SeatUnavailable(
                    f"Seat{'s' if len(busy) > 1 else ''} {', '.join(busy)} "
                    f"{'are' if len(busy) > 1 else 'is'} already taken; choose other seats.",
                    busy,
                )
        expires = now + self.hold_seconds
        tx.run(
            q.INSERT_HOLD,
            {"id": hold_id, "show_id": show_id, "seats": json.dumps(labels), "now": now,
             "expires_at": expires},
        )
        expires_iso = from_epoch(expires).isoformat()
        tx.emit(
            SeatsHeld(hold_id=hold_id, show_id=show_id, seats=labels, expires_at=expires_iso),
            correlation_id=hold_id,
        )
        tx.touched.add(show_id)
        return HoldTaken(hold_id, show_id, tuple(labels), from_epoch(expires))

    def end(self, tx: Tx, hold: Any, reason: str) -> None:
        """Free a hold's seats (it has no booking running) and say so."""
        tx.run(q.FREE_HOLD_CLAIMS, {"id": hold.id})
        tx.run(q.SET_HOLD_STATE, {"id": hold.id, "state": reason})
        tx.emit(
            HoldReleased(
                hold_id=hold.id, show_id=hold.show_id, seats=json.loads(hold.seats), reason=reason
            ),
            correlation_id=hold.id,
        )
        tx.touched.add(hold.show_id)

    def release(self, tx: Tx, hold_id: str) -> HoldFreed:
        """Free a hold's seats; the reply names its show (None: nothing was left to free)."""
        hold = q.hold_row(tx, hold_id)
        if hold is None:
            raise refusals.no_such_hold()
        if hold.state == "booked":
            raise refusals.hold_sold()
        if hold.state != "active":
            return HoldFreed(hold_id, None)  # released or expired already: nothing to do
        if hold.booking_id is not None:
            raise refusals.payment_under_way()
        self.end(tx, hold, "released")
        return HoldFreed(hold_id, hold.show_id)

    def extend(self, tx: Tx, request: ExtendHold) -> HoldTaken:
        """Give a live hold more time (``extension``'s rule). Only its ``expires_at``
        moves, in its row: the claims and the seat view say "held" whatever the expiry,
        and the sweeper reads the row, so the hold stays held until the new time, across
        a restart. ``created_at`` (when the seats were first held) is never moved: it is
        what the limit counts from."""
        hold = q.hold_row(tx, request.hold_id)
        if hold is None:
            raise refusals.no_such_hold()
        if hold.state == "booked":
            raise refusals.hold_sold()
        if hold.state != "active" or hold.expires_at <= tx.now_epoch:
            raise refusals.hold_ran_out()
        expires = extended_expiry(
            hold.created_at, hold.expires_at, request.step_s, request.longest_s
        )
        tx.run(q.EXTEND_HOLD, {"id": hold.id, "expires_at": expires})
        return HoldTaken(hold.id, hold.show_id, tuple(json.loads(hold.seats)), from_epoch(expires))

    def expire_lapsed(self, tx: Tx) -> int:
        rows = tx.run(q.LAPSED_HOLDS, {"now": tx.now_epoch}).all()
        for row in rows:
            self.end(tx, row, "expired")
        return len(rows)
