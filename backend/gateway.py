"""``BoxOffice``: the one facade the app, the tests and the SSH command mode call.

Like the original project's API gateway it routes each request to the service that owns
it, refuses early with a clear message when that service is not ready, and checks input
before anything is changed. It also gives callers read-your-writes: ``book`` and
``cancel`` return once the information view shows their result, so the history screen
never lags behind what the clerk was just told.
"""

from __future__ import annotations

import asyncio
import json
from collections import deque
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from backend import arguments
from backend.booking_rows import BookingRows
from backend.catalog import Catalog, default_catalog_dir, load_catalog
from backend.codes import normalise_code
from backend.errors import (
    BoxOfficeError,
    InvalidInput,
    NotFound,
    PaymentDeclined,
    PaymentUnavailable,
    ServiceUnavailable,
)
from backend.messaging.messages import SERVICES
from backend.messaging.requests import (
    BlockSeats,
    BookSeats,
    CancelBooking,
    CancelShow,
    HoldSeats,
    ReleaseHold,
)
from backend.pricing import Quote, quote
from backend.runtime.breaker import BreakerSnapshot, Transition
from backend.runtime.clock import Clock, SystemClock
from backend.runtime.pool import PoolSnapshot
from backend.services.information.status import STATUS_RANK
from backend.services.payment.simulator import check_knobs
from backend.services.reservation import saga
from backend.settings import Settings
from backend.tender import Card, Cash, normalise_phone
from backend.views import (
    Booking,
    HoldInfo,
    SalesDay,
    SeatMap,
    SeatState,
    ServiceHealth,
    ShowtimeSummary,
)

if TYPE_CHECKING:  # the running parts are imported when the box office starts
    from backend.bootstrap import Runtime
    from backend.services.base import Service

#: How far ahead the programme is published.
DAYS_AHEAD = 6
#: Every state a seat on a seat map can be in.
SEAT_STATES = ("free", "held", "sold", "blocked")
#: How long book/cancel wait for the history view to catch up before returning anyway.
VIEW_WAIT = 2.0
#: The most bookings one ``history`` call returns.
HISTORY_MAX = 1_000_000  # bench/siege.py reads a whole siege back in one call
#: The longest wait (``timeout``) and poll interval a caller may ask for, in seconds.
LONGEST_WAIT_S = 86_400.0
#: What a show id looks like, for messages.
SHOW_ID_EXAMPLE = "20261124-hall-1-0930"


