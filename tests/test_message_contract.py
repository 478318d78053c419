"""The message contract: every type is received, commands by one service, nothing dropped.

Routes are derived from the services' ``@handles`` marks, so the table below (the routes
as they were written by hand before) is what pins them: a dropped or misplaced handler,
a renamed type or a changed receiver order fails here, not as a dead letter at run time.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from backend.messaging.handlers import handler_table, handles
from backend.messaging.messages import (
    CINEMA,
    INFORMATION,
    PAYMENT,
    RESERVATION,
    BookingPaid,
    Command,
    Event,
    Message,
    ReleaseSeats,
    RequestRefund,
    message_class,
    message_types,
)
from backend.messaging.routes import (
    ROUTES,
    contract_problems,
    derive_routes,
    handler_tables,
)
from backend.services.base import Service

#: Who receives each type, in this order (receivers are written to the journal in it).
EXPECTED_ROUTES: dict[str, tuple[str, ...]] = {
    "SeatsHeld": (INFORMATION,),
    "HoldReleased": (INFORMATION,),
    "BookingRequested": (INFORMATION,),
    "BookingPaid": (CINEMA, INFORMATION),
    "BookingFailed": (INFORMATION,),
    "BookingCompleted": (INFORMATION,),
    "RequestRefund": (PAYMENT,),
    "CancellationRequested": (INFORMATION,),
    "ReleaseSeats": (CINEMA,),
    "BookingCancelled": (INFORMATION,),
    "BookingRejected": (INFORMATION,),
    "PaymentCaptured": (INFORMATION,),
    "PaymentRefused": (INFORMATION,),
    "PaymentRefunded": (RESERVATION, INFORMATION),
    "SeatsConfirmed": (RESERVATION, INFORMATION),
    "SeatsRejected": (RESERVATION, INFORMATION),
    "SeatsReleased": (RESERVATION, INFORMATION),
    "SeatsBlocked": (RESERVATION, INFORMATION),
    "PaymentOutcomeUnknown": (INFORMATION,),
    "ShowClosed": (INFORMATION,),
}

COMMANDS = {"RequestRefund", "ReleaseSeats"}


def test_routes_are_exactly_the_expected_table_in_receiver_order():
    assert dict(ROUTES) == EXPECTED_ROUTES
    for name, receivers in EXPECTED_ROUTES.items():
        assert ROUTES[name] == receivers, name  # tuple equality: the order too


def test_the_journal_reads_every_stored_type_name():
    # the journal stores a type by its class name; data on disk names exactly these
    assert {kind.__name__ for kind in message_types()} == set(EXPECTED_ROUTES)
    for name in EXPECTED_ROUTES:
        assert message_class(name).__name__ == name


def test_the_real_contract_holds():
    assert contract_problems(handler_tables(), message_types()) == []


def test_commands_and_events_are_two_families():
    for kind in message_types():
        assert issubclass(kind, Command) != issubclass(kind, Event), kind
    assert {k.__name__ for k in message_types() if issubclass(k, Command)} == COMMANDS


def test_each_command_has_exactly_one_handler():
    tables = handler_tables()
    for kind in message_types():
        if issubclass(kind, Command):
            assert [s for s, t in tables.items() if kind in t] == list(ROUTES[kind.__name__])
            assert len(ROUTES[kind.__name__]) == 1


def test_every_handler_handles_a_known_type_with_a_method_of_its_service():
    known = set(message_types())
    for service, table in handler_tables().items():
        for kind, method in table.items():
            assert kind in known, (service, kind)
            assert callable(getattr(_class_of(service), method)), (service, method)


@pytest.mark.parametrize("service", [RESERVATION, PAYMENT, CINEMA, INFORMATION])
def test_each_service_handles_exactly_what_it_should(service):
    expected = {name for name, receivers in EXPECTED_ROUTES.items() if service in receivers}
    handled = {kind.__name__ for kind in handler_tables()[service]}
    assert handled == expected


def test_a_type_nobody_handles_fails_the_check():
    @dataclass(frozen=True)
    class NobodyListens(Event):  # deliberately not registered: the real registry stays whole
        booking_id: str

    types = [*message_types(), NobodyListens]
    problems = contract_problems(handler_tables(), types)
    assert problems == ["NobodyListens has no handler: nobody would receive it"]
    assert "NobodyListens" not in derive_routes(handler_tables(), types)


def test_a_dropped_handler_fails_the_check():
    tables = handler_tables()
    tables[PAYMENT] = {k: v for k, v in tables[PAYMENT].items() if k is not RequestRefund}
    assert contract_problems(tables, message_types()) == [
        "RequestRefund has no handler: nobody would receive it"
    ]
    assert derive_routes(tables, message_types()) != EXPECTED_ROUTES


def test_a_command_with_two_handlers_fails_the_check():
    tables = handler_tables()
    tables[INFORMATION] = {**tables[INFORMATION], ReleaseSeats: "on_ReleaseSeats"}
    assert contract_problems(tables, message_types()) == [
        "command ReleaseSeats has 2 handlers (cinema, information); a command has exactly one"
    ]


def test_a_handler_of_an_unknown_type_fails_the_check():
    class Stray(Event):
        pass

    tables = handler_tables()
    tables[CINEMA] = {**tables[CINEMA], Stray: "on_Stray"}
    problems = contract_problems(tables, message_types())
    assert len(problems) == 1 and "Stray" in problems[0] and "no message type" in problems[0]


def test_handles_refuses_what_is_not_a_registered_message_type():
    class Unregistered(Event):
        pass

    with pytest.raises(TypeError):
        handles(Unregistered)
    with pytest.raises(TypeError):
        handles(str)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        handles()


def test_handler_tables_are_built_with_the_class_and_inherited():
    class Base(Service):
        @handles(BookingPaid)
        def paid(self, tx, env):
            pass

    class Sub(Base):
        @handles(RequestRefund, ReleaseSeats)
        def money_and_seats(self, tx, env):
            pass

    assert Base.handlers == {BookingPaid: "paid"}
    assert Sub.handlers == {
        BookingPaid: "paid", RequestRefund: "money_and_seats", ReleaseSeats: "money_and_seats"
    }
    assert Sub._handler_names["BookingPaid"] == "paid"
    assert Service.handlers == {}


def test_one_class_handling_a_type_twice_is_refused():
    with pytest.raises(TypeError, match="twice"):

        class Twice(Service):
            @handles(BookingPaid)
            def one(self, tx, env):
                pass

            @handles(BookingPaid)
            def other(self, tx, env):
                pass

    assert handler_table(Service) == {}


def test_the_routed_services_are_the_services_the_box_office_runs():
    from backend import bootstrap
    from backend.messaging.messages import SERVICES
    from backend.messaging.routes import SERVICE_CLASSES

    assert tuple(SERVICE_CLASSES) == SERVICES  # the receivers' order
    running = {
        RESERVATION: bootstrap.ReservationService,
        PAYMENT: bootstrap.PaymentService,
        CINEMA: bootstrap.CinemaService,
        INFORMATION: bootstrap.InformationService,
    }
    for service, cls in running.items():
        assert _class_of(service) is cls


def test_message_is_the_common_base():
    for kind in message_types():
        assert issubclass(kind, Message)


def _class_of(service: str) -> type:
    from importlib import import_module

    from backend.messaging.routes import SERVICE_CLASSES

    module, name = SERVICE_CLASSES[service]
    return getattr(import_module(module), name)
