"""What a set of tickets costs: one place, used for quotes and for the charge itself.

It is also the one place of the rule that says which seat has which ticket type. A
booking records its seats and its counts per type (``{"adult": 1, "youth": 1}``); the
types are dealt over the seats in ``type_order`` (adult, youth, senior, then any other),
in the order the seats are stored (``dealt``). ``quote`` prices by that rule, and a
ticket reads it back. When the clerk chooses a type per seat, ``deal`` puts the seats in
the order that rule gives each its chosen type (by type, then as they were held), and
``book(seat_types=...)`` stores them so (``hold_seat_types``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from backend import arguments
from backend.arguments import MOST_SEATS, shown
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
    lines = []
    for seat_label, kind in dealt(seats, tickets):
        seat = show.hall.seat(seat_label)
        lines.append(PriceLine(seat_label, kind, catalog.ticket_price(kind, show, seat)))
    return Quote(tuple(lines))


# --- which seat has which type ------------------------------------------------------------


def type_order(kinds: Iterable[str]) -> tuple[str, ...]:
    """``kinds`` (each once) in the order they are dealt to seats: those of
    ``TYPE_ORDER`` first, in that order, then the others as given."""
    kinds = tuple(dict.fromkeys(kinds))
    return tuple(t for t in TYPE_ORDER if t in kinds) + tuple(
        t for t in kinds if t not in TYPE_ORDER
    )


def dealt(seats: Sequence[str], tickets: Mapping[str, int]) -> list[tuple[str, str]]:
    """(seat, ticket type) of each seat: the types of ``tickets`` in ``type_order``, each
    as many times as its count, dealt over ``seats`` in the order given.

    The one rule of which seat has which type: ``quote`` prices by it and a ticket reads
    a booking back by it (its stored seats and counts). Pairs stop at the shorter of the
    seats and the tickets (``quote`` refuses counts that do not add up to the seats).
    """
    kinds = [kind for kind in type_order(tickets) for _ in range(tickets[kind])]
    return list(zip(seats, kinds))


def deal(
    seats: Sequence[str], seat_types: Mapping[str, str], types: Iterable[str] = ()
) -> tuple[list[str], dict[str, int]]:
    """The seats in the order that gives each its chosen type, and the counts to deal.

    ``seat_types`` is seat -> ticket type for every one of ``seats``. The seats come back
    sorted by type (``type_order`` of ``types``, then of any other type named, as first
    named) and, within a type, in the order given; the counts (type -> count, no zeros)
    are in that same order. So ``dealt(*deal(seats, seat_types))`` pairs each seat with
    ``seat_types[seat]``, and ``quote`` over them prices each seat as chosen.
    """
    order = type_order([*types, *(seat_types[s] for s in seats)])
    rank = {kind: i for i, kind in enumerate(order)}
    position = {seat: i for i, seat in enumerate(seats)}
    ordered = sorted(seats, key=lambda s: (rank[seat_types[s]], position[s]))
    counts: dict[str, int] = {}
    for seat in ordered:
        counts[seat_types[seat]] = counts.get(seat_types[seat], 0) + 1
    return ordered, counts


def deal_order(
    seats: Sequence[str], seat_types: Mapping[str, str], types: Iterable[str] = ()
) -> list[str]:
    """``seats`` sorted the way ``quote`` deals ticket types to them (see ``deal``)."""
    return deal(seats, seat_types, types)[0]


def ticket_counts(seat_types: Mapping[str, str], types: Iterable[str] = ()) -> dict[str, int]:
    """Ticket type -> count of a seat -> type choice (no zeros), in dealing order."""
    return deal(list(seat_types), seat_types, types)[1]


# --- book(seat_types=...): the clerk's choice, checked ----------------------------------------


def seat_types_argument(
    value: object, tickets: Mapping[str, int] | None = None
) -> dict[str, str]:
    """The form of ``book``'s ``seat_types`` (seat label -> ticket type), and that the
    ``tickets`` also given (if any) count the same; InvalidInput with a sentence if not.

    Whether the seats are the hold's and the types the catalogue's is for
    ``hold_seat_types``, once the hold is known.
    """
    if not isinstance(value, Mapping):
        raise InvalidInput(
            "seat_types must be a dict of seat label → ticket type, like "
            f"{{'E7': 'adult'}}, not {shown(value)}."
        )
    if not value:
        raise InvalidInput("Choose a ticket type for every seat.")
    if len(value) > MOST_SEATS:
        raise InvalidInput(f"seat_types: at most {MOST_SEATS:,} seats at once.")
    checked: dict[str, str] = {}
    for seat, kind in value.items():
        if not isinstance(seat, str):
            raise InvalidInput(f"seat_types: {shown(seat)} is not a seat label (like 'E7').")
        if not seat.strip() or len(seat.strip()) > 8:
            raise InvalidInput(
                f"seat_types: “{shown(seat, 12)}” is not a seat label (they look like E7)."
            )
        if not isinstance(kind, str) or not kind.strip() or len(kind) > 40:
            raise InvalidInput(
                f"seat_types: the ticket type of seat {seat.strip()} must be a ticket type "
                f"like 'adult', not {shown(kind)}."
            )
        checked[seat] = kind
    if tickets is not None:
        counts = ticket_counts(checked)
        given = {kind: count for kind, count in tickets.items() if count}
        if given != counts:
            raise InvalidInput(
                f"The ticket counts ({_counted(tickets)}) do not match the ticket types "
                f"chosen seat by seat ({_counted(counts)}); give seat_types alone, or "
                "counts that match it."
            )
    return checked


def book_tickets(
    tickets: object, seat_types: object
) -> tuple[tuple[tuple[str, int], ...], tuple[tuple[str, str], ...] | None]:
    """``book``'s ``tickets`` and ``seat_types`` arguments, checked: the (type, count)
    pairs to sell, and the (seat, type) pairs chosen (None: ``seat_types`` not given).

    With ``seat_types`` the counts are its own and ``tickets`` may be left out (if given
    it must count the same); without, ``tickets`` must be a dict of counts.
    """
    if seat_types is None:
        return tuple(_tickets_argument(tickets).items()), None
    given = None if tickets is None else _tickets_argument(tickets)
    chosen = seat_types_argument(seat_types, given)
    return tuple(ticket_counts(chosen).items()), tuple(chosen.items())


def _tickets_argument(tickets: object) -> dict[str, int]:
    if not isinstance(tickets, dict) or not tickets:
        raise InvalidInput("Choose a ticket type for every seat.")
    return arguments.tickets(tickets)


def hold_seat_types(
    catalog: Catalog, show: Showtime, hold_seats: Sequence[str], seat_types: Mapping[str, str]
) -> tuple[list[str], dict[str, int]]:
    """A hold's seats in dealing order and their counts, for the clerk's seat -> type.

    ``seat_types`` must name every seat of the hold (``hold_seats``, hall labels, in the
    order they were held) exactly once, in any case, and nothing else, each with a
    ticket type of the catalogue; otherwise InvalidInput says what is wrong.
    """
    chosen: dict[str, str] = {}
    for raw, kind in seat_types.items():
        spec = show.hall.seat(raw)
        if spec is None:
            raise InvalidInput(f"{show.hall.name_en} has no seat “{raw.strip()}”.")
        if spec.label in chosen:
            raise InvalidInput(f"Seat {spec.label} was given two ticket types; give it one.")
        chosen[spec.label] = kind
    held = list(hold_seats)
    extra = [s for s in chosen if s not in held]
    if extra:
        many = len(extra) > 1
        raise InvalidInput(
            f"Seat{'s' if many else ''} {', '.join(extra)} {'are' if many else 'is'} not "
            f"on this hold, which has {', '.join(held)}: choose types for those seats only."
        )
    missing = [s for s in held if s not in chosen]
    if missing:
        many = len(missing) > 1
        raise InvalidInput(
            f"Seat{'s' if many else ''} {', '.join(missing)} {'have' if many else 'has'} "
            "no ticket type: choose one for every held seat."
        )
    for seat in held:
        if chosen[seat] not in catalog.ticket_types:
            known = ", ".join(catalog.ticket_types)
            raise InvalidInput(f"There is no ticket type “{chosen[seat]}” (use {known}).")
    return deal(held, chosen, catalog.ticket_types)


def _counted(tickets: Mapping[str, int]) -> str:
    """Counts in words, like "1 adult, 1 youth" (no zeros; "none" if nothing counts)."""
    return ", ".join(f"{count} {kind}" for kind, count in tickets.items() if count) or "none"
