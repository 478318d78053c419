"""A clerk's usual steps, by keys and documented ids only: open a show, choose seats,
pay by card or in cash.

Each journey starts on the screen where a clerk would take that step, waits for what
it reads before reading it, and leaves the test on the next screen, ready for keys. They
press the default keys (docs/testing.md, "Screens, ids and keys"): an app built with a
``keymap`` setting that moves those keys needs its own steps. Texts are read without
relying on the language, so the journeys work in Korean as in English.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

from textual.pilot import Pilot

from cinema_tui.testing.reading import text
from cinema_tui.testing.waits import (
    wait_for,
    wait_for_focus,
    wait_for_screen,
    wait_for_text,
)

if TYPE_CHECKING:
    from backend.api import ShowtimeSummary
    from cinema_tui.app import BoxOfficeApp
    from cinema_tui.screens.seat_select import SeatSelectScreen

#: The approved test card, and an expiry and CVC any test card accepts.
VISA = "4242424242424242"
EXPIRY = "12/30"
CVC = "123"
#: A seat label as the seat panel shows it ("E5", "AA12").
SEAT = re.compile(r"\b([A-Z]+)(\d+)\b")
#: The hold's countdown once the seats chosen are held ("Held for 05:00", "선점 05:00 남음").
HELD = re.compile(r"\d\d:\d\d")
#: The most keys a walk of the seat cursor may take before the seat counts as unreachable.
MAX_STEPS = 200


def _app(pilot: Pilot[object]) -> BoxOfficeApp:
    return pilot.app  # type: ignore[return-value]


async def open_show(
    pilot: Pilot[object], show: ShowtimeSummary | str, timeout: float = 10.0
) -> SeatSelectScreen:
    """From the programme (``NowShowingScreen``), open ``show`` (a ``ShowtimeSummary`` or
    a show id) as a clerk would: ``[``/``]`` to its day, arrows to its row, Enter. Returns
    the seat map once it has loaded (``#seat-cursor`` filled)."""
    from cinema_tui.screens.now_showing import NowShowingScreen
    from cinema_tui.screens.seat_select import SeatSelectScreen

    app = _app(pilot)
    programme = await wait_for_screen(pilot, NowShowingScreen, timeout)
    show_id = show if isinstance(show, str) else show.id
    day = await _day_of(app, show_id)
    key = "right_square_bracket" if day > programme.day_index else "left_square_bracket"
    await pilot.press(*[key] * abs(day - programme.day_index))
    table = programme.query_one("#showtimes")
    await wait_for(
        pilot,
        lambda: programme.day_index == day and programme.shows
        and show_id in table.rows,  # type: ignore[attr-defined]
        timeout,
    )
    row = table.get_row_index(show_id)  # type: ignore[attr-defined]
    steps = row - table.cursor_row  # type: ignore[attr-defined]
    await pilot.press(*["down" if steps > 0 else "up"] * abs(steps))
    await wait_for(pilot, lambda: table.cursor_row == row, timeout)  # type: ignore[attr-defined]
    await pilot.press("enter")
    seat_map = await wait_for_screen(pilot, SeatSelectScreen, timeout)
    await wait_for_text(pilot, "#seat-cursor", SEAT, timeout)
    return seat_map


async def _day_of(app: BoxOfficeApp, show_id: str) -> int:
    """Which of the programme's seven days (0 = today) has the show."""
    for index, day in enumerate(app.office.days()):
        if any(s.id == show_id for s in await app.office.showtimes(day)):
            return index
    raise AssertionError(f"no show {show_id!r} in the programme's seven days")


def _chosen(app: BoxOfficeApp) -> list[str]:
    """The seats ``#selected-seats`` lists ("Selected: E5, E6" → ["E5", "E6"])."""
    return [f"{row}{number}" for row, number in SEAT.findall(text(app, "#selected-seats"))]


def _cursor(app: BoxOfficeApp) -> tuple[str, int] | None:
    found = SEAT.search(text(app, "#seat-cursor"))
    return (found.group(1), int(found.group(2))) if found else None


def _row_index(row: str) -> tuple[int, str]:
    return (len(row), row)  # "A" < "Z" < "AA"


async def _walk_to(pilot: Pilot[object], seat: str, timeout: float) -> None:
    """Move the seat cursor onto ``seat`` with the arrow keys, one key at a time,
    reading ``#seat-cursor`` after each (aisles and short rows make the way irregular)."""
    app = _app(pilot)
    target = SEAT.fullmatch(seat)
    if target is None:
        raise AssertionError(f"{seat!r} is not a seat label such as 'E5'")
    row, number = target.group(1), int(target.group(2))
    for _ in range(MAX_STEPS):
        here = _cursor(app)
        if here is None:
            raise AssertionError("the seat map shows no cursor")
        if here == (row, number):
            return
        if here[0] != row:
            key = "down" if _row_index(here[0]) < _row_index(row) else "up"
        else:
            key = "right" if here[1] < number else "left"
        await pilot.press(key)
        try:
            await wait_for(pilot, lambda here=here: _cursor(app) != here, timeout=0.5)
        except AssertionError:
            raise AssertionError(
                f"the seat cursor cannot reach {seat}: {key!r} from {here[0]}{here[1]} "
                "moves nowhere"
            ) from None
    raise AssertionError(f"the seat cursor did not reach {seat} in {MAX_STEPS} keys")


async def select_seats(
    pilot: Pilot[object], seats: int | Iterable[str], timeout: float = 10.0
) -> list[str]:
    """On the seat map, choose seats and wait until the backend holds them (the
    countdown shows mm:ss). ``seats`` is a number (1–9: the key that picks the best
    block of that many, side by side) or seat labels (walked to with the arrows, each
    selected with space). Returns the seats ``#selected-seats`` lists."""
    from cinema_tui.screens.seat_select import SeatSelectScreen

    app = _app(pilot)
    await wait_for_screen(pilot, SeatSelectScreen, timeout)
    await wait_for_text(pilot, "#seat-cursor", SEAT, timeout)
    if isinstance(seats, int):
        if not 1 <= seats <= 9:
            raise AssertionError(f"the seat map's number keys pick 1 to 9 seats, not {seats}")
        await pilot.press(str(seats))
        await wait_for(pilot, lambda: len(_chosen(app)) == seats, timeout)
    else:
        wanted = list(seats)
        for seat in wanted:
            if seat in _chosen(app):
                continue
            await _walk_to(pilot, seat, timeout)
            await pilot.press("space")
            await wait_for(pilot, lambda seat=seat: seat in _chosen(app), timeout)
        await wait_for(pilot, lambda: set(_chosen(app)) == set(wanted), timeout)
    await wait_for_text(pilot, "#hold-countdown", HELD, timeout)
    return _chosen(app)


async def _at_checkout(pilot: Pilot[object], timeout: float) -> None:
    """On the seat map, Enter goes on to the checkout; wait for its summary."""
    from cinema_tui.screens.checkout import CheckoutScreen
    from cinema_tui.screens.seat_select import SeatSelectScreen

    app = _app(pilot)
    if isinstance(app.screen, SeatSelectScreen):
        await pilot.press("enter")
    await wait_for_screen(pilot, CheckoutScreen, timeout)
    await wait_for_text(pilot, "#checkout-summary", SEAT, timeout)
    await wait_for_text(pilot, "#total", re.compile(r"\d"), timeout)


def _message(app: BoxOfficeApp) -> tuple[str, bool]:
    """``#checkout-message``: its text and whether it is an error."""
    label = app.screen.query_one("#checkout-message")
    return text(app, "#checkout-message"), label.has_class("-error")


async def _outcome(
    pilot: Pilot[object], before: tuple[str, bool], ticket: bool, timeout: float
) -> str | None:
    """After the pay key: with ``ticket``, wait for the ticket and return its booking
    code; a refusal on the way fails at once with the checkout's own sentence.

    ``before`` is the message line as it was before the key: an error still showing from
    an earlier attempt is not this attempt's answer, until the line has said something
    else ("Paying…") or another error."""
    from cinema_tui.screens.ticket import TicketScreen

    if not ticket:
        return None
    app = _app(pilot)
    calm = [not before[1]]

    def done() -> bool:
        if isinstance(app.screen, TicketScreen):
            return True
        now = _message(app)
        if not now[1]:
            calm[0] = True
        elif calm[0] or now != before:
            raise AssertionError(f"the sale was refused: {now[0]}")
        return False

    await wait_for(pilot, done, timeout)
    code = await wait_for_text(pilot, "#ticket-code", None, timeout)
    return code.replace(" ", "")


async def pay_by_card(
    pilot: Pilot[object],
    number: str = VISA,
    expiry: str = EXPIRY,
    cvc: str = CVC,
    *,
    ticket: bool = True,
    timeout: float = 15.0,
) -> str | None:
    """At the checkout (or on the seat map with seats held: Enter first), pay by card:
    F7, type the number, expiry and CVC, Ctrl+S. With ``ticket`` (the default) wait for
    the ticket and return the booking code; a refused card fails with the checkout's
    sentence. ``ticket=False`` returns once paying has started (None): wait yourself
    for ``#checkout-message`` (a declined card, the cinema down: ``#continue``)."""
    app = _app(pilot)
    await _at_checkout(pilot, timeout)
    await pilot.press("f7")
    for field, typed in (("#card-number", number), ("#card-expiry", expiry),
                         ("#card-cvc", cvc)):
        if field != "#card-number":
            app.screen.query_one(field).focus()
        await wait_for_focus(pilot, field, timeout)
        await pilot.press(*typed.replace("/", ""))  # the expiry's slash is put in by itself
        await wait_for(pilot, lambda field=field, typed=typed: text(app, field) == typed,
                       timeout)
    before = _message(app)
    await pilot.press("ctrl+s")
    return await _outcome(pilot, before, ticket, timeout)


async def pay_cash(
    pilot: Pilot[object],
    tendered: int | None = None,
    *,
    ticket: bool = True,
    timeout: float = 15.0,
) -> str | None:
    """At the checkout (or on the seat map with seats held: Enter first), pay in cash:
    F6, then F9 (the exact total) or the ``tendered`` amount typed, then Enter. With
    ``ticket`` (the default) wait for the ticket and return the booking code; a
    refusal fails with the checkout's sentence. ``ticket=False``: returns (None) once
    paying has started."""
    app = _app(pilot)
    await _at_checkout(pilot, timeout)
    await pilot.press("f6")
    await wait_for_focus(pilot, "#cash-tendered", timeout)
    if tendered is None:
        await pilot.press("f9")
    else:
        await pilot.press(*str(tendered))

    def typed() -> bool:
        digits = re.sub(r"\D", "", text(app, "#cash-tendered"))
        return digits != "" and (tendered is None or digits == str(tendered))

    await wait_for(pilot, typed, timeout)
    before = _message(app)
    await pilot.press("enter")
    return await _outcome(pilot, before, ticket, timeout)


__all__ = ["CVC", "EXPIRY", "VISA", "open_show", "pay_by_card", "pay_cash", "select_seats"]
