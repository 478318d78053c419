"""``FakeOffice``: the whole ``BoxOfficeAPI`` in memory, for screen tests.

No database, no actors, no threads: a screen test starts in milliseconds. It behaves as
a screen sees the real ``BoxOffice`` behave, and ``tests/contract`` runs one suite against
both so they do not drift apart:

* the bundled catalog (or one passed in), and a clock a test moves (``ManualClock``);
* the same argument checks, errors and sentences (it uses the real ``arguments``,
  ``tender``, ``pricing`` and ``codes``, and the real circuit breaker);
* holds that run out with the clock, seats taken by others (``SeatUnavailable``);
* bookings with codes, statuses and a timeline (PAID, then COMPLETED once the cinema
  confirms; ``cancel`` refunds and ends CANCELLED), history, sales, watches;
* the payment simulator's knobs and test cards (declines), services that stop and start
  (``ServiceUnavailable`` with the real sentences, mail that waits for them), and an
  ``ops_snapshot()``.

It does not model the supervisor (a crashed service is simply back 50 ms later), dead
letters, a payment worker pool that grows, or several processes sharing data: tests of
those use the real ``BoxOffice``. Its files: ``fake_core`` (life cycle, services, the mail
between them, shared checks), ``fake_records`` (what it remembers), ``fake_selling`` and
``fake_sagas`` (holds, payments, the sagas), and this one (looking up, operating).
"""

from __future__ import annotations

import time as _time
from collections.abc import AsyncIterator, Iterable
from datetime import date, datetime, time, timedelta
from typing import Any

from backend import arguments
from backend.errors import BoxOfficeError, InvalidInput, NotFound
from backend.ops_snapshot import BreakerChange, DeadLetter, OpsSnapshot, SimulatorSettings
from backend.runtime.breaker import BreakerSnapshot
from backend.runtime.pool import PoolSnapshot
from backend.services.information.status import STATUS_RANK
from backend.services.payment.simulator import check_knobs
from backend.services.reservation import saga
from backend.tender import normalise_phone
from backend.testing.fake_core import DAYS_AHEAD, LONGEST_WAIT_S
from backend.testing.fake_records import FakeBooking
from backend.testing.fake_selling import CINEMA, FakeSelling
from backend.views import Booking, SalesDay, SeatMap, SeatState, ServiceHealth, ShowtimeSummary

INFORMATION = "information"
#: The most bookings one ``history`` call returns.
HISTORY_MAX = 1_000_000
#: How many breaker changes ``ops_snapshot`` hands the Ops screen.
BREAKER_CHANGES_SHOWN = 20


