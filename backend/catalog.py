"""The cinema's fixed facts: films, halls, prices and the daily schedule rule.

Why a catalog of files rather than database rows: the programme is data a manager edits
by hand (``data/*.toml``), and every process (the Textual app, the SSH command mode, the
services) loads the same files and so agrees on the same showtimes without sharing a
database. Showtimes are not stored at all; they are a pure function of the date, and
their ids (``20261124-hall-1-0930``) can be parsed back and checked against the rule.

A broken data file must give the clerk one clear sentence naming the file, the entry
and what is wrong, never a traceback, so :func:`load_catalog` validates everything up
front and raises :class:`~backend.errors.ConfigError` on the first problem (the reading is in
``backend.catalog_files``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from backend.arguments import shown
from backend.errors import InvalidInput, NotFound
from backend.hall_layout import SeatSpec

__all__ = [
    "GENRES",
    "RATINGS",
    "Catalog",
    "Film",
    "Hall",
    "SeatSpec",
    "Showtime",
    "TicketType",
    "default_catalog_dir",
    "load_catalog",
]

RATINGS: tuple[str, ...] = ("ALL", "12", "15", "18")
#: Genre keys allowed in films.toml, with their Korean and English names.
GENRES: dict[str, tuple[str, str]] = {
    "horror": ("공포", "Horror"), "comedy": ("코미디", "Comedy"), "drama": ("드라마", "Drama"),
    "sci-fi": ("SF", "Sci-fi"), "thriller": ("스릴러", "Thriller"),
    "romance": ("로맨스", "Romance"), "mystery": ("미스터리", "Mystery"),
    "action": ("액션", "Action"), "adventure": ("모험", "Adventure"),
    "animation": ("애니메이션", "Animation"), "documentary": ("다큐멘터리", "Documentary"),
    "fantasy": ("판타지", "Fantasy"), "war": ("전쟁", "War"), "western": ("서부", "Western"),
    "musical": ("뮤지컬", "Musical"),
}
MORNING_BEFORE = time(10, 0)
FILES = ("films.toml", "halls.toml", "prices.toml", "schedule.toml")
# ASCII digits only: ``\d`` would take a full-width ``５`` and make a second name of a show.
_SHOWTIME_ID = re.compile(r"([0-9]{8})-([a-z0-9]+(?:-[a-z0-9]+)*)-([0-9]{4})")


def _pick(lang: str, ko: str, en: str) -> str:
    """Korean text for 'ko' (or 'ko-KR'...), English otherwise."""
    return ko if lang.lower().startswith("ko") else en


@dataclass(frozen=True)
class Film:
    """A film in the programme, with both languages so the UI can switch freely."""

    id: str
    title_ko: str
    title_en: str
    year: int
    runtime_min: int
    rating: str  # "ALL" | "12" | "15" | "18" (Korean age ratings)
    genre: str  # a key of GENRES
    synopsis_ko: str
    synopsis_en: str

    def title(self, lang: str) -> str:
        return _pick(lang, self.title_ko, self.title_en)

    def synopsis(self, lang: str) -> str:
        return _pick(lang, self.synopsis_ko, self.synopsis_en)

    def genre_name(self, lang: str) -> str:
        ko, en = GENRES.get(self.genre, (self.genre, self.genre))
        return _pick(lang, ko, en)


@dataclass(frozen=True)
class Hall:
    """A screening room: its seats as drawn in halls.toml, with O(1) lookup by label."""

    id: str
    name_ko: str
    name_en: str
    seats: tuple[SeatSpec, ...]
    rows: tuple[str, ...]
    width: int  # widest layout line, in columns

    def __post_init__(self) -> None:
        # Derived lookups are plain attributes, not fields: equality, hashing, repr and
        # dataclasses.asdict() see only the hall as drawn.
        object.__setattr__(self, "_by_label", {s.label: s for s in self.seats})
        object.__setattr__(self, "_capacity", sum(1 for s in self.seats if not s.blocked))

    def name(self, lang: str) -> str:
        return _pick(lang, self.name_ko, self.name_en)

    def seat(self, label: str) -> SeatSpec | None:
        """The seat called ``label`` ("E5", "e5", " E5 "), or None if there is none."""
        if not isinstance(label, str):
            return None
        return self._by_label.get(label.strip().upper())

    @property
    def capacity(self) -> int:
        """Sellable seats: every seat and wheelchair space that is not blocked."""
        return self._capacity

    @property
    def blocked_labels(self) -> frozenset[str]:
        return frozenset(s.label for s in self.seats if s.blocked)


@dataclass(frozen=True)
class TicketType:
    """A kind of ticket (adult, youth, senior) and its base price before discounts."""

    id: str
    name_ko: str
    name_en: str
    price: int

    def name(self, lang: str) -> str:
        return _pick(lang, self.name_ko, self.name_en)


@dataclass(frozen=True)
class Showtime:
    """One screening of a film in a hall; derived from the schedule rule, never stored."""

    id: str
    film: Film
    hall: Hall
    starts_at: datetime  # timezone-aware, in the catalog's timezone
    ends_at: datetime

    @property
    def is_morning(self) -> bool:
        """Starts before 10:00 local time, so every ticket gets the morning discount."""
        return self.starts_at.time() < MORNING_BEFORE


@dataclass(frozen=True)
class _HallSchedule:
    hall: Hall
    starts: tuple[time, ...]
    films: tuple[Film, ...]
    order: int  # position of the hall in halls.toml, to sort shows starting together


@dataclass(eq=False)
class Catalog:
    """Everything loaded from a catalog directory; read-only once built."""

    films: dict[str, Film]
    halls: dict[str, Hall]
    ticket_types: dict[str, TicketType]
    timezone: ZoneInfo
    currency: str
    source_dir: Path
    morning_discount: int
    min_price: int  # the morning discount never takes a ticket below this
    premium_surcharge: int
    cleaning_min: int
    _schedule: dict[str, _HallSchedule]

    def __repr__(self) -> str:
        return (f"Catalog({self.source_dir}, {len(self.films)} films, "
                f"{len(self.halls)} halls, {self.timezone.key})")

    def showtimes(self, day: date) -> list[Showtime]:
        """Every show on ``day``, sorted by start time then hall; same answer every call."""
        if isinstance(day, datetime):
            day = day.date()
        shows = [(hs.order, self._make(day, hs, i))
                 for hs in self._schedule.values() for i in range(len(hs.starts))]
        shows.sort(key=lambda pair: (pair[1].starts_at, pair[0]))
        return [show for _, show in shows]

    def showtime(self, showtime_id: str) -> Showtime:
        """The show with this id; NotFound if the id is malformed or not on the schedule."""
        if not isinstance(showtime_id, str):
            raise NotFound(f"{shown(showtime_id)} is not a showtime id "
                           "(they look like 20261124-hall-1-0930).")
        cache = self.__dict__.setdefault("_showtime_cache", {})
        show = cache.get(showtime_id)
        if show is None:
            show = self._find_showtime(showtime_id)
            if len(cache) > 10_000:  # every hot path asks; keep it a lookup, not a parse
                cache.clear()
            cache[showtime_id] = show
        return show

    def _find_showtime(self, showtime_id: str) -> Showtime:
        match = _SHOWTIME_ID.fullmatch(showtime_id)
        if match is None:
            raise NotFound(f'"{shown(showtime_id)}" is not a showtime id '
                           '(they look like 20261124-hall-1-0930).')
        day_text, hall_id, hhmm = match.groups()
        try:
            day = datetime.strptime(day_text, "%Y%m%d").date()
            start = time(int(hhmm[:2]), int(hhmm[2:]))
            if not 1971 <= day.year <= 9998:  # the id must name itself: 00010101 is "10101"
                raise ValueError(day_text)
        except ValueError:
            raise NotFound(f'"{showtime_id}" is not a showtime id: '
                           "its date or time does not exist.") from None
        hs = self._schedule.get(hall_id)
        if hs is None:
            raise NotFound(f'No showtime "{showtime_id}": there is no open hall "{hall_id}".')
        if start not in hs.starts:
            raise NotFound(f'No showtime "{showtime_id}": {hs.hall.name_en} has no show at '
                           f"{start:%H:%M} on {day:%Y-%m-%d}.")
        return self._make(day, hs, hs.starts.index(start))

    def ticket_price(self, ticket_type: str, showtime: Showtime,
                     seat: SeatSpec | None = None) -> int:
        """Price of one ticket: base, less the morning discount (down to min_price at
        most), plus the premium surcharge for a premium seat."""
        tt = self.ticket_types.get(ticket_type)
        if tt is None:
            choices = ", ".join(self.ticket_types)
            raise InvalidInput(f'Unknown ticket type "{ticket_type}"; choose one of {choices}.')
        price = tt.price
        if showtime.is_morning:
            price = max(price - self.morning_discount, min(price, self.min_price))
        if seat is not None and seat.kind == "premium":
            price += self.premium_surcharge
        return price

    def _make(self, day: date, hs: _HallSchedule, slot: int) -> Showtime:
        """The show in ``slot`` on ``day``; the film rotates one slot along per day."""
        start = hs.starts[slot]
        film = hs.films[(day.toordinal() + slot) % len(hs.films)]
        starts_at = datetime.combine(day, start, tzinfo=self.timezone)
        return Showtime(
            id=f"{day:%Y%m%d}-{hs.hall.id}-{start:%H%M}",
            film=film,
            hall=hs.hall,
            starts_at=starts_at,
            ends_at=starts_at + timedelta(minutes=film.runtime_min),
        )


def default_catalog_dir() -> Path:
    """``data/`` of the source tree when running from it, else the copy in the wheel."""
    source_tree = Path(__file__).resolve().parent.parent / "data"
    if (source_tree / FILES[0]).is_file():
        return source_tree
    return Path(__file__).resolve().parent / "_demo_data"


def load_catalog(directory: Path) -> Catalog:
    """Load and check the four catalog files; raise ConfigError naming the first problem."""
    from backend.catalog_files import read_catalog

    return read_catalog(directory)
