"""An auditor's check of DESIGN.md §3's invariants over a data directory at rest.

Used by the tests, the crash and fault simulations and the benchmarks. Unlike the
services it reads every service's database, read-only: it is the outside auditor who
compares the books, not part of the box office. Call it once the system is quiet.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine
from sqlalchemy.exc import SQLAlchemyError

from backend.catalog import Catalog
from backend.engine import explain, where_of
from backend.messaging.journal import DELIVERIES, OUTBOX
from backend.messaging.messages import CINEMA, INFORMATION, PAYMENT, RESERVATION
from backend.services.cinema.model import TICKETS
from backend.services.information.model import BOOKING_VIEW, SEAT_VIEW
from backend.services.payment.model import PAYMENTS
from backend.services.reservation import saga
from backend.services.reservation.model import BOOKINGS, SEAT_CLAIMS
from backend.settings import Settings
from backend.sql import SQL, run


@dataclass
class AuditReport:
    """What the audit found: counts for the curious, violations for the test."""

    violations: list[str] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)

    @property
    def ok(self) -> bool:
        return not self.violations

    def fail(self, text: str) -> None:
        if len(self.violations) < 50:
            self.violations.append(text)


def _rows(url_of: Any, service: str, table: Any) -> list[Any]:
    """Every row of ``table`` (its declared columns), on a plain engine of its own; a
    database that cannot give them is a StorageError in words, never a driver's trace."""
    columns = ", ".join(c.name for c in table.columns)
    url = url_of(service)
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return run(conn, SQL(f"SELECT {columns} FROM {table.name}")).all()
    except SQLAlchemyError as exc:
        raise explain(service, where_of(url), exc) from None
    finally:
        engine.dispose()


def audit(settings: Settings, catalog: Catalog, card_numbers: tuple[str, ...] = ()) -> AuditReport:
    """Check every invariant; the report lists each violation in words."""
    r = AuditReport()
    url = settings.database_url
    bookings = {b.id: b for b in _rows(url, RESERVATION, BOOKINGS)}
    claims = _rows(url, RESERVATION, SEAT_CLAIMS)
    payments = _rows(url, PAYMENT, PAYMENTS)
    tickets = _rows(url, CINEMA, TICKETS)
    view = {b.booking_id: b for b in _rows(url, INFORMATION, BOOKING_VIEW)}
    seat_view = _rows(url, INFORMATION, SEAT_VIEW)
    r.counts.update(bookings=len(bookings), payments=len(payments), tickets=len(tickets))
    r.counts.update(b.status for b in bookings.values())

    # 1. no seat sold twice (the keys enforce it; check what they could not: across services)
    seen = Counter((t.show_id, t.seat) for t in tickets)
    for key, n in seen.items():
        if n > 1:
            r.fail(f"seat {key} has {n} tickets")
    ticket_owner = {(t.show_id, t.seat): t.booking_id for t in tickets}

    # 2. per show: free + held + sold = capacity (and no claim on a blocked seat)
    per_show: dict[str, Counter[str]] = defaultdict(Counter)
    for c in claims:
        per_show[c.show_id][c.state] += 1
        show = catalog.showtime(c.show_id)
        spec = show.hall.seat(c.seat)
        if spec is None or spec.blocked:
            r.fail(f"claim on a seat that is not for sale: {c.show_id} {c.seat}")
    for show_id, counts in per_show.items():
        capacity = catalog.showtime(show_id).hall.capacity
        free = capacity - counts["held"] - counts["sold"]
        if free < 0 or free + counts["held"] + counts["sold"] != capacity:
            r.fail(f"{show_id}: free {free} + held {counts['held']} + sold {counts['sold']} "
                   f"!= capacity {capacity}")

    # 3. money
    by_booking = defaultdict(list)
    for p in payments:
        by_booking[p.booking_id].append(p)
    for p in payments:
        b = bookings.get(p.booking_id)
        if p.status == "captured" and (b is None or b.status != saga.COMPLETED):
            r.fail(f"payment {p.id} captured but booking is {b.status if b else 'missing'}")
        if p.status == "refunded" and (
            b is None or b.status not in (saga.CANCELLED, saga.REJECTED, saga.RELEASING)
        ):
            r.fail(f"payment {p.id} refunded but booking is {b.status if b else 'missing'}")
    keys = Counter(p.idempotency_key for p in payments)
    for key, n in keys.items():
        if n > 1:
            r.fail(f"{n} payments under one idempotency key {key}")

    # 4 & 5. each booking is terminal and consistent with money and seats
    claims_of = defaultdict(set)
    for c in claims:
        if c.booking_id:
            claims_of[c.booking_id].add((c.show_id, c.seat))
    for b in bookings.values():
        if b.status not in saga.TERMINAL:
            r.fail(f"booking {b.code} stuck in {b.status}")
            continue
        seats = {(b.show_id, s) for s in json.loads(b.seats)}
        paid = [p for p in by_booking[b.id] if p.status in ("captured", "refunded")]
        if b.status == saga.COMPLETED:
            if len([p for p in paid if p.status == "captured"]) != 1:
                r.fail(f"completed booking {b.code} has no captured payment")
            if any(ticket_owner.get(s) != b.id for s in seats):
                r.fail(f"completed booking {b.code} lacks cinema tickets")
            if claims_of[b.id] != seats:
                r.fail(f"completed booking {b.code} does not own its seats")
        else:
            if claims_of[b.id]:
                r.fail(f"{b.status} booking {b.code} still holds seats")
            if any(o == b.id for o in ticket_owner.values()):
                r.fail(f"{b.status} booking {b.code} still has cinema tickets")
            if any(p.status == "captured" for p in paid):
                r.fail(f"{b.status} booking {b.code} kept the money")
            if b.status in (saga.CANCELLED, saga.REJECTED) and not any(
                p.status == "refunded" for p in paid
            ):
                r.fail(f"{b.status} booking {b.code} has no refund")
    for owner in set(ticket_owner.values()):
        if owner not in bookings:
            r.fail(f"cinema ticket for unknown booking {owner}")

    # 6. nothing left undelivered
    for service in (RESERVATION, PAYMENT, CINEMA, INFORMATION):
        pending = _rows(url, service, DELIVERIES)
        if pending:
            r.fail(f"{len(pending)} deliveries from {service} never applied")

    # 7. the view agrees with the write side
    for b in bookings.values():
        v = view.get(b.id)
        if v is None or v.status != b.status:
            r.fail(f"view shows {b.code} as {v.status if v else 'missing'}, write side {b.status}")
    claim_states = {(c.show_id, c.seat): c.state for c in claims}
    view_states = {(s.show_id, s.seat): s.state for s in seat_view if s.state != "free"}
    if claim_states != view_states:
        diff = set(claim_states.items()) ^ set(view_states.items())
        r.fail(f"seat view differs from reservation on {len(diff)} seats, e.g. {sorted(diff)[:3]}")

    # 8. correlation: a booking's messages carry its id
    for service in (RESERVATION, PAYMENT, CINEMA):
        for m in _rows(url, service, OUTBOX):
            booking_id = json.loads(m.payload).get("booking_id")
            if booking_id and m.correlation_id != booking_id:
                r.fail(f"{m.type} of {booking_id} carries correlation {m.correlation_id}")

    # 10. card numbers never reach the disk
    if card_numbers:
        for path in Path(settings.data_dir).glob("*"):
            if path.is_file():
                data = path.read_bytes()
                for number in card_numbers:
                    if number.encode() in data:
                        r.fail(f"card number ending {number[-4:]} found in {path.name}")
    return r
