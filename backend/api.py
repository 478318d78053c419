"""The one door into the box office: ``BoxOfficeAPI`` and the values that pass through it.

The Textual app, the tests, the SSH command mode and the fake box office all program
against this Protocol, never against the running services. ``backend.BoxOffice`` (the
real one, in ``backend.office``) implements it; ``backend.testing.FakeOffice`` implements
it in memory for screen tests; one contract suite (``tests/contract``) runs against both
so they cannot drift apart.

Three groups of calls, as a box office has three kinds of users:

* **selling** — ``hold``, ``extend_hold``, ``release``, ``book``, ``cancel`` and
  ``quote``;
* **looking up** — the programme, seat maps, bookings, history, sales, and the
  ``watch_*`` streams that follow a seat map or a booking as it changes;
* **operating** — health, ``ops_snapshot`` (everything the Ops screen draws),
  starting/stopping/restarting services, the payment simulator's knobs, the breaker,
  dead letters, and ``quiet`` (nothing left to do: what ``backend.testing.settle`` waits
  for).

Every value here is a frozen dataclass (or a plain ``dict``/``list`` of them): a
caller can keep it, compare it and never change the box office through it. Every
failure is a ``BoxOfficeError`` whose ``str()`` is a sentence a clerk can act on. The
full reference is ``docs/api.md``.

Besides the Protocol and its values it re-exports the few helpers a front end needs to
read what a clerk typed the way the box office will (``normalise_code``,
``normalise_phone``), to tell which seat has which ticket type the way the box office
deals them (``type_order``, ``dealt``, ``deal_order``, ``ticket_counts``, from
``backend.pricing``) and to write a ticket file only its owner can read
(``write_private_text``). Importing this module is cheap (no SQLAlchemy): the app
imports it before it draws.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Mapping
from datetime import date
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from backend.codes import normalise_code
from backend.errors import (
    BoxOfficeError,
    Busy,
    ConfigError,
    HoldExpired,
    HoldLimitReached,
    InvalidInput,
    NotCancellable,
    NotFound,
    PaymentDeclined,
    PaymentPending,
    PaymentUnavailable,
    SeatUnavailable,
    ServiceUnavailable,
    StorageError,
)
from backend.ops_snapshot import (
    BreakerChange,
    DeadLetter,
    OpsSnapshot,
    SimulatorSettings,
)
from backend.pricing import TYPE_ORDER, Quote, deal_order, dealt, ticket_counts, type_order
from backend.runtime.breaker import BreakerSnapshot, BreakerState, Transition
from backend.runtime.clock import Clock, ManualClock, SystemClock
from backend.runtime.pool import PoolSnapshot
from backend.settings import Settings
from backend.private_files import private_directory, write_private_text
from backend.tender import Card, Cash, normalise_phone
from backend.views import (
    Booking,
    HoldInfo,
    SalesDay,
    SeatMap,
    SeatState,
    ServiceHealth,
    ShowtimeSummary,
    TimelineStep,
)

if TYPE_CHECKING:
    from backend.catalog import Catalog

#: The four services, in the order they start.
SERVICE_NAMES = ("reservation", "payment", "cinema", "information")


@runtime_checkable
class BoxOfficeAPI(Protocol):
    """What the app, the tests and the SSH command mode may ask of a box office."""

    #: The settings it runs with (hold length, seats per hold, language, ...).
    settings: Settings
    #: The clock that decides "today", hold expiry and timeline stamps.
    clock: Clock

    # --- life cycle ------------------------------------------------------------------------

    async def start(self) -> None:
        """Check the data, start the services. Raises StorageError or ConfigError."""

    async def close(self) -> None:
        """Stop everything; unfinished work resumes at the next start. Idempotent."""

    @property
    def running(self) -> bool:
        """True between a successful ``start()`` and ``close()``."""

    @property
    def catalog(self) -> Catalog:
        """The programme (films, halls, prices, schedule); readable before ``start``."""

    # --- the programme ---------------------------------------------------------------------

    def today(self) -> date:
        """Today in the cinema's time zone."""

    def days(self) -> list[date]:
        """The days tickets are sold for: today and the next six."""

    async def showtimes(self, day: date | None = None) -> list[ShowtimeSummary]:
        """Every show of a day (default today) with its free seats."""

    async def seat_map(self, show_id: str) -> SeatMap:
        """Every seat of a show with its state."""

    def quote(self, show_id: str, seats: Iterable[str], tickets: dict[str, int]) -> Quote:
        """The price breakdown of tickets on seats (nothing is booked)."""

    # --- selling ---------------------------------------------------------------------------

    async def hold(
        self, show_id: str, seats: Iterable[str], *, replaces: str | None = None
    ) -> HoldInfo:
        """Set seats aside for a while; SeatUnavailable if any is taken."""

    async def release(self, hold_id: str) -> None:
        """Give held seats back."""

    async def extend_hold(self, hold_id: str) -> HoldInfo:
        """Give a hold more time (settings.hold_extend_minutes each time, never past
        settings.hold_max_minutes after it was first taken); returns the hold with its new
        expiry. HoldExpired if it is gone; HoldLimitReached (a BoxOfficeError with a clear
        sentence naming the limit) when it cannot be extended further."""

    async def book(
        self, hold_id: str, *, tickets: dict[str, int] | None = None, payment: Card | Cash,
        phone: str | None = None, seat_types: Mapping[str, str] | None = None,
    ) -> Booking:
        """Sell a hold; returns once payment is decided (PAID).

        ``seat_types`` (seat label -> ticket type, every seat of the hold) records which
        seat has which type: the booking's seats are stored in the order that deals each
        its type (``dealt``). ``tickets`` (type -> count) may then be left out; if given it
        must count the same."""

    async def cancel(self, code: str) -> Booking:
        """Cancel and refund a booking."""

    # --- looking up ------------------------------------------------------------------------

    async def booking(self, code: str) -> Booking:
        """A booking with its whole timeline; NotFound if no booking has the code."""

    async def wait_for_booking(
        self, code: str, statuses: Iterable[str] = ("COMPLETED",), timeout: float = 10.0
    ) -> Booking | None:
        """The booking once it is in one of ``statuses``, or None after ``timeout``."""

    async def history(
        self, phone: str | None = None, *, status: str | None = None,
        day: date | None = None, limit: int = 500, phone_digits: str | None = None,
    ) -> list[Booking]:
        """Bookings newest first, filtered."""

    async def sales(self, day: date | None = None) -> SalesDay:
        """A day's takings: completed bookings less refunds."""

    def watch_seat_map(self, show_id: str, interval: float = 0.5) -> AsyncIterator[SeatMap]:
        """The seat map now and again whenever it changes."""

    def watch_booking(self, code: str, interval: float = 0.5) -> AsyncIterator[Booking]:
        """A booking now and whenever its timeline grows, until its saga rests."""

    # --- operating -------------------------------------------------------------------------

    async def health(self) -> dict[str, ServiceHealth]:
        """Each service's state, readiness, mailbox and undelivered mail."""

    async def ops_snapshot(self) -> OpsSnapshot:
        """Everything the Ops screen shows, as values."""

    def breaker(self) -> BreakerSnapshot:
        """The payment circuit breaker now."""

    def payment_pool(self) -> PoolSnapshot:
        """The payment worker pool now."""

    def reset_breaker(self) -> None:
        """Close the payment breaker by hand."""

    async def stop_service(self, name: str) -> None:
        """Stop one service on purpose (its mail waits)."""

    async def start_service(self, name: str) -> None:
        """Start a stopped service; it catches up on its mail."""

    async def restart_service(self, name: str) -> None:
        """Rolling restart of one service; nothing under way is lost."""

    def crash_service(self, name: str) -> None:
        """Fault injection: crash a service's actor (the supervisor restarts it)."""

    def payment_simulator(self) -> SimulatorSettings:
        """The payment simulator's fault knobs as they are now."""

    async def configure_payment_simulator(
        self, *, latency_ms: float | None = None, failure_rate: float | None = None,
        capacity: int | None = None,
    ) -> dict[str, Any]:
        """Turn the payment simulator's fault knobs; returns all three as they now are."""

    async def block_seats(
        self, show_id: str, seats: Iterable[str], blocked: bool = True
    ) -> list[str]:
        """Take seats of a show out of service (or put them back)."""

    async def cancel_show(self, show_id: str) -> None:
        """Cancel a show at the cinema."""

    async def dead_letters(self) -> dict[str, list[DeadLetter]]:
        """Messages each running service gave up on."""

    async def retry_dead_letter(self, service: str, message_id: str) -> bool:
        """Apply a dead letter again; True if it applied now."""

    async def quiet(self) -> bool:
        """True when no mail waits anywhere and no sale is mid-way; else nudges the
        dispatcher and the hold sweep and returns False (see ``backend.testing.settle``)."""


__all__ = [
    "SERVICE_NAMES", "BoxOfficeAPI", "BoxOfficeError", "Booking", "BreakerChange",
    "BreakerSnapshot", "BreakerState", "Busy", "Card", "Cash", "Clock", "ConfigError",
    "DeadLetter", "HoldExpired", "HoldInfo", "HoldLimitReached", "InvalidInput",
    "ManualClock", "NotCancellable", "NotFound", "OpsSnapshot", "PaymentDeclined", "PaymentPending",
    "PaymentUnavailable", "PoolSnapshot", "Quote", "SalesDay", "SeatMap", "SeatState",
    "SeatUnavailable", "ServiceHealth", "ServiceUnavailable", "Settings", "ShowtimeSummary",
    "SimulatorSettings", "StorageError", "SystemClock", "TimelineStep", "Transition",
    "TYPE_ORDER", "deal_order", "dealt", "normalise_code", "normalise_phone",
    "private_directory", "ticket_counts", "type_order", "write_private_text",
]
