"""Shared fixtures: an isolated environment, a fixed clock, a box office on temp files."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import datetime, timezone
from pathlib import Path

import pytest

from backend import BoxOffice, ManualClock, Settings
from backend.catalog import default_catalog_dir, load_catalog
from tests.terminal import Terminal

#: 2026-11-24 10:00 in Seoul: every test starts at the same moment.
START = datetime(2026, 11, 24, 1, 0, tzinfo=timezone.utc)
VISA = "4242424242424242"


@pytest.fixture(autouse=True)
def isolated_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No CINEMA_* variable, terminal size or user config of the developer's leaks into a
    test."""
    for key in list(os.environ):
        if key.startswith("CINEMA_"):
            monkeypatch.delenv(key)
    # A terminal size in the environment pins every app a test starts to it (Textual reads
    # COLUMNS and LINES first); pytest-xdist's workers set both to 80×24.
    for key in ("COLUMNS", "LINES"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def catalog():
    return load_catalog(default_catalog_dir())


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data")


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
