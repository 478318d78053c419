"""The pytest side of the testers' kit: a fresh box office per test, on a clock that
only moves when the test says so.

Registered as a pytest plugin (``pytest11`` entry point ``cinema_tui``), so a project
that installs ``cinema-tui`` gets the fixtures without a ``conftest.py``. A fixture of
the same name in a ``conftest.py`` wins over these (pytest's rule), which is how the
project's own suite keeps its ``clock``. Nothing here imports from the repository's
``tests/``: the kit must work where that directory does not exist.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from backend import ManualClock
    from cinema_tui.app import BoxOfficeApp

#: 2026-11-24 10:00 in Seoul (01:00 UTC): where every test's clock starts.
START = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)

#: The marker that puts a test on the real ``BoxOffice`` instead of ``FakeOffice``.
REAL_BACKEND = "real_backend"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", f"{REAL_BACKEND}: run this pilot test on the real BoxOffice (temporary "
        "databases) instead of FakeOffice",
    )


def app_factory(
    data_dir: Path, clock: ManualClock, *, real_backend: bool = False
) -> Callable[..., BoxOfficeApp]:
    """What the ``box_office_app`` fixture gives, for code that has no fixtures (a loop
    that builds many apps, each on its own ``data_dir`` and clock).

    Each call builds an app on ``data_dir`` in English (``language="ko"`` for Korean);
    other keywords are ``Settings`` fields. The backend is a fresh ``FakeOffice`` on the
    same settings and clock, or the real ``BoxOffice`` when ``real_backend``.
    """

    def make(**settings: object) -> BoxOfficeApp:
        # Imported here: pytest loads this plugin in every run, the app only when used.
        from backend import Settings
        from backend.testing import FakeOffice
        from cinema_tui.app import create_app

        values: dict[str, object] = {"data_dir": data_dir, "language": "en", **settings}
        chosen = Settings(**values)  # type: ignore[arg-type]
        office = None if real_backend else FakeOffice(chosen, clock=clock)
        return create_app(chosen, clock=clock, office=office)

    return make


@pytest.fixture
def clock() -> ManualClock:
    """A ``ManualClock`` at 2026-11-24 10:00 KST; it moves only with ``advance``/``set``.
    The same object is inside the app ``box_office_app`` builds."""
    from backend import ManualClock

    return ManualClock(START)


@pytest.fixture
def box_office_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Nothing of the machine running the tests leaks into the app: no ``CINEMA_*``
    variable, no ``COLUMNS``/``LINES`` (Textual would pin every app to that size; xdist
    workers set them) and no user settings file (XDG directories point into the test's
    temporary directory)."""
    for key in list(os.environ):
        if key.startswith("CINEMA_"):
            monkeypatch.delenv(key)
    for key in ("COLUMNS", "LINES"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))


@pytest.fixture
def box_office_app(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    clock: ManualClock,
    box_office_environment: None,
) -> Callable[..., BoxOfficeApp]:
    """A factory of apps: ``box_office_app(**settings)`` on ``<tmp_path>/data``, English
    unless ``language="ko"``, the test's ``clock``, any ``Settings`` field as a keyword.
    A fresh ``FakeOffice`` each call, or the real ``BoxOffice`` (SQLite files in the data
    directory) when the test is marked ``real_backend``."""
    real = request.node.get_closest_marker(REAL_BACKEND) is not None
    return app_factory(tmp_path / "data", clock, real_backend=real)


__all__ = ["REAL_BACKEND", "START", "app_factory", "box_office_app",
           "box_office_environment", "clock"]
