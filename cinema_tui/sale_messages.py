"""The sale's conversation with the box office, reported as one message per event.

The checkout's workers talk to the box office off the screen's message loop; if they
changed widgets themselves, a sale's outcome and a key press could interleave anywhere.
Instead each call below turns what the box office answered into typed messages, the
worker posts them, and the screen handles them in order, moving its ``SaleFlow`` and
drawing the new state in one place. The calls touch no widget, so they read as the
protocol of a sale: book; if pending, follow until decided; once paid, follow the saga
until it rests. The hold behind the sale has its own two calls: more time
(``extend``), and the same seats held again once it has run out (``hold_again``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import aclosing

from textual.message import Message

from backend.api import Booking, BoxOfficeAPI, Card, Cash, HoldInfo, PaymentPending


class SalePaid(Message):
    """The payment was taken (``book()`` returned, or a pending payment was decided)."""

    def __init__(self, booking: Booking) -> None:
        super().__init__()
        self.booking = booking


class SaleFailed(Message):
    """Nothing was sold: ``book()`` (or following a pending payment) raised ``error``."""

    def __init__(self, error: BaseException) -> None:
        super().__init__()
        self.error = error


class SalePending(Message):
    """Payment did not answer in time; the booking's outcome is being reconciled."""

    def __init__(self, error: PaymentPending) -> None:
        super().__init__()
        self.error = error

    @property
    def code(self) -> str:
        return self.error.booking_code


class SaleUnpaid(Message):
    """A pending payment was not taken: the booking FAILED, or (None) no decision came."""

    def __init__(self, booking: Booking | None) -> None:
        super().__init__()
        self.booking = booking


class SaleUpdated(Message):
    """The booking moved on (its timeline grew)."""

    def __init__(self, booking: Booking) -> None:
        super().__init__()
        self.booking = booking


class CinemaSlow(Message):
    """The cinema is down, or has not confirmed in a while: the sale is safe at PAID."""


class SaleWatchLost(Message):
    """Following a paid sale failed; the sale stands, only the live view is lost."""

    def __init__(self, error: BaseException) -> None:
        super().__init__()
        self.error = error


class SaleFinished(Message):
    """The booking's saga rests; ``booking`` is its last state (COMPLETED or not)."""

    def __init__(self, booking: Booking) -> None:
        super().__init__()
        self.booking = booking


class HoldRenewed(Message):
    """The hold has more time (``again`` False), or its seats are held again (True)."""

    def __init__(self, hold: HoldInfo, *, again: bool) -> None:
        super().__init__()
        self.hold = hold
        self.again = again


class HoldRefused(Message):
    """More time or holding again was refused: ``error`` says why (HoldExpired,
    HoldLimitReached, SeatUnavailable, a service down...)."""

    def __init__(self, error: BaseException, *, again: bool) -> None:
        super().__init__()
        self.error = error
        self.again = again


# --- the calls ---------------------------------------------------------------------------------


async def book(
    office: BoxOfficeAPI, hold_id: str, tickets: dict[str, int], payment: Card | Cash,
    phone: str | None, seat_types: dict[str, str] | None = None,
) -> SalePaid | SalePending | SaleFailed:
    """Sell the hold: paid, pending (payment did not answer in time), or failed.
    ``seat_types`` (seat -> type, as the clerk chose) makes the booking record which seat
    has which type, so the ticket says so."""
    try:
        booking = await office.book(hold_id, tickets=tickets, payment=payment, phone=phone,
                                    seat_types=seat_types)
    except PaymentPending as exc:
        return SalePending(exc)
    except Exception as exc:  # noqa: BLE001 - every failure becomes a message
        return SaleFailed(exc)
    return SalePaid(booking)


async def await_decision(office: BoxOfficeAPI, code: str) -> AsyncIterator[Message]:
    """After PaymentPending: the booking's steps until payment is decided, then
    ``SalePaid``, or ``SaleUnpaid`` (failed, or no decision), or ``SaleFailed``."""
    try:
        async with aclosing(office.watch_booking(code)) as stream:
            async for booking in stream:
                yield SaleUpdated(booking)
                if booking.status in ("PAID", "COMPLETED"):
                    yield SalePaid(booking)
                    return
                if booking.status == "FAILED":
                    yield SaleUnpaid(booking)
                    return
    except Exception as exc:  # noqa: BLE001 - becomes a message like any failure
        yield SaleFailed(exc)
        return
    yield SaleUnpaid(None)


async def follow(office: BoxOfficeAPI, code: str) -> AsyncIterator[Message]:
    """After the payment: the saga's steps until it rests, then ``SaleFinished``
    (or ``SaleWatchLost`` if following it failed; the sale stands either way)."""
    latest: Booking | None = None
    try:
        async with aclosing(office.watch_booking(code)) as stream:
            async for latest in stream:
                yield SaleUpdated(latest)
    except Exception as exc:  # noqa: BLE001 - the sale is made; only the view failed
        yield SaleWatchLost(exc)
        return
    if latest is not None:
        yield SaleFinished(latest)


async def extend(office: BoxOfficeAPI, hold_id: str) -> HoldRenewed | HoldRefused:
    """More time on the hold (up to the office's limit)."""
    try:
        return HoldRenewed(await office.extend_hold(hold_id), again=False)
    except Exception as exc:  # noqa: BLE001 - every failure becomes a message
        return HoldRefused(exc, again=False)


async def hold_again(
    office: BoxOfficeAPI, show_id: str, seats: tuple[str, ...]
) -> HoldRenewed | HoldRefused:
    """The hold ran out: the same seats, held again if they are still free."""
    try:
        return HoldRenewed(await office.hold(show_id, list(seats)), again=True)
    except Exception as exc:  # noqa: BLE001 - every failure becomes a message
        return HoldRefused(exc, again=True)


async def cinema_down(office: BoxOfficeAPI) -> bool:
    """The cinema is known not to be ready (unknown counts as up: it may be slow)."""
    try:
        health = await office.health()
    except Exception:  # noqa: BLE001 - unknown: assume it may be slow
        return False
    cinema = health.get("cinema")
    return cinema is not None and not cinema.ready


__all__ = [
    "CinemaSlow",
    "HoldRefused",
    "HoldRenewed",
    "SaleFailed",
    "SaleFinished",
    "SalePaid",
    "SalePending",
    "SaleUnpaid",
    "SaleUpdated",
    "SaleWatchLost",
    "await_decision",
    "book",
    "cinema_down",
    "extend",
    "follow",
    "hold_again",
]
