"""What every part of the box office shares: its settings, clock, catalog and running services.

``BoxOffice`` is put together from one class per job (``selling``, ``lookup``,
``operations``) over this core. The core owns the life cycle (``start``/``close``), the
catalog, and the few checks every job needs: that a service is ready, that a show id or
booking code is well formed, and asking a service with a deadline. Nothing here, or in
the jobs, reads a service's tables or private state: a job asks the service.
"""

from __future__ import annotations

import asyncio
import importlib
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from backend import arguments
from backend.booking_rows import BookingRows
from backend.catalog import Catalog, default_catalog_dir, load_catalog
from backend.errors import InvalidInput, ServiceUnavailable
from backend.runtime.breaker import Transition
from backend.runtime.clock import Clock, SystemClock
from backend.settings import Settings

if TYPE_CHECKING:  # the running parts are imported when the box office starts
    from backend.bootstrap import Runtime
    from backend.services.base import Service

#: How far ahead the programme is published.
DAYS_AHEAD = 6
#: The longest wait (``timeout``) and poll interval a caller may ask for, in seconds.
LONGEST_WAIT_S = 86_400.0


class OfficeCore:
    """The box office's settings, clock, catalog and (while running) its services."""

    def __init__(
        self, settings: Settings | None = None, *, clock: Clock | None = None,
        catalog: Catalog | None = None, breaker_clock: Clock | None = None,
    ) -> None:
        if settings is not None and not isinstance(settings, Settings):
            raise InvalidInput(f"settings must be a Settings, not {arguments.shown(settings)}.")
        if catalog is not None and not isinstance(catalog, Catalog):
            raise InvalidInput(f"catalog must be a Catalog, not {arguments.shown(catalog)}.")
        for what, given in (("clock", clock), ("breaker_clock", breaker_clock)):
            if given is not None and not (callable(getattr(given, "now", None))
                                          and callable(getattr(given, "monotonic", None))):
                raise InvalidInput(f"{what} must be a Clock (with now() and monotonic()), "
                                   f"not {arguments.shown(given)}.")
        self.settings = settings or Settings()
        self.clock = clock or SystemClock()
        self._catalog = catalog
        self.runtime: Runtime | None = None
        #: This box office's shared claim on its data directory while it runs.
        self._in_use: Any = None
        self._rows: BookingRows | None = None
        self._breaker_clock = breaker_clock
        #: The payment breaker's recent state changes, newest last (for the Ops screen).
        self.breaker_transitions: deque[Transition] = deque(maxlen=200)

    # --- life cycle ---------------------------------------------------------------------

    @classmethod
    @asynccontextmanager
    async def open(
        cls, settings: Settings | None = None, *, clock: Clock | None = None,
        catalog: Catalog | None = None, breaker_clock: Clock | None = None,
    ) -> AsyncIterator[Any]:
        """Start a box office for the duration of an ``async with`` block."""
        office = cls(settings, clock=clock, catalog=catalog, breaker_clock=breaker_clock)
        await office.start()
        try:
            yield office
        finally:
            await office.close()

    async def start(self) -> None:
        """Load the catalog, open every service's database, start the actors."""
        # SQLAlchemy and the services load on a thread, so a screen already drawn on this
        # loop keeps answering keys meanwhile.
        await asyncio.to_thread(importlib.import_module, "backend.bootstrap")
        from backend.bootstrap import build_runtime
        from backend.integrity import check_at_start
        from backend.occupancy import InUse

        runtime = build_runtime(
            self.settings, self.clock, self._catalog,
            breaker_clock=self._breaker_clock, on_breaker=self.breaker_transitions.append,
        )
        # Migrate, and refuse a database that is missing, foreign or behind the others,
        # before any service acts on it (StorageError, in one sentence).
        await asyncio.to_thread(check_at_start, self.settings)
        in_use = InUse(self.settings.data_dir)  # so that restore waits for us to quit
        in_use.acquire()
        try:
            await runtime.supervisor.start_all()
            await runtime.dispatcher.start()
            runtime.keeper.start()
        except BaseException:
            await runtime.supervisor.stop_all()
            in_use.release()
            raise
        self.runtime, self._in_use = runtime, in_use

    async def close(self) -> None:
        """Stop everything; unfinished work stays in the journals for next time."""
        runtime, self.runtime = self.runtime, None
        if runtime is None:
            return
        await runtime.keeper.stop()
        await runtime.dispatcher.stop()
        await runtime.supervisor.stop_all()
        if self._in_use is not None:
            self._in_use.release()
            self._in_use = None

    @property
    def running(self) -> bool:
        """True between a successful ``start()`` and ``close()``."""
        return self.runtime is not None

    @property
    def rt(self) -> Runtime:
        """The running services; ServiceUnavailable when the box office is not running."""
        if self.runtime is None:
            raise ServiceUnavailable("The box office is not running (still starting up?).")
        return self.runtime

    @property
    def catalog(self) -> Catalog:
        """The programme; readable before the services have started (it is only files)."""
        if self.runtime is not None:
            return self.runtime.catalog
        if self._catalog is None:
            self._catalog = load_catalog(self.settings.catalog_dir or default_catalog_dir())
        return self._catalog

    @property
    def rows(self) -> BookingRows:
        """Turns the services' rows into ``Booking`` values (for this catalog)."""
        if self._rows is None or self._rows.catalog is not self.catalog:
            self._rows = BookingRows(self.catalog)
        return self._rows

    # --- the programme's days -------------------------------------------------------------

    def today(self) -> date:
        """Today in the cinema's time zone."""
        return self.clock.now().astimezone(self.catalog.timezone).date()

    def days(self) -> list[date]:
        """The days the programme is published for: today and the next six."""
        first = self.today()
        return [first + timedelta(days=i) for i in range(DAYS_AHEAD + 1)]

    # --- checks every job needs -------------------------------------------------------------

    def _ready(self, service: Service) -> Service:
        if not service.ready:
            raise service.unavailable()
        return service

    def _show(self, show_id: object) -> Any:
        """The show with this id: InvalidInput if it is not text, NotFound if unknown."""
        return self.catalog.showtime(arguments.show_id(show_id))

    @staticmethod
    def _code(code: object) -> str:
        return arguments.booking_code(code)

    async def _ask(
        self, service: Service, request: Any, timeout: float, late: str | None = None
    ) -> Any:
        """Ask ``service`` and wait its answer; ServiceUnavailable (``late``) past ``timeout``."""
        self._ready(service)
        try:
            return await service.ask(request, timeout)
        except TimeoutError:
            raise ServiceUnavailable(
                late or f"The {service.name} service did not answer in time; try again in a moment."
            ) from None
