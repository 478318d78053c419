"""Reading the catalog's TOML files, checking every field before anything uses it.

Split from ``backend.catalog`` (which holds what a catalog *is*) because reading is a
job of its own: typed reads of each table that turn every problem into one
``ConfigError`` sentence naming the file, the entry and what is wrong.
"""

from __future__ import annotations

import re
import tomllib
from datetime import date, time
from pathlib import Path
from typing import Any, NoReturn
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from backend.catalog import (
    FILES,
    GENRES,
    RATINGS,
    Catalog,
    Film,
    Hall,
    TicketType,
    _HallSchedule,
)
from backend.errors import ConfigError
from backend.hall_layout import LayoutError, parse_layout

_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_HHMM = re.compile(r"([01][0-9]|2[0-3]):([0-5][0-9])")

def read_catalog(directory: Path) -> Catalog:
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
