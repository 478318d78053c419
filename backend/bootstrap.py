"""The one place where the backend is wired: catalog, services, dispatcher, supervisor.

Everything that builds a running box office (the gateway, benchmarks, the crash test's
child process) goes through ``build_runtime`` so they all run the same assembly.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from backend.catalog import Catalog, default_catalog_dir, load_catalog
from backend.messaging.dispatcher import Dispatcher
from backend.messaging.messages import CINEMA, INFORMATION, PAYMENT, RESERVATION
from backend.runtime.breaker import CircuitBreaker, Transition
from backend.runtime.clock import Clock, SystemClock
from backend.runtime.supervisor import Supervisor
from backend.services.base import Service
from backend.services.cinema.service import CinemaService
from backend.services.information.service import InformationService
from backend.services.payment.service import PaymentService
from backend.services.payment.simulator import SimulatorKnobs
from backend.services.reservation.service import ReservationService
from backend.settings import Settings


@dataclass
class Runtime:
    """The parts of a running backend."""

    catalog: Catalog
    reservation: ReservationService
    payment: PaymentService
    cinema: CinemaService
    information: InformationService
    dispatcher: Dispatcher
    supervisor: Supervisor

    @property
    def services(self) -> dict[str, Service]:
        return {
            RESERVATION: self.reservation,
            PAYMENT: self.payment,
            CINEMA: self.cinema,
            INFORMATION: self.information,
        }


def load_settings_catalog(settings: Settings) -> Catalog:
    """The catalog the settings point at (the bundled demo cinema by default)."""
    return load_catalog(settings.catalog_dir or default_catalog_dir())


def build_runtime(
    settings: Settings,
    clock: Clock,
    catalog: Catalog | None = None,
    *,
    breaker_clock: Clock | None = None,
    on_breaker: Callable[[Transition], None] | None = None,
) -> Runtime:
    """Create (not start) every part of the backend.

    The breaker measures call durations, so it runs on real time unless a test gives it
    a clock of its own (``breaker_clock``); a frozen wall clock would make every call
    "fast".
    """
    catalog = catalog or load_settings_catalog(settings)
    services: dict[str, Service] = {}
    dispatcher = Dispatcher(services, lease_seconds=settings.delivery_lease_s)
    payment = PaymentService(
        settings.database_url(PAYMENT),
        clock=clock,
        knobs=SimulatorKnobs(
            latency_ms=settings.payment_latency_ms,
            failure_rate=settings.payment_failure_rate,
            capacity=settings.payment_capacity,
        ),
        seed=settings.payment_seed,
        postman=dispatcher,
        mailbox_size=settings.mailbox_size,
    )
    breaker = CircuitBreaker(
        "payment", settings.breaker_config(), breaker_clock or SystemClock(),
        on_transition=on_breaker,
    )
    reservation = ReservationService(
        settings.database_url(RESERVATION),
        clock=clock,
        catalog=catalog,
        payment=payment,
        breaker=breaker,
        hold_seconds=settings.hold_minutes * 60,
        max_seats=settings.max_seats_per_hold,
        payment_timeout=settings.payment_timeout_s,
        postman=dispatcher,
        mailbox_size=settings.mailbox_size,
    )
    cinema = CinemaService(
        settings.database_url(CINEMA),
        clock=clock,
        catalog=catalog,
        postman=dispatcher,
        mailbox_size=settings.mailbox_size,
    )
    information = InformationService(
        settings.database_url(INFORMATION),
        clock=clock,
        postman=dispatcher,
        mailbox_size=max(settings.mailbox_size, 4000),
    )
    services.update(
        {
            RESERVATION: reservation,
            PAYMENT: payment,
            CINEMA: cinema,
            INFORMATION: information,
        }
    )
    # started in this order: readers of mail before writers of it
    supervisor = Supervisor(
        [information, cinema, payment, reservation], hang_after=settings.hang_after_s
    )
    return Runtime(
        catalog=catalog,
        reservation=reservation,
        payment=payment,
        cinema=cinema,
        information=information,
        dispatcher=dispatcher,
        supervisor=supervisor,
    )
