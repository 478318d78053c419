"""The one place where the backend is wired: catalog, services, dispatcher, supervisor.

Everything that builds a running box office (the gateway, benchmarks, the crash test's
child process) goes through ``build_runtime`` so they all run the same assembly.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from backend.catalog import Catalog, default_catalog_dir, load_catalog
from backend.errors import InvalidInput
from backend.messaging.dispatcher import Dispatcher
from backend.messaging.messages import CINEMA, INFORMATION, PAYMENT, RESERVATION
from backend.messaging.retention import JournalKeeper
from backend.private_files import private_directory
from backend.runtime.actor import Actor
from backend.runtime.breaker import CircuitBreaker, Transition
from backend.runtime.clock import Clock, SystemClock
from backend.runtime.pool import WorkerPool
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
    """The parts of a running backend.

    ``services`` is the one directory of running service instances: the dispatcher, the
    gateway and reservation (to find payment) all look services up in it, so a rolling
    restart swaps an instance in one place.
    """

    catalog: Catalog
    services: dict[str, Service]
    factories: dict[str, Callable[[], Service]]
    dispatcher: Dispatcher
    supervisor: Supervisor
    #: compacts old, delivered messages (``retention.py``)
    keeper: JournalKeeper

    @property
    def reservation(self) -> ReservationService:
        return self.services[RESERVATION]  # type: ignore[return-value]

    @property
    def payment(self) -> PaymentService:
        return self.services[PAYMENT]  # type: ignore[return-value]

    @property
    def cinema(self) -> CinemaService:
        return self.services[CINEMA]  # type: ignore[return-value]

    @property
    def information(self) -> InformationService:
        return self.services[INFORMATION]  # type: ignore[return-value]


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
    "fast". It belongs to the runtime, not to one reservation instance, so it survives
    restarts.
    """
    catalog = catalog or load_settings_catalog(settings)
    try:  # the cinema's books are its owner's alone (700), whatever the umask
        private_directory(settings.data_dir)
    except OSError:
        pass  # unusable: each store says so, in a sentence, when it opens
    services: dict[str, Service] = {}
    dispatcher = Dispatcher(services, lease_seconds=settings.delivery_lease_s)
    knobs = SimulatorKnobs(
        latency_ms=settings.payment_latency_ms,
        failure_rate=settings.payment_failure_rate,
        capacity=settings.payment_capacity,
    )
    breaker = CircuitBreaker(
        "payment", settings.breaker_config(), breaker_clock or SystemClock(),
        on_transition=on_breaker,
        ignore=(InvalidInput,),  # a malformed payment request is not payment failing
    )

    timing = breaker_clock or SystemClock()

    def make_payment() -> Service:
        return PaymentService(
            settings.database_url(PAYMENT),
            clock=clock,
            knobs=knobs,  # shared: an operator's knob settings outlive a restart
            seed=settings.payment_seed,
            pool=WorkerPool(
                timing, min_size=settings.pool_min, max_size=max(settings.pool_min,
                                                                  settings.pool_max),
                slow_s=settings.breaker_slow_call_ms / 1000, tick_s=settings.pool_tick_s,
                quiet_s=settings.pool_quiet_s,
            ),
            postman=dispatcher,
            mailbox_size=settings.mailbox_size,
        )

    def make_reservation() -> Service:
        return ReservationService(
            settings.database_url(RESERVATION),
            clock=clock,
            catalog=catalog,
            payment=lambda: services[PAYMENT],
            breaker=breaker,
            hold_seconds=settings.hold_minutes * 60,
            max_seats=settings.max_seats_per_hold,
            payment_timeout=settings.payment_timeout_s,
            postman=dispatcher,
            mailbox_size=settings.mailbox_size,
        )

    def make_cinema() -> Service:
        return CinemaService(
            settings.database_url(CINEMA),
            clock=clock,
            catalog=catalog,
            postman=dispatcher,
            mailbox_size=settings.mailbox_size,
        )

    def make_information() -> Service:
        return InformationService(
            settings.database_url(INFORMATION),
            clock=clock,
            postman=dispatcher,
            mailbox_size=max(settings.mailbox_size, 4000),
        )

    def configured(make: Callable[[], Service]) -> Callable[[], Service]:
        """The factory, with what every service's store takes from the settings."""

        def build() -> Service:
            service = make()
            service.store.inline = service.store.is_sqlite and settings.sqlite_inline
            return service

        return build

    # started in this order: readers of mail before writers of it
    factories: dict[str, Callable[[], Service]] = {
        INFORMATION: configured(make_information),
        CINEMA: configured(make_cinema),
        PAYMENT: configured(make_payment),
        RESERVATION: configured(make_reservation),
    }
    for name, make in factories.items():
        services[name] = make()
    supervisor = Supervisor(list(services.values()), hang_after=settings.hang_after_s)

    def switch(name: str, new: Actor) -> None:
        services[name] = new  # type: ignore[assignment]
        dispatcher.wake()

    supervisor.on_switch = switch
    return Runtime(
        catalog=catalog,
        services=services,
        factories=factories,
        dispatcher=dispatcher,
        supervisor=supervisor,
        keeper=JournalKeeper(
            services, retention_days=settings.journal_retention_days,
            every_s=settings.journal_retention_every_s,
            now=lambda: clock.now().timestamp(),
        ),
    )
