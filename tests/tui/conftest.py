"""Pilot fixtures: a fresh app per test over a fixed clock, on ``FakeOffice`` by default.

Screen tests run on ``backend.testing.FakeOffice`` (in memory: a test starts in
milliseconds); ``tests/contract`` keeps the fake honest against the real box office. A
test marked ``@pytest.mark.real_backend`` (or a module with
``pytestmark = pytest.mark.real_backend``) gets the real ``BoxOffice`` on temporary
databases instead: the end-to-end sales, the fault keys of the Ops screen, restarts, and
anything that looks at the services or their databases.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from textual.message import Message
from textual.notifications import Notify
from textual.pilot import Pilot

from backend import ManualClock, Settings
from backend.testing import FakeOffice
from cinema_tui.app import BoxOfficeApp, create_app


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "real_backend: run this pilot test on the real BoxOffice (temporary "
        "databases) instead of FakeOffice",
    )


@pytest.fixture
def make_app(
    request: pytest.FixtureRequest, tmp_path: Path, clock: ManualClock
) -> Callable[..., BoxOfficeApp]:
    """Build an app on its own data directory; keyword arguments go to Settings. The
    backend is a ``FakeOffice`` unless the test is marked ``real_backend``."""
    real = request.node.get_closest_marker("real_backend") is not None

    def make(**settings: object) -> BoxOfficeApp:
        values = {"data_dir": tmp_path / "data", "language": "en", **settings}
        chosen = Settings(**values)
        office = None if real else FakeOffice(chosen, clock=clock)
        return create_app(chosen, clock=clock, office=office)

    return make


class Notifications:
    """Every ``notify()`` of an app, in order: pass it as ``run_test(message_hook=...)``.

    ``notifications.messages`` holds each message's text, and stays once the toast is
    gone (``run_test`` draws no toasts unless ``notifications=True``).
    """

    def __init__(self) -> None:
        self.messages: list[str] = []

    def __call__(self, message: Message) -> None:
        if isinstance(message, Notify):
            self.messages.append(message.notification.message)

    def __str__(self) -> str:
        return " | ".join(self.messages)


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
