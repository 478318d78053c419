"""The testers' kit: drive the box office headless with Textual's pilot.

Installed with the package and loaded by pytest on its own (the ``pytest11`` entry point
``cinema_tui`` → ``cinema_tui.testing.fixtures``), it gives every test the fixtures
``box_office_app`` (a factory of apps on a fresh data directory, ``FakeOffice`` by
default, the real backend for a test marked ``real_backend``) and ``clock`` (the
``ManualClock`` inside the app). Import the helpers from here::

    from cinema_tui.testing import started, wait_for, wait_for_text, open_show

docs/testing.md is the reference: the contract (ids, keys, screens), how to wait, and a
complete example. This package never imports the repository's ``tests/``.

The names load on first use: pytest imports the plugin in every run, also runs that
never start an app, and those should not pay for Textual and the backend.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from backend import ManualClock
    from backend.testing import FakeOffice, settle
    from cinema_tui.testing.fixtures import REAL_BACKEND, START, app_factory
    from cinema_tui.testing.journeys import (
        CVC,
        EXPIRY,
        VISA,
        open_show,
        pay_by_card,
        pay_cash,
        select_seats,
    )
    from cinema_tui.testing.reading import Notifications, shown, text
    from cinema_tui.testing.waits import (
        started,
        wait_for,
        wait_for_focus,
        wait_for_screen,
        wait_for_text,
    )

#: Each public name and the module it lives in.
_HOMES = {
    "ManualClock": "backend",
    "FakeOffice": "backend.testing",
    "settle": "backend.testing",
    **dict.fromkeys(("REAL_BACKEND", "START", "app_factory"), "cinema_tui.testing.fixtures"),
    **dict.fromkeys(
        ("CVC", "EXPIRY", "VISA", "open_show", "pay_by_card", "pay_cash", "select_seats"),
        "cinema_tui.testing.journeys",
    ),
    **dict.fromkeys(("Notifications", "shown", "text"), "cinema_tui.testing.reading"),
    **dict.fromkeys(
        ("started", "wait_for", "wait_for_focus", "wait_for_screen", "wait_for_text"),
        "cinema_tui.testing.waits",
    ),
}


def __getattr__(name: str) -> object:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'cinema_tui.testing' has no attribute {name!r}")
    value = getattr(import_module(home), name)
    globals()[name] = value
    return value


__all__ = [
    "CVC", "EXPIRY", "REAL_BACKEND", "START", "VISA", "FakeOffice", "ManualClock",
    "Notifications", "app_factory", "open_show", "pay_by_card", "pay_cash", "select_seats",
    "settle", "shown", "started", "text", "wait_for", "wait_for_focus", "wait_for_screen",
    "wait_for_text",
]
assert set(__all__) == set(_HOMES)