class BoxOffice:
    """The box office's API. Create with ``BoxOffice.open(settings)``."""

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
        #: show id -> (the view's snapshot it was built from, the seat map).
        self._maps: dict[str, tuple[Any, Any, SeatMap]] = {}
        #: hall id -> (hall, its seats' shared SeatState rows); see ``seat_map``.
        self._hall_states: dict[str, tuple[Any, list[tuple[str, str, dict[str, SeatState]]]]] = {}

    # --- life cycle ---------------------------------------------------------------------

    @classmethod
    @asynccontextmanager
    async def open(
        cls, settings: Settings | None = None, *, clock: Clock | None = None,
        catalog: Catalog | None = None, breaker_clock: Clock | None = None,
    ) -> AsyncIterator["BoxOffice"]:
        """Start a box office for the duration of an ``async with`` block."""
        office = cls(settings, clock=clock, catalog=catalog, breaker_clock=breaker_clock)
        await office.start()
        try:
            yield office
        finally:
            await office.close()

    async def start(self) -> None:
        """Load the catalog, open every service's database, start the actors."""
        from backend.bootstrap import build_runtime  # heavy (SQLAlchemy): only when starting

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
        await runtime.dispatcher.stop()
        await runtime.supervisor.stop_all()
        if self._in_use is not None:
            self._in_use.release()
            self._in_use = None

    @property
    def rt(self) -> Runtime:
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
        if self._rows is None or self._rows.catalog is not self.catalog:
            self._rows = BookingRows(self.catalog)
        return self._rows

    def _ready(self, service: Service) -> Service:
        if not service.ready:
            raise service.unavailable()
        return service

    # --- the programme ------------------------------------------------------------------

    def today(self) -> date:
        """Today in the cinema's time zone."""
        return self.clock.now().astimezone(self.catalog.timezone).date()

    def days(self) -> list[date]:
        """The days the programme is published for: today and the next six."""
        first = self.today()
        return [first + timedelta(days=i) for i in range(DAYS_AHEAD + 1)]

    async def showtimes(self, day: date | None = None) -> list[ShowtimeSummary]:
        """Every show of a day (default today) with how many seats are free."""
        day = self.today() if day is None else arguments.a_day(day)
        if day not in self.days():
            raise InvalidInput(
                f"Showtimes are published for today and the next {DAYS_AHEAD} days, not {day}."
            )
        shows = self.catalog.showtimes(day)
        known = self.runtime is not None and self.runtime.information.ready
        counts = (
            await self.rt.information.seat_counts([s.id for s in shows]) if known else {}
        )
        summaries = []
        for show in shows:
            c = counts.get(show.id, {})
            held, sold, blocked = c.get("held", 0), c.get("sold", 0), c.get("blocked", 0)
            summaries.append(
                ShowtimeSummary(
                    id=show.id,
                    film_id=show.film.id,
                    title=show.film.title_ko,
                    title_en=show.film.title_en,
                    rating=show.film.rating,
                    runtime_min=show.film.runtime_min,
                    hall_id=show.hall.id,
                    hall=show.hall.name_ko,
                    hall_en=show.hall.name_en,
                    starts_at=show.starts_at,
                    ends_at=show.ends_at,
                    capacity=show.hall.capacity,
                    seats_free=max(0, show.hall.capacity - held - sold - blocked),
                    seats_held=held,
                    seats_sold=sold,
                    counts_known=known,
                )
            )
        return summaries

    async def seat_map(self, show_id: str) -> SeatMap:
        """Every seat of a show with its state (from the information view).

        A seat map is read far more often than seats change (every open map, every
        terminal; a rush of clerks reads hundreds a second), so building one must cost
        next to nothing: each seat's four possible ``SeatState`` rows are made once per
        hall and shared (they are immutable), and while the view hands back the same
        snapshot of a show the same ``SeatMap`` is handed out again.
        """
        show = self._show(show_id)
        show_id = show.id
        information = self._ready(self.rt.information)
        taken, out_of_service = await information.seat_snapshot(show_id)
        cached = self._maps.get(show_id)
        if cached is not None and cached[0] is taken and cached[1] is out_of_service:
            return cached[2]
        hall = show.hall
        states = self._seat_states(hall)
        seats = tuple(
            by_state[taken.get(label) or ("blocked" if label in out_of_service else base)]
            for label, base, by_state in states
        )
        seat_map = SeatMap(show.id, hall.id, hall.width, hall.rows, seats)
        if len(self._maps) > 256:
            self._maps.clear()
        self._maps[show_id] = (taken, out_of_service, seat_map)
        return seat_map

    def _seat_states(self, hall: Any) -> list[tuple[str, str, dict[str, SeatState]]]:
        """Per seat of ``hall``: (label, state when nobody has it, its SeatState by state)."""
        known = self._hall_states.get(hall.id)
        if known is not None and known[0] is hall:
            return known[1]
        states = [
            (
                s.label,
                "blocked" if s.blocked else "free",
                {
                    state: SeatState(
                        label=s.label, row=s.row, number=s.number, kind=s.kind,
                        column=s.column, row_index=s.row_index, state=state,
                    )
                    for state in SEAT_STATES
                },
            )
            for s in hall.seats
        ]
        self._hall_states[hall.id] = (hall, states)
        return states

    def quote(self, show_id: str, seats: Iterable[str], tickets: dict[str, int]) -> Quote:
        """The price breakdown of tickets on seats (no booking made)."""
        show = self._show(show_id)
        labels = [self._seat_label(show, s) for s in arguments.seat_labels(seats)]
        return quote(self.catalog, show, labels, arguments.tickets(tickets))

    @staticmethod
    def _seat_label(show: Any, raw: str) -> str:
        spec = show.hall.seat(raw)
        if spec is None:
            raise InvalidInput(f"{show.hall.name_en} has no seat “{raw}”.")
        return spec.label

    def _show(self, show_id: object) -> Any:
        """The show with this id: InvalidInput if it is not text, NotFound if unknown."""
        return self.catalog.showtime(
            arguments.text(show_id, "show_id", example=SHOW_ID_EXAMPLE, longest=60)
        )

    # --- selling ------------------------------------------------------------------------

    async def hold(
        self, show_id: str, seats: Iterable[str], *, replaces: str | None = None
    ) -> HoldInfo:
        """Set seats aside for a while; raises SeatUnavailable if any is taken.

        ``replaces``: a hold of this clerk's to give back in the same step (the selection
        changed); if the new seats are unavailable the old hold is kept.
        """
        show = self._show(show_id)
        seats = arguments.seat_labels(seats)
        replaces = arguments.optional_text(replaces, "replaces (a hold id)")
        if show.starts_at.astimezone(self.catalog.timezone).date() not in self.days():
            raise InvalidInput(
                f"Tickets are sold for today and the next {DAYS_AHEAD} days only."
            )
        # One turn of the loop for everybody else first. Services answer asks in the
        # caller's task, and SQLite runs on the loop's thread, so without this a clerk
        # (or a thousand) retrying seats on a map that is not yet updated could try hold
        # after hold while the view that would tell them better never got a turn. Only
        # here: a refusal elsewhere (an open breaker) must stay instant.
        await asyncio.sleep(0)
        reply = await self._ask_reservation(HoldSeats(show_id, tuple(seats), replaces))
        await self._catch_up_seats(reply["show_id"], reply["id"], held=True)
        return HoldInfo(reply["id"], reply["show_id"], tuple(reply["seats"]), reply["expires_at"])

    async def release(self, hold_id: str) -> None:
        """Give held seats back (the clerk left the seat map without selling)."""
        hold_id = arguments.text(hold_id, "hold_id")
        show_id = await self._ask_reservation(ReleaseHold(hold_id))
        if show_id:
            await self._catch_up_seats(show_id, hold_id, held=False)

    async def book(
        self,
        hold_id: str,
        *,
        tickets: dict[str, int],
        payment: Card | Cash,
        phone: str | None = None,
    ) -> Booking:
        """Sell a hold: returns once payment is decided (status PAID).

        Raises PaymentDeclined (the hold is kept: retry with another card or cash),
        PaymentUnavailable, PaymentPending, HoldExpired, InvalidInput.
        """
        hold_id = arguments.text(hold_id, "hold_id")
        if not isinstance(tickets, dict) or not tickets:
            raise InvalidInput("Choose a ticket type for every seat.")
        tickets = arguments.tickets(tickets)
        phone = normalise_phone(phone)
        if isinstance(payment, Card):
            card = payment.check(self.today())
            request = BookSeats(hold_id, tuple(tickets.items()), "card", card=card, phone=phone)
        elif isinstance(payment, Cash):
            payment.check(0)  # type and CASH_MAX here; against the total by reservation
            request = BookSeats(
                hold_id, tuple(tickets.items()), "cash", cash_tendered=payment.tendered, phone=phone
            )
        else:
            raise InvalidInput("Payment must be a Card or Cash.")
        breaker = self.rt.reservation.breaker
        if breaker is not None:
            breaker.refuse_if_open()  # instant, before the request queues anywhere
        timeout = self.settings.payment_timeout_s * 2 + 10
        try:
            reply = await self._ask_reservation(
                request, timeout,
                "The booking did not finish in time. Look it up in the history before "
                "taking payment again.",
            )
        except (PaymentDeclined, PaymentUnavailable) as exc:
            if exc.booking_id:  # the failed attempt shows in history before we say so
                await self._catch_up(exc.booking_id, saga.FAILED)
            raise
        await self._catch_up(reply["id"], reply["status"])
        return self.rows.from_write_side(reply)

    async def cancel(self, code: str) -> Booking:
        """Cancel and refund a booking; returns when cancelled (or refunded, if the cinema
        is down: it completes when the cinema is back)."""
        code = self._code(code)
        reply = await self._ask_reservation(CancelBooking(code))
        done = await self.rt.reservation.wait_for_status(
            reply["id"], frozenset({saga.CANCELLED, saga.RELEASING}), timeout=5.0
        )
        done = await self.rt.reservation.wait_for_status(
            reply["id"], frozenset({saga.CANCELLED}), timeout=1.0
        ) or done or reply
        if not self.rt.information.ready:  # the cancellation stands; the view catches up later
            return self.rows.from_write_side(done)
        await self._catch_up(done["id"], done["status"])
        return await self.booking(code)

    async def _ask_reservation(
        self, request: Any, timeout: float = 15.0, late: str | None = None
    ) -> Any:
        return await self._ask(self.rt.reservation, request, timeout, late)

    async def _ask(
        self, service: Service, request: Any, timeout: float, late: str | None = None
    ) -> Any:
        self._ready(service)
        try:
            return await service.ask(request, timeout)
        except TimeoutError:
            raise ServiceUnavailable(
                late or f"The {service.name} service did not answer in time; try again in a moment."
            ) from None

    async def _catch_up(self, booking_id: str, status: str, timeout: float = VIEW_WAIT) -> None:
        """Wait (briefly) until the history view shows the booking at ``status``."""
        information = self.rt.information
        if not information.ready:
            return
        rank = STATUS_RANK.get(status, 0)

        async def check() -> bool | None:
            return True if await information.rank_of(booking_id) >= rank else None

        try:
            await information.wait_for(booking_id, check, timeout)
        except BoxOfficeError:  # the view went away meanwhile: it catches up later
            pass

    async def _catch_up_seats(self, show_id: str, hold_id: str, *, held: bool) -> None:
        """Wait (briefly) until the seat view shows a hold taken (or given back)."""
        information = self.rt.information
        if not information.ready:
            return

        async def check() -> bool | None:
            return True if await information.hold_shown(hold_id) == held else None

        def worth_checking() -> bool:  # every change to the show wakes us: is it ours?
            return information.recent.get(("hold", hold_id)) is not None

        try:
            await information.wait_for(show_id, check, VIEW_WAIT, worth_checking=worth_checking)
        except BoxOfficeError:  # the view went away meanwhile: it catches up later
            pass

    async def watch_seat_map(self, show_id: str, interval: float = 0.5) -> AsyncIterator[SeatMap]:
        """Yield the seat map now and again whenever it changes (other terminals included).

        Changes made in this process wake it at once; others are seen within ``interval``.
        """
        show_id = self._show(show_id).id
        interval = arguments.finite_number(interval, "interval", 0.01, LONGEST_WAIT_S)
        information = self._ready(self.rt.information)
        last: SeatMap | None = None
        while True:
            current = await self.seat_map(show_id)
            if current != last:
                last = current
                yield current

            async def changed() -> bool | None:
                return True if await self.seat_map(show_id) != last else None

            await information.wait_for(show_id, changed, 3600.0, poll=interval)

    async def watch_booking(self, code: str, interval: float = 0.5) -> AsyncIterator[Booking]:
        """Yield a booking now and whenever its timeline grows, until its saga rests."""
        code = self._code(code)
        interval = arguments.finite_number(interval, "interval", 0.01, LONGEST_WAIT_S)
        information = self._ready(self.rt.information)
        last: Booking | None = None
        while True:
            try:
                current = await self.booking(code)
            except NotFound:
                current = None
            if current is not None and current != last:
                last = current
                yield current
                if current.status in saga.TERMINAL and current.status != saga.COMPLETED:
                    return
                if current.status == saga.COMPLETED and any(
                    s.step == "BookingCompleted" for s in current.timeline
                ):
                    return
            key = current.id if current is not None else code

            async def changed() -> bool | None:
                try:
                    now = await self.booking(code)
                except NotFound:
                    return None
                return True if now != last else None

            await information.wait_for(key, changed, 3600.0, poll=interval)

    # --- looking up ---------------------------------------------------------------------

    @staticmethod
    def _code(code: object) -> str:
        normal = normalise_code(code) if isinstance(code, str) and len(code) <= 40 else None
        if normal is None:
            raise InvalidInput(
                f"“{arguments.shown(code)}” is not a booking code: codes have 6 letters and "
                "digits, like K7M2QX.",
                key="code.format", code=arguments.shown(code),
            )
        return normal

    async def booking(self, code: str) -> Booking:
        """A booking with its full timeline, from the information view."""
        code = self._code(code)
        found = await self._ready(self.rt.information).booking(code=code)
        if found is None:
            written = None
            if self.rt.reservation.ready:
                written = await self.rt.reservation.booking_by_code(code)
            if written is None:
                raise NotFound(f"No booking has the code {code}.", key="booking.none", code=code)
            return self.rows.from_write_side(written)
        row, steps = found
        return self.rows.from_view(row, steps)

    async def wait_for_booking(
        self, code: str, statuses: Iterable[str] = ("COMPLETED",), timeout: float = 10.0
    ) -> Booking | None:
        """Wait until the history view shows the booking in one of ``statuses``."""
        code = self._code(code)
        wanted = set(arguments.statuses(statuses, STATUS_RANK))
        timeout = arguments.finite_number(timeout, "timeout", 0, LONGEST_WAIT_S)
        information = self._ready(self.rt.information)
        key = information.known_booking_id(code)
        if key is None:
            found = await information.status_by_code(code)
            key = found[0] if found else code
        # Statuses only move forward: while the view (as this process's own commits
        # left it) is short of the first wanted status, a wake-up needs no read.
        least = min((STATUS_RANK[s] for s in wanted if s in STATUS_RANK), default=0)

        def worth_checking() -> bool:
            rank = information.known_rank(key)
            return rank is None or rank >= least

        async def check() -> Booking | None:
            hit = await information.booking(code=code)
            if hit is None or hit[0].status not in wanted:
                return None
            return self.rows.from_view(*hit)

        return await information.wait_for(key, check, timeout, worth_checking=worth_checking)

    async def history(
        self,
        phone: str | None = None,
        *,
        status: str | None = None,
        day: date | None = None,
        limit: int = 500,
        phone_digits: str | None = None,
    ) -> list[Booking]:
        """Bookings from the information view, newest first, filtered.

        ``phone`` is a whole number (matched exactly, once normalised); ``phone_digits``
        a few digits any phone must contain, like its last four. Both filter every
        booking in the view, not only the newest ``limit``.
        """
        phone = normalise_phone(phone)
        digits = arguments.phone_digits(phone_digits)
        if status is not None:
            status = arguments.one_of(status, "status", STATUS_RANK)
        limit = arguments.whole_number(limit, "limit", 1, HISTORY_MAX)
        since = until = None
        if day is not None:
            since, until = self._day_bounds(arguments.a_day(day))
        rows = await self._ready(self.rt.information).bookings(
            phone=phone, phone_digits=digits, status=status, since=since, until=until,
            limit=limit,
        )
        return [self.rows.from_view(r, ()) for r in rows]

    async def sales(self, day: date | None = None) -> SalesDay:
        """Takings of a day (by time of sale): completed bookings less refunds."""
        day = self.today() if day is None else arguments.a_day(day)
        since, until = self._day_bounds(day)
        rows = await self._ready(self.rt.information).sales(since, until)
        return SalesDay(
            day=day.isoformat(),
            bookings=len(rows),
            tickets=sum(len(json.loads(r.seats)) for r in rows),
            amount=sum(r.amount for r in rows),
            refunded=sum(r.refunded_amount for r in rows),
        )

    def _day_bounds(self, day: date) -> tuple[float, float]:
        tz = self.catalog.timezone
        start = datetime.combine(day, time(0), tz)
        return start.timestamp(), (start + timedelta(days=1)).timestamp()

    # --- operations ---------------------------------------------------------------------

    async def health(self) -> dict[str, ServiceHealth]:
        """Each service's state, readiness, mailbox depth and undelivered mail."""
        rt = self.rt
        result = {}
        for name, service in rt.services.items():
            pending = None
            if service.store.is_open:
                try:
                    pending = await service.store.read(_pending_count)
                except BoxOfficeError:
                    pending = None
            result[name] = ServiceHealth(
                name=name,
                state=service.state.value,
                ready=service.ready,
                mailbox_depth=service.mailbox.qsize(),
                handled=service.handled,
                restarts=rt.supervisor.records[name].restarts,
                last_error=service.last_error,
                pending_deliveries=pending,
            )
        return result

    def _service(self, name: object) -> Service:
        if not isinstance(name, str) or name not in SERVICES:
            name = arguments.shown(name)
            raise InvalidInput(f"There is no service “{name}” (use {', '.join(SERVICES)}).")
        return self.rt.services[name]

    def breaker(self) -> BreakerSnapshot:
        """The payment circuit breaker now: state, failure and slow-call rates, next trial."""
        breaker = self.rt.reservation.breaker
        assert breaker is not None
        return breaker.snapshot()

    def payment_pool(self) -> PoolSnapshot:
        """The payment worker pool: size, busy and waiting workers, size over time."""
        return self.rt.payment.pool.snapshot()

    def reset_breaker(self) -> None:
        """Close the payment breaker by hand (after fixing what tripped it)."""
        breaker = self.rt.reservation.breaker
        if breaker is not None:
            breaker.reset()

    async def stop_service(self, name: str) -> None:
        """Stop one service on purpose (its mail waits in the journals)."""
        self._service(name)
        await self.rt.supervisor.stop(name)

    async def restart_service(self, name: str) -> None:
        """Rolling restart of one service: a new instance starts and becomes ready, takes
        all new work, and the old one finishes what it had before it stops. Nothing that
        was under way fails or is lost."""
        self._service(name)
        new = self.rt.factories[name]()
        await self.rt.supervisor.replace(name, new)

    async def start_service(self, name: str) -> None:
        """Start a stopped service; it catches up on the mail that waited for it."""
        self._service(name)
        await self.rt.supervisor.start(name)
        self.rt.dispatcher.wake()

    async def configure_payment_simulator(
        self,
        *,
        latency_ms: float | None = None,
        failure_rate: float | None = None,
        capacity: int | None = None,
    ) -> dict[str, Any]:
        """Turn the payment simulator's fault knobs at run time."""
        changes = check_knobs(latency_ms=latency_ms, failure_rate=failure_rate,
                              capacity=capacity)  # all checked before any is changed
        knobs = self.rt.payment.configure(**changes)
        return {"latency_ms": knobs.latency_ms, "failure_rate": knobs.failure_rate,
                "capacity": knobs.capacity}

    async def block_seats(self, show_id: str, seats: Iterable[str], blocked: bool = True) -> list[str]:
        """Take seats out of service for a show (the cinema rejects paid bookings of them)."""
        show = self._show(show_id)
        labels = arguments.seat_labels(seats)
        blocked = arguments.flag(blocked, "blocked")
        if not labels:
            raise InvalidInput("Give at least one seat to block or unblock, like 'E7'.")
        return await self._ask(self.rt.cinema, BlockSeats(show.id, tuple(labels), blocked), 10.0)

    async def cancel_show(self, show_id: str) -> None:
        """Cancel a show at the cinema: paid bookings not yet confirmed are rejected."""
        show = self._show(show_id)
        await self._ask(self.rt.cinema, CancelShow(show.id), 10.0)

    async def dead_letters(self) -> dict[str, list[Any]]:
        """Messages each running service gave up on."""
        return {
            name: await s.dead_letters()
            for name, s in self.rt.services.items()
            if s.store.is_open
        }

    async def retry_dead_letter(self, service: str, message_id: str) -> bool:
        """Apply a dead-lettered message again (after its cause was fixed)."""
        target = self._service(service)
        message_id = arguments.text(message_id, "message_id")
        return await self._ready(target).retry_dead_letter(message_id)

    def crash_service(self, name: str) -> None:
        """Fault injection: make a service's actor crash now (the supervisor restarts it)."""
        service = self._service(name)
        if service.ready:
            service.last_error = "crashed on purpose by an operator"
            service.crashed.set()

    async def settle(self, timeout: float = 30.0) -> bool:
        """Wait until no mail is waiting anywhere and no saga is mid-way (True), or time out.

        Meant for tests, benchmarks and shutdown: "once the system is quiet".
        """
        timeout = arguments.finite_number(timeout, "timeout", 0, LONGEST_WAIT_S)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while loop.time() < deadline:
            if await self._quiet():
                return True
            self.rt.dispatcher.wake()
            if self.rt.reservation.ready:
                try:
                    await self.rt.reservation.sweep()
                except BoxOfficeError:
                    pass
            await asyncio.sleep(0.05)
        return False

    async def _quiet(self) -> bool:
        """No mail waiting in any mailbox or journal, and no saga mid-way."""
        try:
            for service in self.rt.services.values():
                if service.mailbox.qsize() or not service.ready:
                    return False  # a stopped service's journal may hold mail we cannot see
                if await service.store.read(_pending_count):
                    return False
            return await self.rt.reservation.store.read(_no_saga_midway)
        except BoxOfficeError:  # a service went down while we looked
            return False


def _no_saga_midway(conn: Any) -> bool:
    from sqlalchemy import func, select

    from backend.services.reservation.model import BOOKINGS

    midway = conn.execute(
        select(func.count()).select_from(BOOKINGS).where(BOOKINGS.c.status.not_in(saga.TERMINAL))
    ).scalar_one()
    return midway == 0


def _pending_count(conn: Any) -> int:
    from backend.messaging.journal import pending_count

    return pending_count(conn)
