"""Waiting for what the app shows, never for a fixed time.

The app answers a key a little later: backend calls run in workers, and a screen is
``app.screen`` (current) as soon as it is pushed, before its ``on_mount`` has filled
its widgets or given the focus (``Widget.focus`` itself only takes effect on the next
turn of the loop). So a test waits for the very thing it is about to read or type into:
``wait_for_text`` for a text, ``wait_for_focus`` before typing, ``wait_for_screen`` for
the screen to be on top and mounted.

Timeouts count pauses of the pilot (20 ms each), not seconds on the wall: on a loaded
machine a pause takes longer, so a wait gets more time, never less.

A wait returns only once the app has handled what it was sent before the match: a
screen that shows a change and calls ``notify()`` in the same handler has its toast
recorded (``reading.Notifications``) by the time the wait for the change returns. The
``Notify`` message is queued on the app while the screen's widgets already show the
change; without this, a test that reads the toast right after the wait would read it
only when the machine happened to be fast enough.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from textual.css.query import NoMatches
from textual.pilot import Pilot
from textual.screen import Screen

from cinema_tui.testing.reading import text

if TYPE_CHECKING:
    from cinema_tui.app import BoxOfficeApp

STEP_S = 0.02
S = TypeVar("S", bound=Screen[object])
#: What ``wait_for_text`` looks for: a substring, a regular expression, or (None) any
#: text that is not blank.
Pattern = str | re.Pattern[str] | None


async def wait_for(
    pilot: Pilot[object], predicate: Callable[[], object], timeout: float = 5.0
) -> None:
    """Pause until ``predicate()`` is truthy, or fail the test with ``AssertionError``.

    A predicate that raises ``NoMatches`` (the widget is not there yet: the screen is
    still being built) counts as not yet.
    """
    missing: NoMatches | None = None
    for _ in range(max(1, int(timeout / STEP_S))):
        try:
            if predicate():
                await _handled_so_far(pilot, timeout)
                return
            missing = None
        except NoMatches as exc:
            missing = exc
        await pilot.pause(STEP_S)
    why = f" (last: {missing})" if missing else ""
    raise AssertionError(f"timed out after {timeout} s waiting for {predicate}{why}")


async def _handled_so_far(pilot: Pilot[object], timeout: float) -> None:
    """Wait until the app has handled every message it was sent before this call.

    The app's queue is first in, first out: a callback queued now runs after them.
    A closing app runs no more callbacks, and then there is nothing to wait for.
    """
    handled = asyncio.Event()
    if not pilot.app.call_later(handled.set):
        return
    for _ in range(max(1, int(timeout / STEP_S))):
        if handled.is_set():
            return
        await pilot.pause(STEP_S)


def _matches(found: str, pattern: Pattern) -> bool:
    if pattern is None:
        return bool(found.strip())
    if isinstance(pattern, re.Pattern):
        return pattern.search(found) is not None
    return pattern in found


async def wait_for_text(
    pilot: Pilot[object], selector: str, pattern: Pattern = None, timeout: float = 5.0
) -> str:
    """Wait until the widget ``selector`` of the current screen holds text that matches
    ``pattern`` (a substring, a compiled regular expression, or None: not blank), and
    return that text (``reading.text``). A screen that changes while waiting is read
    anew: the widget is looked up on whatever screen is current at each step."""
    app = pilot.app
    seen: list[str] = []

    def matched() -> bool:
        found = text(app, selector)
        seen[:] = [found]
        return _matches(found, pattern)

    try:
        await wait_for(pilot, matched, timeout)
    except AssertionError:
        last = repr(seen[0]) if seen else "no such widget"
        raise AssertionError(
            f"timed out after {timeout} s waiting for {selector} to show "
            f"{pattern.pattern if isinstance(pattern, re.Pattern) else pattern!r} "
            f"on {type(app.screen).__name__}; it shows {last}"
        ) from None
    return seen[0]


async def wait_for_screen(
    pilot: Pilot[object], screen_type: type[S], timeout: float = 5.0
) -> S:
    """Wait until a ``screen_type`` is on top and has been mounted (its ``on_mount``
    has run), and return it. What workers fill in comes later: wait for that text."""
    app = pilot.app
    await wait_for(
        pilot, lambda: isinstance(app.screen, screen_type) and app.screen.is_mounted, timeout
    )
    return app.screen  # type: ignore[return-value]


async def wait_for_focus(pilot: Pilot[object], selector: str, timeout: float = 5.0) -> None:
    """Wait until the widget ``selector`` of the current screen has the keyboard: type
    only then, or the first keys go to whatever had the focus before."""
    app = pilot.app
    await wait_for(pilot, lambda: app.focused is app.screen.query_one(selector), timeout)


async def started(pilot: Pilot[object], timeout: float = 15.0) -> BoxOfficeApp:
    """Wait until the backend is up and the programme shows today's shows with their
    seat counts (the first screen is ready for keys); return the app.

    Fails the test with the reason, in words, if the box office could not start.
    """
    from cinema_tui.screens.now_showing import NowShowingScreen

    app: BoxOfficeApp = pilot.app  # type: ignore[assignment]
    await wait_for(pilot, lambda: app.backend_ready.is_set() or app.startup_error, timeout)
    if app.startup_error:
        raise AssertionError(f"the box office could not start: {app.startup_error}")

    def programme_shown() -> bool:
        for screen in app.screen_stack:
            if isinstance(screen, NowShowingScreen):
                shows = screen.shows
                return bool(shows) and all(s.counts_known for s in shows)
        return False

    await wait_for(pilot, programme_shown, timeout)
    return app


__all__ = [
    "Pattern", "started", "wait_for", "wait_for_focus", "wait_for_screen", "wait_for_text",
]
