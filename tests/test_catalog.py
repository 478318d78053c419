"""Tests for the bundled demo catalog and for the loader's error messages.

The catalog is the one place every process agrees on films, halls, prices and
showtimes, so these tests pin both the demo data the product ships with and the rule
that a broken data file gives one clear ConfigError naming the file and the entry.
"""

from __future__ import annotations

import shutil
from datetime import date, timedelta
from pathlib import Path

import pytest

from backend.catalog import Catalog, default_catalog_dir, load_catalog
from backend.errors import ConfigError, InvalidInput, NotFound

FIRST_DAY = date(2026, 11, 24)
WEEK = [FIRST_DAY + timedelta(days=n) for n in range(7)]


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog(default_catalog_dir())


# --- the bundled demo data ------------------------------------------------------------


def test_default_dir_is_source_tree_data() -> None:
    assert default_catalog_dir() == Path(__file__).resolve().parent.parent / "data"


def test_films_have_both_titles(catalog: Catalog) -> None:
    assert len(catalog.films) >= 6
    for film in catalog.films.values():
        assert film.title("ko") and film.title("en")
        assert film.title("ko") != film.title("en")
        assert film.rating in {"ALL", "12", "15", "18"}
        assert film.runtime_min > 0
    assert catalog.films["nosferatu"].title("ko") == "노스페라투"
    assert catalog.films["nosferatu"].genre_name("ko") == "공포"


def test_halls_and_seat_kinds(catalog: Catalog) -> None:
    assert len(catalog.halls) >= 3
    assert max(hall.capacity for hall in catalog.halls.values()) >= 300
    seats = [seat for hall in catalog.halls.values() for seat in hall.seats]
    assert {"standard", "premium", "wheelchair"} <= {seat.kind for seat in seats}
    assert any(seat.blocked for seat in seats)
    for hall in catalog.halls.values():
        assert hall.capacity == len(hall.seats) - len(hall.blocked_labels)
        assert hall.name("ko").endswith("관")
        assert max(seat.column for seat in hall.seats) < hall.width


def test_aisles_leave_gaps_in_columns(catalog: Catalog) -> None:
    hall = catalog.halls["hall-1"]
    row_a = [seat for seat in hall.seats if seat.row == "A"]
    columns = [seat.column for seat in row_a]
    assert [seat.number for seat in row_a] == list(range(1, len(row_a) + 1))
    assert any(b - a > 1 for a, b in zip(columns, columns[1:])), "no aisle in row A"


def test_seat_lookup_by_label(catalog: Catalog) -> None:
    hall = catalog.halls["hall-1"]
    seat = hall.seat("e5")
    assert seat is not None and seat.label == "E5" and seat.row == "E" and seat.number == 5
    assert seat.row_index == 4
    assert hall.seat(" E5 ") is seat
    assert hall.seat("Z99") is None and hall.seat("") is None
    assert "E7" in hall.blocked_labels and hall.seat("E7").blocked


def test_week_of_showtimes(catalog: Catalog) -> None:
    for day in WEEK:
        shows = catalog.showtimes(day)
        assert shows, day
        assert shows == catalog.showtimes(day)  # deterministic
        assert [s.starts_at for s in shows] == sorted(s.starts_at for s in shows)
        for show in shows:
            assert show.starts_at.date() == day
            assert show.starts_at.tzinfo is catalog.timezone
            assert catalog.showtime(show.id) == show
        by_hall: dict[str, list] = {}
        for show in shows:
            by_hall.setdefault(show.hall.id, []).append(show)
        for hall_shows in by_hall.values():
            for before, after in zip(hall_shows, hall_shows[1:]):
                gap = after.starts_at - before.ends_at
                assert gap >= timedelta(minutes=catalog.cleaning_min), (before.id, after.id)


def test_programme_rotates_between_days(catalog: Catalog) -> None:
    line_ups = {tuple(s.film.id for s in catalog.showtimes(day)) for day in WEEK}
    assert len(line_ups) > 1


def test_showtime_id_format(catalog: Catalog) -> None:
    show = catalog.showtime("20261124-hall-1-0930")
    assert show.hall.id == "hall-1"
    assert show.starts_at.strftime("%Y-%m-%d %H:%M") == "2026-11-24 09:30"


def test_morning_discount_and_premium_surcharge(catalog: Catalog) -> None:
    shows = catalog.showtimes(FIRST_DAY)
    morning = next(s for s in shows if s.is_morning)
    later = next(s for s in shows if not s.is_morning and s.hall is morning.hall)
    adult = catalog.ticket_types["adult"].price
    assert catalog.ticket_price("adult", later) == adult
    assert catalog.ticket_price("adult", morning) == adult - catalog.morning_discount
    senior = catalog.ticket_price("senior", morning)
    assert senior == max(catalog.ticket_types["senior"].price - catalog.morning_discount,
                         catalog.min_price)
    hall = later.hall
    premium = next(seat for seat in hall.seats if seat.kind == "premium")
    standard = next(seat for seat in hall.seats if seat.kind == "standard")
    wheelchair = next(seat for seat in hall.seats if seat.kind == "wheelchair")
    assert catalog.ticket_price("adult", later, premium) == adult + catalog.premium_surcharge
    assert catalog.ticket_price("adult", later, standard) == adult
    assert catalog.ticket_price("adult", later, wheelchair) == adult


