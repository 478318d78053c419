"""Shared fixtures: an isolated environment, a fixed clock, a box office on temp files (or
on a throwaway PostgreSQL server: ``CINEMA_TEST_ENGINE``, below)."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from backend import BoxOffice, ManualClock, Settings
from backend.catalog import default_catalog_dir, load_catalog
from backend.messaging.messages import CINEMA, INFORMATION, PAYMENT, RESERVATION
from tests.postgres import PostgresServer, find_binaries
from tests.terminal import Terminal

#: 2026-11-24 10:00 in Seoul: every test starts at the same moment.
START = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)
VISA = "4242424242424242"

#: Which engine the ``settings`` fixture puts the services on: "sqlite" (the default),
#: "postgres" (all four services on PostgreSQL) or "polyglot" (reservation and payment on
#: PostgreSQL, cinema and information on SQLite). Read here, at import, because
#: ``isolated_environment`` strips every CINEMA_* variable before a test runs.
TEST_ENGINE = os.environ.get("CINEMA_TEST_ENGINE", "sqlite").strip().lower() or "sqlite"
ENGINE_SERVICES = {
    "sqlite": (),
    "postgres": (RESERVATION, PAYMENT, CINEMA, INFORMATION),
    "polyglot": (RESERVATION, PAYMENT),
}
if TEST_ENGINE not in ENGINE_SERVICES:
    raise pytest.UsageError(
        f"CINEMA_TEST_ENGINE={TEST_ENGINE!r}: use sqlite, postgres or polyglot.")


@pytest.fixture(autouse=True)
def isolated_environment(box_office_environment: None) -> None:
    """No CINEMA_* variable, terminal size or user config of the developer's leaks into a
    test: the testers' kit's own isolation (``cinema_tui.testing``), for every test here."""


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def catalog():
    return load_catalog(default_catalog_dir())


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A throwaway PostgreSQL server for the session (one per xdist worker).

    Without PostgreSQL's binaries the tests that need it are skipped, except in CI
    (``CI`` set), which installs what the tests need, so there it is a failure.
    """
    bin_dir = find_binaries()
    if bin_dir is None:
        reason = ("PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb; "
                  "apt-get install postgresql-15, or set PG_BIN)")
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    server = PostgresServer(bin_dir).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> Callable[..., str]:
    """A factory of fresh, empty databases on the session's server: each call
    (``postgres_url()`` or ``postgres_url("payment")``) makes a new one and gives its URL."""
    return postgres_server.create_database


@pytest.fixture
def database_urls(request: pytest.FixtureRequest) -> Callable[[], dict[str, str]]:
    """A factory of ``*_db_url`` settings putting the services ``CINEMA_TEST_ENGINE``
    names on fresh PostgreSQL databases: each call is a new cinema's set (a test that
    opens two box offices on two data directories calls it twice). On the default
    SQLite run it gives nothing, and no server is started."""
    services = ENGINE_SERVICES[TEST_ENGINE]
    if not services:
        return dict
    make = request.getfixturevalue("postgres_url")

    def fresh() -> dict[str, str]:
        return {f"{service}_db_url": make(service) for service in services}

    return fresh


@pytest.fixture
def settings(tmp_path: Path, database_urls: Callable[[], dict[str, str]]) -> Settings:
    return Settings(data_dir=tmp_path / "data", **database_urls())


@pytest.fixture
def retention_settings(settings: Settings) -> Settings:
    """The test's settings with a one-day journal retention window, its timer out of the
    way (retention tests run ``runtime.keeper.compact()`` themselves; ``tests/aging.py``)."""
    return settings.model_copy(update={"journal_retention_days": 1.0,
                                       "journal_retention_every_s": 86_400.0})


@pytest.fixture
async def office(settings: Settings, clock: ManualClock) -> AsyncIterator[BoxOffice]:
    async with BoxOffice.open(settings, clock=clock) as office:
        yield office


async def tomorrow_show(office: BoxOffice, hall: str | None = None, morning: bool = False):
    """A show tomorrow (never started, whatever the test does to the clock)."""
    shows = await office.showtimes(office.days()[1])
    for show in shows:
        if hall and show.hall_id != hall:
            continue
        if morning != (show.starts_at.hour < 10):
            continue
        return show
    raise AssertionError("no such show tomorrow")


@pytest.fixture
def terminals() -> Iterator[Callable[[], Terminal]]:
    """Real terminals (tmux windows) for the test, closed after it."""
    opened: list[Terminal] = []

    def open_terminal() -> Terminal:
        terminal = Terminal()
        opened.append(terminal)
        return terminal

    yield open_terminal
    for terminal in opened:
        terminal.close()
