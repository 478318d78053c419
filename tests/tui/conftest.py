"""Pilot fixtures: the testers' kit (``cinema_tui.testing``), as every tester gets it.

The project's pilot tests use the very plugin the package ships (so it cannot rot):
``make_app`` is its ``box_office_app`` (a fresh app per test over the fixed ``clock``,
on ``FakeOffice`` by default, on the real ``BoxOffice`` for a test marked
``@pytest.mark.real_backend``), and ``started``, ``wait_for`` and ``Notifications`` are
the kit's, re-exported here for the tests that import them from this module.
``tests/contract`` keeps the fake honest against the real box office.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from cinema_tui.app import BoxOfficeApp
from cinema_tui.testing import Notifications, started, wait_for

__all__ = ["Notifications", "make_app", "started", "wait_for"]


@pytest.fixture
def make_app(box_office_app: Callable[..., BoxOfficeApp]) -> Callable[..., BoxOfficeApp]:
    """The plugin's ``box_office_app`` under the name the project's tests use."""
    return box_office_app