def test_unknown_ticket_type(catalog: Catalog) -> None:
    show = catalog.showtimes(FIRST_DAY)[0]
    with pytest.raises(InvalidInput):
        catalog.ticket_price("child", show)


@pytest.mark.parametrize("bad_id", [
    "nonsense", "", "20261124-hall-1-930", "20261324-hall-1-0930", "20261124-hall-1-2561",
    "20261124-hall-9-0930", "20261124-hall-1-0931", "20261124-Hall-1-0930",
])
def test_bad_showtime_ids(catalog: Catalog, bad_id: str) -> None:
    with pytest.raises(NotFound):
        catalog.showtime(bad_id)


# --- validation of broken data files ------------------------------------------------


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(default_catalog_dir(), target)
    return target


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"test setup: {old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _message(directory: Path) -> str:
    with pytest.raises(ConfigError) as info:
        load_catalog(directory)
    return str(info.value)


def test_copy_loads(data_copy: Path) -> None:
    assert load_catalog(data_copy).source_dir == data_copy.resolve()


def test_invalid_toml(data_copy: Path) -> None:
    _edit(data_copy / "films.toml", 'id = "charade"', 'id = "charade')
    message = _message(data_copy)
    assert message.startswith("data/films.toml: file is not valid TOML")


def test_bad_rating(data_copy: Path) -> None:
    _edit(data_copy / "films.toml", 'rating = "15"', 'rating = "19"')
    message = _message(data_copy)
    assert message.startswith('data/films.toml, film "nosferatu": rating must be one of')
    assert '"19"' in message


def test_rating_as_number(data_copy: Path) -> None:
    _edit(data_copy / "films.toml", 'rating = "15"', "rating = 15")
    assert "not in quotes" in _message(data_copy)


def test_unknown_seat_character(data_copy: Path) -> None:
    _edit(data_copy / "halls.toml", "C ss ssssssss ss", "C ss ssss#sss ss")
    message = _message(data_copy)
    assert message.startswith('data/halls.toml, hall "hall-2", layout line 3 (row C): ')
    assert "unknown seat character '#'" in message and "s, p, w, x or space" in message


def test_rows_out_of_order(data_copy: Path) -> None:
    _edit(data_copy / "halls.toml", "B ss ssssssss ss", "C ss ssssssss ss")
    message = _message(data_copy)
    assert 'hall "hall-2"' in message and "expected row B" in message


def test_schedule_refers_to_missing_hall(data_copy: Path) -> None:
    _edit(data_copy / "schedule.toml", 'hall = "hall-3"', 'hall = "hall-9"')
    message = _message(data_copy)
    assert message == 'data/schedule.toml, hall "hall-9": hall "hall-9" is not defined in ' \
        "data/halls.toml"


def test_schedule_refers_to_missing_film(data_copy: Path) -> None:
    _edit(data_copy / "schedule.toml", '"sherlock-jr"', '"sherlock-sr"')
    message = _message(data_copy)
    assert 'data/schedule.toml, hall "hall-3": film "sherlock-sr"' in message


def test_missing_file(data_copy: Path) -> None:
    (data_copy / "prices.toml").unlink()
    assert _message(data_copy).startswith("data/prices.toml: missing file")


def test_overlapping_schedule(data_copy: Path) -> None:
    _edit(data_copy / "schedule.toml", '"12:20"', '"12:00"')
    message = _message(data_copy)
    assert message.startswith('data/schedule.toml, hall "hall-1": the 09:30 show overlaps '
                              "the 12:00 show")
    assert "metropolis" in message


def test_show_past_midnight(data_copy: Path) -> None:
    _edit(data_copy / "schedule.toml", '"20:50"]', '"22:50"]')
    assert "must end by midnight" in _message(data_copy)


@pytest.mark.parametrize(("file", "old", "new", "expected"), [
    ("schedule.toml", '"09:30"', '"9.30"', 'start time "9.30" is not a 24-hour time'),
    ("schedule.toml", '"09:30"', "09:30:00", "09:30:00 without quotes"),
    ("schedule.toml", '"Asia/Seoul"', '"Asia/Nowhere"', 'unknown timezone "Asia/Nowhere"'),
    ("prices.toml", "price = 11000", "price = -100", '"price" must be at least 0'),
    ("prices.toml", 'currency = "KRW"', "", 'missing field "currency"'),
    ("films.toml", 'id = "charade"', 'id = "nosferatu"', 'id "nosferatu" is already used'),
    ("schedule.toml", 'hall = "hall-3"', 'hall = "hall-2"', 'hall "hall-2" is already used'),
    ("films.toml", "runtime_min = 45", 'runtime_min = "45"', '"runtime_min" must be a whole'),
    ("films.toml", 'genre = "thriller"', 'genre = "noir"', "genre must be one of"),
    ("films.toml", "year = 1922", "yeer = 1922", 'unknown field "yeer"'),
    ("halls.toml", "E ssss ssxs", "D ssss ssxs", "row D appears twice"),
])
def test_other_mistakes(data_copy: Path, file: str, old: str, new: str, expected: str) -> None:
    _edit(data_copy / file, old, new)
    message = _message(data_copy)
    assert message.startswith(f"data/{file}")
    assert expected in message
