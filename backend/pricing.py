"""What a set of tickets costs: one place, used for quotes and for the charge itself."""

from __future__ import annotations

from dataclasses import dataclass

from backend.catalog import Catalog, Showtime
from backend.errors import InvalidInput

#: The order ticket types are given to seats (the most common first).
TYPE_ORDER = ("adult", "youth", "senior")


@dataclass(frozen=True, slots=True)
class PriceLine:
    """One seat's ticket: which seat, which type, its price in won."""

    seat: str
    ticket_type: str
    price: int


@dataclass(frozen=True, slots=True)
class Quote:
    """The price breakdown of a booking."""

    lines: tuple[PriceLine, ...]

    @property
    def total(self) -> int:
        return sum(line.price for line in self.lines)


def quote(catalog: Catalog, show: Showtime, seats: list[str], tickets: dict[str, int]) -> Quote:
    """Price ``tickets`` (type -> count) on ``seats``; counts must add up to the seats."""
    for kind, count in tickets.items():
        if kind not in catalog.ticket_types:
            known = ", ".join(catalog.ticket_types)
            raise InvalidInput(f"There is no ticket type “{kind}” (use {known}).")
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise InvalidInput(f"The number of {kind} tickets must be a whole number ≥ 0.")
    wanted = sum(tickets.values())
    if wanted != len(seats):
        raise InvalidInput(
            f"{wanted} ticket(s) chosen for {len(seats)} seat(s): give every seat one ticket type."
        )
    order = [t for t in TYPE_ORDER if t in tickets] + [t for t in tickets if t not in TYPE_ORDER]
    types = [t for t in order for _ in range(tickets[t])]
    lines = []
    for seat_label, kind in zip(seats, types):
        seat = show.hall.seat(seat_label)
        lines.append(PriceLine(seat_label, kind, catalog.ticket_price(kind, show, seat)))
    return Quote(tuple(lines))
