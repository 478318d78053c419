"""Who receives each message type: whoever handles it.

The journal decides a message's receivers when it is emitted, in the same transaction
as the state change that produced it, by looking its type up in ``ROUTES``. That table
is not written by hand: it is derived from the services' handler tables (``@handles``,
see ``handlers.py``), so "who handles a type" and "who receives it" are one fact and
cannot disagree. Receivers are listed in ``SERVICES`` order.

Deriving it needs the service classes, and the services import the messaging package,
so they are imported here only on the first lookup (by then a running box office has
imported them anyway). Importing this module costs nothing: the app draws before
SQLAlchemy loads.

``contract_problems`` states the rules the table must keep; the contract test runs it
on the real services, and on doctored inputs to show that it fails when it should.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from importlib import import_module

from backend.messaging.messages import (
    CINEMA,
    INFORMATION,
    PAYMENT,
    RESERVATION,
    Command,
    Event,
    Message,
    message_types,
)

#: Where each service's class is (module, class), in the order receivers are listed.
SERVICE_CLASSES: dict[str, tuple[str, str]] = {
    RESERVATION: ("backend.services.reservation.service", "ReservationService"),
    PAYMENT: ("backend.services.payment.service", "PaymentService"),
    CINEMA: ("backend.services.cinema.service", "CinemaService"),
    INFORMATION: ("backend.services.information.service", "InformationService"),
}

HandlerTables = Mapping[str, Mapping[type[Message], str]]


def handler_tables() -> dict[str, Mapping[type[Message], str]]:
    """Each service's handler table (message type -> method), importing the services."""
    tables: dict[str, Mapping[type[Message], str]] = {}
    for service, (module, name) in SERVICE_CLASSES.items():
        tables[service] = getattr(import_module(module), name).handlers
    return tables


def derive_routes(
    tables: HandlerTables, types: Iterable[type[Message]]
) -> dict[str, tuple[str, ...]]:
    """Type name -> the services that handle it, in the tables' order (types nobody
    handles are left out: emitting one fails at once, in the emitter's transaction)."""
    routes: dict[str, tuple[str, ...]] = {}
    for kind in types:
        receivers = tuple(service for service, table in tables.items() if kind in table)
        if receivers:
            routes[kind.__name__] = receivers
    return routes


def contract_problems(tables: HandlerTables, types: Iterable[type[Message]]) -> list[str]:
    """What is wrong with these handler tables for these message types (nothing: [])."""
    known = list(types)
    problems: list[str] = []
    for kind in known:
        receivers = [service for service, table in tables.items() if kind in table]
        if not issubclass(kind, (Command, Event)):
            problems.append(f"{kind.__name__} is neither a Command nor an Event")
        if not receivers:
            problems.append(f"{kind.__name__} has no handler: nobody would receive it")
        elif issubclass(kind, Command) and len(receivers) != 1:
            problems.append(
                f"command {kind.__name__} has {len(receivers)} handlers "
                f"({', '.join(receivers)}); a command has exactly one"
            )
    for service, table in tables.items():
        for kind in table:
            if kind not in known:
                problems.append(f"{service} handles {kind!r}, which is no message type")
    return problems


class _Routes(Mapping[str, tuple[str, ...]]):
    """``ROUTES``: a read-only table built on its first lookup."""

    __slots__ = ("_table",)

    def __init__(self) -> None:
        self._table: dict[str, tuple[str, ...]] | None = None

    def _built(self) -> dict[str, tuple[str, ...]]:
        table = self._table
        if table is None:
            table = self._table = derive_routes(handler_tables(), message_types())
        return table

    def __getitem__(self, type_name: str) -> tuple[str, ...]:
        return self._built()[type_name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._built())

    def __len__(self) -> int:
        return len(self._built())

    def __repr__(self) -> str:
        return f"ROUTES({self._built()!r})"


#: Message type name -> the services that receive it. Decided at emit time and written
#: with the message.
ROUTES: Mapping[str, tuple[str, ...]] = _Routes()
