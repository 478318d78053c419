"""The core of ``FakeOffice``: settings, clock, catalog, life cycle, its four services and
the mail between them, and the checks every call shares with the real box office."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import date, datetime, timedelta
from typing import Any

from backend import arguments
from backend.api import SERVICE_NAMES
from backend.booking_rows import BookingRows
from backend.catalog import Catalog, Showtime, default_catalog_dir, load_catalog
from backend.errors import InvalidInput, ServiceUnavailable
from backend.runtime.breaker import CircuitBreaker, Transition
from backend.runtime.clock import Clock, ManualClock, SystemClock
from backend.runtime.tasks import cancel_and_wait
from backend.services.payment.simulator import PaymentSimulator, SimulatorKnobs
from backend.settings import Settings
from backend.testing.fake_records import FakeBooking, FakeHold, FakeService, Mail, Timeline

#: As in the real box office: the programme is published for today and six more days.
DAYS_AHEAD = 6
#: The longest wait (``timeout``) and poll interval a caller may ask for, in seconds.
LONGEST_WAIT_S = 86_400.0
#: The services in the order the real box office starts them (and lists them).
START_ORDER = ("information", "cinema", "payment", "reservation")


class FakeCore:
    """Life cycle, services and mail; the selling and looking-up calls build on it."""

    def __init__(
        self, settings: Settings | None = None, *, clock: Clock | None = None,
        catalog: Catalog | None = None,
    ) -> None:
        if settings is not None and not isinstance(settings, Settings):
            raise InvalidInput(f"settings must be a Settings, not {arguments.shown(settings)}.")
        if catalog is not None and not isinstance(catalog, Catalog):
            raise InvalidInput(f"catalog must be a Catalog, not {arguments.shown(catalog)}.")
        self.settings = settings or Settings()
        #: A ManualClock unless given: time moves only when a test moves it.
        self.clock: Clock = clock or ManualClock()
        self._catalog = catalog
        self._running = False
        self.services = {name: FakeService(name) for name in START_ORDER}
        self.holds: dict[str, FakeHold] = {}
        #: hold id -> when its seats were first held (what ``extend_hold``'s limit counts
        #: from; the real reservation keeps it as the hold row's ``created_at``)
        self.hold_taken_at: dict[str, datetime] = {}
        self.bookings: dict[str, FakeBooking] = {}
        self.codes: dict[str, str] = {}  # code -> booking id
        #: show id -> seat -> (held | sold, the hold or booking that has it)
        self.taken: dict[str, dict[str, tuple[str, str]]] = {}
        #: show id -> seats the cinema took out of service (``block_seats``)
        self.blocked: dict[str, set[str]] = {}
        self.cancelled_shows: set[str] = set()
        self.timeline = Timeline()
        self.mail: list[Mail] = []
        self.knobs = SimulatorKnobs(
            self.settings.payment_latency_ms, self.settings.payment_failure_rate,
            self.settings.payment_capacity,
        )
        self.simulator = PaymentSimulator(self.knobs, self.settings.payment_seed)
        self.in_flight = 0
        self.breaker_transitions: list[Transition] = []
        self._breaker_clock = SystemClock()
        self.payment_breaker = self._new_breaker()
        self._changed = asyncio.Event()
        self._delivery: asyncio.Task[None] | None = None
        self._later: set[asyncio.TimerHandle] = set()

    def _new_breaker(self) -> CircuitBreaker:
        return CircuitBreaker(
            "payment", self.settings.breaker_config(), self._breaker_clock,
            on_transition=self.breaker_transitions.append, ignore=(InvalidInput,),
        )

    # --- life cycle ---------------------------------------------------------------------

    @classmethod
    @asynccontextmanager
    async def open(
        cls, settings: Settings | None = None, *, clock: Clock | None = None,
        catalog: Catalog | None = None,
    ) -> AsyncIterator[Any]:
        """Start a fake box office for the duration of an ``async with`` block."""
        office = cls(settings, clock=clock, catalog=catalog)
        await office.start()
        try:
            yield office
        finally:
            await office.close()

    async def start(self) -> None:
        """Load the catalog and start the four services (no database, nothing to check)."""
        self.catalog  # noqa: B018 - a broken catalog raises ConfigError, as for real
        if self._running:
            return
        self.payment_breaker = self._new_breaker()  # rebuilt, closed, by every start
        for service in self.services.values():
            service.state, service.handled = "ready", 0
        self._running = True
        self._touch()

    async def close(self) -> None:
        """Stop everything; what the fake remembers stays for the next ``start``."""
        if not self._running:
            return
        self._running = False
        for handle in self._later:
            handle.cancel()
        self._later.clear()
        for service in self.services.values():
            service.state = "stopped"
        delivery, self._delivery = self._delivery, None
        await cancel_and_wait(delivery)
        self._touch()

    @property
    def running(self) -> bool:
        """True between a successful ``start()`` and ``close()``."""
        return self._running

    @property
    def catalog(self) -> Catalog:
        """The programme; readable before ``start`` (it is only files)."""
        if self._catalog is None:
            self._catalog = load_catalog(self.settings.catalog_dir or default_catalog_dir())
        return self._catalog

    @property
    def rows(self) -> BookingRows:
        return BookingRows(self.catalog)

    def today(self) -> date:
        """Today in the cinema's time zone."""
        return self.clock.now().astimezone(self.catalog.timezone).date()

    def days(self) -> list[date]:
        """The days the programme is published for: today and the next six."""
        first = self.today()
        return [first + timedelta(days=i) for i in range(DAYS_AHEAD + 1)]

    # --- checks every call shares with the real box office ------------------------------

    def _service(self, name: object) -> FakeService:
        """The running service called ``name``; InvalidInput for any other name."""
        if not isinstance(name, str) or name not in self.services:
            name = arguments.shown(name)
            raise InvalidInput(
                f"There is no service “{name}” (use {', '.join(SERVICE_NAMES)})."
            )
        self._need_running()
        return self.services[name]

    def _need_running(self) -> None:
        if not self._running:
            raise ServiceUnavailable("The box office is not running (still starting up?).")

    def _ready(self, name: str) -> FakeService:
        """The service, counting one request handled; ServiceUnavailable if not ready."""
        self._need_running()
        service = self.services[name]
        if not service.ready:
            raise service.unavailable()
        service.handled += 1
        return service

    def _show(self, show_id: object) -> Showtime:
        """The show with this id: InvalidInput if it is not text, NotFound if unknown."""
        return self.catalog.showtime(arguments.show_id(show_id))

    @staticmethod
    def _code(code: object) -> str:
        return arguments.booking_code(code)

    # --- change and mail ----------------------------------------------------------------

    def _touch(self) -> None:
        """Something changed: wake every watch and wait."""
        self._changed.set()
        self._changed = asyncio.Event()

    async def _changes(self, timeout: float) -> None:
        """Return at the next change, or after ``timeout`` seconds (event-loop time)."""
        try:
            await asyncio.wait_for(self._changed.wait(), max(0.0, timeout))
        except TimeoutError:
            pass

    async def _until(self, done: Callable[[], bool], timeout: float) -> bool:
        """Wait (event-loop time) until ``done()``; False if ``timeout`` passes first."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not done():
            left = deadline - loop.time()
            if left <= 0:
                return False
            await self._changes(left)
        return True

    def _post(self, sender: str, receiver: str, apply: Callable[[], None]) -> None:
        """Send a step to another service; it is applied soon, once that one is ready."""
        self.mail.append(Mail(sender, receiver, apply))
        self._deliver_soon()

    def _deliver_soon(self) -> None:
        if self._delivery is None or self._delivery.done():
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:  # no event loop: the next call from one delivers
                return
            self._delivery = loop.create_task(self._deliver())

    async def _deliver(self) -> None:
        """Apply waiting mail in order, each after the caller's turn (as a real delivery
        comes after the transaction that sent it); mail for a stopped service waits."""
        while self._running:
            await asyncio.sleep(0)
            ready = next((m for m in self.mail if self.services[m.receiver].ready), None)
            if ready is None:
                return
            self.mail.remove(ready)
            self.services[ready.receiver].handled += 1
            ready.apply()
            self._touch()

    def _after(self, seconds: float, action: Callable[[], None]) -> None:
        """Run ``action`` in ``seconds`` of event-loop time (dropped at ``close``); at
        once when no event loop runs."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            action()
            return

        def run() -> None:
            self._later.discard(handle)
            action()
            self._touch()

        handle = loop.call_later(seconds, run)
        self._later.add(handle)
