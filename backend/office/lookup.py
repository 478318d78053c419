"""Looking things up: the programme, seat maps (and their cache), bookings, history, sales.

Everything here reads the information view (the read side fed by every service's
events), never a write side, except one fallback: a booking the view has not got yet is
read from reservation, so a code the clerk was just given is always found. The
``watch_*`` streams yield again whenever what they follow changes, in this process at
once and from other terminals within their poll interval.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import date, datetime, time, timedelta
from typing import Any

from backend import arguments
from backend.errors import InvalidInput, NotFound
from backend.office.core import DAYS_AHEAD, LONGEST_WAIT_S, OfficeCore
from backend.services.information.status import STATUS_RANK
from backend.services.reservation import saga
from backend.tender import normalise_phone
from backend.views import Booking, SalesDay, SeatMap, SeatState, ShowtimeSummary

#: Every state a seat on a seat map can be in.
SEAT_STATES = ("free", "held", "sold", "blocked")
#: The most bookings one ``history`` call returns.
HISTORY_MAX = 1_000_000  # bench/siege.py reads a whole siege back in one call


class Lookup(OfficeCore):
    """The programme, seat maps, bookings, history and sales, from the information view."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        #: show id -> (the view's snapshot it was built from, the seat map).
        self._maps: dict[str, tuple[Any, Any, SeatMap]] = {}
        #: hall id -> (hall, its seats' shared SeatState rows); see ``seat_map``.
        self._hall_states: dict[str, tuple[Any, list[tuple[str, str, dict[str, SeatState]]]]] = {}

    # --- the programme ------------------------------------------------------------------

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

    # --- bookings -----------------------------------------------------------------------

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
                if saga.story_told(current.status, (s.step for s in current.timeline)):
                    return
            key = current.id if current is not None else code

            async def changed() -> bool | None:
                try:
                    now = await self.booking(code)
                except NotFound:
                    return None
                return True if now != last else None

            await information.wait_for(key, changed, 3600.0, poll=interval)

    async def wait_for_booking(
        self, code: str, statuses: Any = ("COMPLETED",), timeout: float = 10.0
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
