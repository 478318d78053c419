"""Pilot fixtures: a fresh app per test over temporary databases and a fixed clock."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from textual.pilot import Pilot

from backend import ManualClock, Settings
from cinema_tui.app import BoxOfficeApp, create_app


@pytest.fixture
def make_app(tmp_path: Path, clock: ManualClock) -> Callable[..., BoxOfficeApp]:
    """Build an app on its own data directory; keyword arguments go to Settings."""

    def make(**settings: object) -> BoxOfficeApp:
        values = {"data_dir": tmp_path / "data", "language": "en", **settings}
        return create_app(Settings(**values), clock=clock)

    return make


async def started(pilot: Pilot) -> BoxOfficeApp:
    """Wait until the backend is up and the first screen is interactive."""
    app = pilot.app
    await app.backend_ready.wait()  # type: ignore[attr-defined]
    await pilot.pause()
    from cinema_tui.screens.now_showing import NowShowingScreen

    for _ in range(100):
        if isinstance(app.screen, NowShowingScreen) and app.screen.shows:
            break
        await pilot.pause(0.02)
    return app  # type: ignore[return-value]


async def wait_for(pilot: Pilot, predicate: Callable[[], object], timeout: float = 5.0) -> None:
    """Pause until ``predicate()`` is truthy (the UI updates from workers)."""
    steps = int(timeout / 0.02)
    for _ in range(steps):
        if predicate():
            return
        await pilot.pause(0.02)
    raise AssertionError(f"timed out waiting for {predicate}")
