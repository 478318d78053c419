"""The cinema's fixed facts: films, halls, prices and the daily schedule rule.

Why a catalog of files rather than database rows: the programme is data a manager edits
by hand (``data/*.toml``), and every process (the Textual app, the SSH command mode, the
services) loads the same files and so agrees on the same showtimes without sharing a
database. Showtimes are not stored at all; they are a pure function of the date, and
their ids (``20261124-hall-1-0930``) can be parsed back and checked against the rule.

A broken data file must give the clerk one clear sentence naming the file, the entry
and what is wrong, never a traceback, so :func:`load_catalog` validates everything up
front and raises :class:`~backend.errors.ConfigError` on the first problem.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any, NoReturn
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from backend.arguments import shown
from backend.errors import ConfigError, InvalidInput, NotFound
from backend.hall_layout import LayoutError, SeatSpec, parse_layout

__all__ = ["Catalog", "Film", "GENRES", "Hall", "RATINGS", "SeatSpec", "Showtime",
           "TicketType", "default_catalog_dir", "load_catalog"]

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
_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_HHMM = re.compile(r"([01][0-9]|2[0-3]):([0-5][0-9])")
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
    directory = Path(directory).resolve()
    if not directory.is_dir():
        raise ConfigError(f"catalog directory {directory} does not exist or is not a directory")
    doc = {name: _Doc(directory, name) for name in FILES}
    films = _load_films(doc["films.toml"])
    halls = _load_halls(doc["halls.toml"])
    prices = doc["prices.toml"]
    prices.only({"currency", "morning_discount", "min_price", "premium_surcharge",
                 "ticket_types"})
    currency = prices.text("currency")
    if not re.fullmatch(r"[A-Z]{3}", currency):
        prices.fail(f'currency must be a three-letter code such as "KRW" (got "{currency}")')
    ticket_types = _load_ticket_types(prices)
    sched = doc["schedule.toml"]
    sched.only({"timezone", "cleaning_min", "halls"})
    timezone = _zone(sched)
    cleaning = sched.integer("cleaning_min", minimum=0)
    schedule = _load_schedule(sched, films, halls, cleaning,
                              doc["films.toml"].label, doc["halls.toml"].label)
    return Catalog(
        films=films, halls=halls, ticket_types=ticket_types, timezone=timezone,
        currency=currency, source_dir=directory,
        morning_discount=prices.integer("morning_discount", minimum=0),
        min_price=prices.integer("min_price", minimum=0),
        premium_surcharge=prices.integer("premium_surcharge", minimum=0),
        cleaning_min=cleaning, _schedule=schedule,
    )


class _Entry:
    """Typed reads from one TOML table; every problem becomes a ConfigError saying where."""

    def __init__(self, where: str, data: Any) -> None:
        self.where = where
        if not isinstance(data, dict):
            self.fail(f"must be a table of fields (got {_kind(data)})")
        self.data: dict[str, Any] = data

    def fail(self, problem: str) -> NoReturn:
        raise ConfigError(f"{self.where}: {problem}")

    def only(self, allowed: set[str]) -> None:
        for key in self.data:
            if key not in allowed:
                self.fail(f'unknown field "{key}" (expected {", ".join(sorted(allowed))})')

    def get(self, key: str, kind: type, what: str) -> Any:
        if key not in self.data:
            self.fail(f'missing field "{key}"')
        value = self.data[key]
        if not isinstance(value, kind) or isinstance(value, bool) != (kind is bool):
            self.fail(f'"{key}" must be {what} (got {_kind(value)})')
        return value

    def text(self, key: str) -> str:
        value = self.get(key, str, "text in quotes")
        if not value.strip():
            self.fail(f'"{key}" must not be empty')
        return value

    def slug(self, key: str) -> str:
        value = self.text(key)
        if not _SLUG.fullmatch(value):
            self.fail(f'"{key}" must use only a-z, 0-9 and single dashes (got "{value}")')
        return value

    def integer(self, key: str, minimum: int | None = None, maximum: int | None = None) -> int:
        value = self.get(key, int, "a whole number")
        if minimum is not None and value < minimum:
            self.fail(f'"{key}" must be at least {minimum} (got {value})')
        if maximum is not None and value > maximum:
            self.fail(f'"{key}" must be at most {maximum} (got {value})')
        return value

    def texts(self, key: str) -> list[str]:
        values = self.get(key, list, 'a list of texts like ["a", "b"]')
        if not values:
            self.fail(f'"{key}" must not be an empty list')
        for value in values:
            if not isinstance(value, str):
                self.fail(f'"{key}" must list only texts in quotes (got {_kind(value)})')
        return values

    def tables(self, key: str, noun: str) -> list[Any]:
        values = self.get(key, list, f"a list of [[{key}]] tables") if key in self.data else []
        if not values:
            self.fail(f"defines no {noun}s; add at least one [[{key}]] table")
        return values


class _Doc(_Entry):
    """A whole catalog file: found, read and parsed, or a ConfigError saying why not."""

    def __init__(self, directory: Path, name: str) -> None:
        self.label = f"{directory.name}/{name}" if directory.name else name
        path = directory / name
        if not path.is_file():
            raise ConfigError(f"{self.label}: missing file (looked for {path})")
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except UnicodeDecodeError:
            raise ConfigError(f"{self.label}: file is not UTF-8 text") from None
        except OSError as exc:
            raise ConfigError(f"{self.label}: cannot read file ({exc.strerror})") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{self.label}: file is not valid TOML: {exc}") from None
        super().__init__(self.label, data)

    def entries(self, key: str, noun: str, id_key: str = "id") -> list[tuple[str, _Entry]]:
        """Each [[key]] table as (id, entry), refusing duplicate ids."""
        seen: set[str] = set()
        result = []
        for n, data in enumerate(self.tables(key, noun), start=1):
            entry = _Entry(f"{self.label}, {noun} #{n}", data)
            ident = entry.slug(id_key)
            entry.where = f'{self.label}, {noun} "{ident}"'
            if ident in seen:
                entry.fail(f'{id_key} "{ident}" is already used by an earlier [[{key}]] entry')
            seen.add(ident)
            result.append((ident, entry))
        return result


def _kind(value: Any) -> str:
    """A short description of a TOML value for error messages."""
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    if isinstance(value, str):
        return f'the text "{value}"' if len(value) <= 40 else "a text"
    if isinstance(value, (date, time)):  # TOML reads an unquoted 09:30 as a time
        return f"{value} without quotes"
    return {list: "a list", dict: "a table"}.get(type(value), type(value).__name__)


def _load_films(doc: _Doc) -> dict[str, Film]:
    doc.only({"films"})
    films = {}
    for film_id, e in doc.entries("films", "film"):
        e.only({"id", "title_ko", "title_en", "year", "runtime_min", "rating", "genre",
                "synopsis_ko", "synopsis_en"})
        if "rating" not in e.data:
            e.fail('missing field "rating"')
        rating = e.data["rating"]
        if rating not in RATINGS:
            got = f'"{rating}"' if isinstance(rating, str) else f"{rating!r}, not in quotes"
            e.fail(f"rating must be one of {', '.join(RATINGS)} (got {got})")
        genre = e.text("genre")
        if genre not in GENRES:
            e.fail(f'genre must be one of {", ".join(GENRES)} (got "{genre}")')
        films[film_id] = Film(
            id=film_id, title_ko=e.text("title_ko"), title_en=e.text("title_en"),
            year=e.integer("year", 1888, 2100), runtime_min=e.integer("runtime_min", 1, 600),
            rating=rating, genre=genre,
            synopsis_ko=e.text("synopsis_ko"), synopsis_en=e.text("synopsis_en"),
        )
    return films


def _load_halls(doc: _Doc) -> dict[str, Hall]:
    doc.only({"halls"})
    halls = {}
    for hall_id, e in doc.entries("halls", "hall"):
        e.only({"id", "name_ko", "name_en", "layout"})
        name_ko, name_en, layout = e.text("name_ko"), e.text("name_en"), e.text("layout")
        try:
            parsed = parse_layout(layout)
        except LayoutError as exc:
            raise ConfigError(f"{e.where}, {exc}") from None
        hall = Hall(id=hall_id, name_ko=name_ko, name_en=name_en, seats=parsed.seats,
                    rows=parsed.rows, width=parsed.width)
        if hall.capacity == 0:
            e.fail("every seat in the layout is blocked ('x'); the hall could sell nothing")
        halls[hall_id] = hall
    return halls


def _load_ticket_types(doc: _Doc) -> dict[str, TicketType]:
    types = {}
    for type_id, e in doc.entries("ticket_types", "ticket type"):
        e.only({"id", "name_ko", "name_en", "price"})
        types[type_id] = TicketType(id=type_id, name_ko=e.text("name_ko"),
                                    name_en=e.text("name_en"), price=e.integer("price", 0))
    return types


def _zone(doc: _Doc) -> ZoneInfo:
    name = doc.text("timezone")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        doc.fail(f'unknown timezone "{name}" (use an IANA name such as "Asia/Seoul")')


def _clock(minutes: int) -> str:
    """Minutes after midnight as "HH:MM" (times past midnight say so)."""
    days, minutes = divmod(minutes, 24 * 60)
    return f"{minutes // 60:02d}:{minutes % 60:02d}" + (" the next day" if days else "")


def _load_schedule(doc: _Doc, films: dict[str, Film], halls: dict[str, Hall], cleaning: int,
                   films_label: str, halls_label: str) -> dict[str, _HallSchedule]:
    schedule: dict[str, _HallSchedule] = {}
    order = {hall_id: n for n, hall_id in enumerate(halls)}
    for hall_id, e in doc.entries("halls", "hall", id_key="hall"):
        e.only({"hall", "starts", "films"})
        if hall_id not in halls:
            e.fail(f'hall "{hall_id}" is not defined in {halls_label}')
        starts: list[time] = []
        for text in e.texts("starts"):
            m = _HHMM.fullmatch(text)
            if m is None:
                e.fail(f'start time "{text}" is not a 24-hour time like "09:30"')
            start = time(int(m[1]), int(m[2]))
            if starts and start <= starts[-1]:
                e.fail(f'start times must be listed earliest first without repeats '
                       f'("{text}" comes after "{starts[-1]:%H:%M}")')
            starts.append(start)
        rotation = []
        for film_id in e.texts("films"):
            if film_id not in films:
                e.fail(f'film "{film_id}" is not defined in {films_label}')
            rotation.append(films[film_id])
        longest = max(rotation, key=lambda f: f.runtime_min)
        _check_fit(e, starts, longest, cleaning)
        schedule[hall_id] = _HallSchedule(halls[hall_id], tuple(starts), tuple(rotation),
                                          order[hall_id])
    return schedule


def _check_fit(e: _Entry, starts: list[time], longest: Film, cleaning: int) -> None:
    """Any film of the rotation can land in any slot, so each gap must fit the longest."""
    minutes = [t.hour * 60 + t.minute for t in starts]
    for i, start in enumerate(minutes):
        end = start + longest.runtime_min
        why = f'longest film "{longest.id}" runs {longest.runtime_min} min'
        if i + 1 < len(minutes):
            if end + cleaning > minutes[i + 1]:
                e.fail(f"the {_clock(start)} show overlaps the {_clock(minutes[i + 1])} show: "
                       f"{why}, plus {cleaning} min cleaning, so the hall is busy until "
                       f"{_clock(end + cleaning)}")
        elif end > 24 * 60:
            e.fail(f"the last show at {_clock(start)} would end at {_clock(end)} ({why}); "
                   "every show must end by midnight")