class FakeOffice(FakeSelling):
    """A box office in memory that a screen cannot tell from the real one."""

    # --- the programme ------------------------------------------------------------------

    async def showtimes(self, day: date | None = None) -> list[ShowtimeSummary]:
        """Every show of a day (default today) with how many seats are free."""
        day = self.today() if day is None else arguments.a_day(day)
        if day not in self.days():
            raise InvalidInput(
                f"Showtimes are published for today and the next {DAYS_AHEAD} days, not {day}."
            )
        known = self.running and self.services[INFORMATION].ready
        if known:
            self._ready(INFORMATION)
            self._sweep()
        summaries = []
        for show in self.catalog.showtimes(day):
            taken = self.taken.get(show.id, {}) if known else {}
            held = sum(1 for state, _ in taken.values() if state == "held")
            sold = len(taken) - held
            blocked = len(self.blocked.get(show.id, set()) - set(taken)) if known else 0
            summaries.append(ShowtimeSummary(
                id=show.id, film_id=show.film.id, title=show.film.title_ko,
                title_en=show.film.title_en, rating=show.film.rating,
                runtime_min=show.film.runtime_min, hall_id=show.hall.id,
                hall=show.hall.name_ko, hall_en=show.hall.name_en, starts_at=show.starts_at,
                ends_at=show.ends_at, capacity=show.hall.capacity,
                seats_free=max(0, show.hall.capacity - held - sold - blocked),
                seats_held=held, seats_sold=sold, counts_known=known,
            ))
        return summaries

    async def seat_map(self, show_id: str) -> SeatMap:
        """Every seat of a show with its state."""
        show = self._show(show_id)
        self._ready(INFORMATION)
        self._sweep()
        taken = self.taken.get(show.id, {})
        out = self.blocked.get(show.id, set())
        seats = tuple(
            SeatState(
                label=s.label, row=s.row, number=s.number, kind=s.kind, column=s.column,
                row_index=s.row_index,
                state=taken[s.label][0] if s.label in taken
                else "blocked" if s.blocked or s.label in out else "free",
            )
            for s in show.hall.seats
        )
        hall = show.hall
        return SeatMap(show.id, hall.id, hall.width, hall.rows, seats)

    async def watch_seat_map(self, show_id: str, interval: float = 0.5) -> AsyncIterator[SeatMap]:
        """Yield the seat map now and again whenever it changes (or the clock lets a hold
        run out: looked at every ``interval`` seconds)."""
        show_id = self._show(show_id).id
        interval = arguments.finite_number(interval, "interval", 0.01, LONGEST_WAIT_S)
        last: SeatMap | None = None
        while True:
            current = await self.seat_map(show_id)
            if current != last:
                last = current
                yield current
            await self._changes(interval)

    # --- bookings -----------------------------------------------------------------------

    def _by_code(self, code: str) -> FakeBooking | None:
        return self.bookings.get(self.codes.get(code, ""))

    async def booking(self, code: str) -> Booking:
        """A booking with its whole timeline; NotFound if no booking has the code."""
        code = self._code(code)
        self._ready(INFORMATION)
        found = self._by_code(code)
        if found is None:
            raise NotFound(f"No booking has the code {code}.", key="booking.none", code=code)
        return self._view(found)

    async def watch_booking(self, code: str, interval: float = 0.5) -> AsyncIterator[Booking]:
        """Yield a booking now and whenever it changes, until its saga rests."""
        code = self._code(code)
        interval = arguments.finite_number(interval, "interval", 0.01, LONGEST_WAIT_S)
        self._ready(INFORMATION)
        last: Booking | None = None
        while True:
            try:
                current: Booking | None = await self.booking(code)
            except NotFound:
                current = None
            if current is not None and current != last:
                last = current
                yield current
                if saga.story_told(current.status, (s.step for s in current.timeline)):
                    return
            await self._changes(interval)

    async def wait_for_booking(
        self, code: str, statuses: Iterable[str] = ("COMPLETED",), timeout: float = 10.0
    ) -> Booking | None:
        """The booking once it is in one of ``statuses``, or None after ``timeout``."""
        code = self._code(code)
        wanted = set(arguments.statuses(statuses, STATUS_RANK))
        timeout = arguments.finite_number(timeout, "timeout", 0, LONGEST_WAIT_S)
        self._ready(INFORMATION)

        def there() -> bool:
            found = self._by_code(code)
            return found is not None and found.status in wanted

        if not await self._until(there, timeout):
            return None
        self._ready(INFORMATION)
        return self._view(self._by_code(code))  # type: ignore[arg-type]

    async def history(
        self, phone: str | None = None, *, status: str | None = None,
        day: date | None = None, limit: int = 500, phone_digits: str | None = None,
    ) -> list[Booking]:
        """Bookings newest first, filtered (phone exactly, or part of one; status; day)."""
        phone = normalise_phone(phone)
        digits = arguments.phone_digits(phone_digits)
        if status is not None:
            status = arguments.one_of(status, "status", STATUS_RANK)
        limit = arguments.whole_number(limit, "limit", 1, HISTORY_MAX)
        bounds = self._day_bounds(arguments.a_day(day)) if day is not None else None
        self._ready(INFORMATION)
        found = [
            b for b in reversed(self.bookings.values())
            if (phone is None or b.phone == phone)
            and (digits is None or (b.phone is not None and digits in b.phone.replace("-", "")))
            and (status is None or b.status == status)
            and (bounds is None or bounds[0] <= b.created_at < bounds[1])
        ]
        found.sort(key=lambda b: b.created_at, reverse=True)  # stable: newest made first
        return [self._view(b, timeline=False) for b in found[:limit]]

    async def sales(self, day: date | None = None) -> SalesDay:
        """Takings of a day (by time of sale): completed bookings less refunds."""
        day = self.today() if day is None else arguments.a_day(day)
        since, until = self._day_bounds(day)
        self._ready(INFORMATION)
        sold = [b for b in self.bookings.values()
                if b.completed_at is not None and since <= b.created_at < until]
        return SalesDay(
            day=day.isoformat(), bookings=len(sold), tickets=sum(len(b.seats) for b in sold),
            amount=sum(b.amount for b in sold), refunded=sum(b.refunded_amount for b in sold),
        )

    def _day_bounds(self, day: date) -> tuple[datetime, datetime]:
        start = datetime.combine(day, time(0), self.catalog.timezone)
        return start, start + timedelta(days=1)

    # --- operating ----------------------------------------------------------------------

    async def health(self) -> dict[str, ServiceHealth]:
        """Each service's state, readiness, mailbox and undelivered mail."""
        self._need_running()
        return {
            name: ServiceHealth(
                name=name, state=s.state, ready=s.ready,
                mailbox_depth=sum(1 for mail in self.mail if mail.receiver == name and s.ready),
                handled=s.handled, restarts=s.restarts, last_error=s.last_error,
                pending_deliveries=(sum(1 for mail in self.mail if mail.sender == name)
                                    if s.state != "stopped" else None),
                stopped_by_operator=s.state == "stopped",  # only stop_service stops one here
            )
            for name, s in self.services.items()
        }

    async def ops_snapshot(self) -> OpsSnapshot:
        """Everything the Ops screen shows; a part that cannot be read is in ``problems``."""
        problems: dict[str, BoxOfficeError] = {}
        health: dict[str, ServiceHealth] = {}
        breaker = pool = simulator = None
        changes: tuple[BreakerChange, ...] = ()
        letters: list[DeadLetter] = []
        try:
            health = await self.health()
            breaker = self.breaker()
            now, mono = self.clock.now(), self._breaker_clock.monotonic()
            changes = tuple(BreakerChange(now - timedelta(seconds=max(0.0, mono - t.at)), t)
                            for t in self.breaker_transitions[-BREAKER_CHANGES_SHOWN:])
            pool = self.payment_pool()
            simulator = self.payment_simulator()
            for found in (await self.dead_letters()).values():
                letters.extend(found)
        except BoxOfficeError as exc:  # not running: every part says so
            for part in ("health", "breaker", "pool", "simulator", "dead_letters"):
                problems[part] = exc
        return OpsSnapshot(
            health=health, breaker=breaker, breaker_changes=changes, pool=pool,
            pool_now=_time.monotonic(), simulator=simulator, dead_letters=tuple(letters),
            problems=problems,
        )

    def breaker(self) -> BreakerSnapshot:
        """The payment circuit breaker now (a real one, fed by the fake's payments)."""
        self._need_running()
        return self.payment_breaker.snapshot()

    def payment_pool(self) -> PoolSnapshot:
        """The payment worker pool: it stays at its smallest size in the fake."""
        self._need_running()
        size = self.settings.pool_min
        return PoolSnapshot(size, min(self.in_flight, size), max(0, self.in_flight - size),
                            size, max(size, self.settings.pool_max),
                            ((_time.monotonic(), size),))

    def reset_breaker(self) -> None:
        """Close the payment breaker by hand."""
        self._need_running()
        self.payment_breaker.reset()

    async def stop_service(self, name: str) -> None:
        """Stop one service on purpose: calls it answers raise ServiceUnavailable and the
        mail for it waits until it is started again."""
        self._service(name).state = "stopped"
        self._touch()

    async def start_service(self, name: str) -> None:
        """Start a stopped service; it catches up on the mail that waited for it."""
        self._service(name).state = "ready"
        self._touch()
        self._deliver_soon()

    async def restart_service(self, name: str) -> None:
        """A rolling restart: nothing under way is lost; ``restarts`` grows by one."""
        service = self._service(name)
        service.state, service.handled = "ready", 0
        service.restarts += 1
        self._touch()
        self._deliver_soon()

    def crash_service(self, name: str) -> None:
        """Fault injection: the service restarts a moment later, as under the supervisor."""
        service = self._service(name)
        if not service.ready:
            return
        service.state, service.last_error = "restarting", "crashed on purpose by an operator"
        service.restarts += 1
        self._touch()

        def back() -> None:
            if service.state == "restarting":
                service.state, service.handled = "ready", 0
                self._deliver_soon()

        self._after(0.05, back)

    def payment_simulator(self) -> SimulatorSettings:
        """The payment simulator's knobs now."""
        self._need_running()
        return SimulatorSettings(self.knobs.latency_ms, self.knobs.failure_rate,
                                 self.knobs.capacity)

    async def configure_payment_simulator(
        self, *, latency_ms: float | None = None, failure_rate: float | None = None,
        capacity: int | None = None,
    ) -> dict[str, Any]:
        """Turn the payment simulator's knobs; returns all three as they now are."""
        changes = check_knobs(latency_ms=latency_ms, failure_rate=failure_rate,
                              capacity=capacity)
        self._need_running()
        for key, value in changes.items():
            setattr(self.knobs, key, value)
        return {"latency_ms": self.knobs.latency_ms, "failure_rate": self.knobs.failure_rate,
                "capacity": self.knobs.capacity}

    async def block_seats(
        self, show_id: str, seats: Iterable[str], blocked: bool = True
    ) -> list[str]:
        """Take seats of a show out of service (or put them back)."""
        show = self._show(show_id)
        labels = arguments.seat_labels(seats)
        blocked = arguments.flag(blocked, "blocked")
        if not labels:
            raise InvalidInput("Give at least one seat to block or unblock, like 'E7'.")
        self._ready(CINEMA)
        for seat in labels:
            if show.hall.seat(seat) is None:
                raise InvalidInput(f"{show.hall.name_en} has no seat {seat}.")
        canonical = [show.hall.seat(s).label for s in labels]  # type: ignore[union-attr]
        out = self.blocked.setdefault(show.id, set())
        if blocked:
            out.update(canonical)
        else:
            out.difference_update(canonical)
        self._touch()
        return canonical

    async def cancel_show(self, show_id: str) -> None:
        """Cancel a show: paid bookings the cinema has not confirmed yet are rejected."""
        show = self._show(show_id)
        self._ready(CINEMA)
        self.cancelled_shows.add(show.id)

    async def dead_letters(self) -> dict[str, list[DeadLetter]]:
        """Messages each running service gave up on: the fake never gives up on one."""
        self._need_running()
        return {name: [] for name, s in self.services.items() if s.state != "stopped"}

    async def retry_dead_letter(self, service: str, message_id: str) -> bool:
        """There are no dead letters in the fake: False, after the same checks."""
        target = self._service(service)
        arguments.text(message_id, "message_id")
        self._ready(target.name)
        return False

    async def quiet(self) -> bool:
        """True when no mail waits and no sale is mid-way; else nudges and answers False.
        Never raises (not running: False)."""
        if not self.running:
            return False
        if (not self.mail and all(s.ready for s in self.services.values())
                and all(b.status in saga.TERMINAL for b in self.bookings.values())):
            return True
        self._deliver_soon()
        if self.services["reservation"].ready:
            self._sweep()
        return False


__all__ = ["FakeOffice"]
