"""A booking moved by another box office between our read and our write is tried again,
and never reaches a clerk as an internal error (seen on PostgreSQL with two machines)."""

from __future__ import annotations

import pytest

from backend import BoxOffice, Cash
from backend.errors import Busy
from backend.services.reservation import queries as q
from tests.conftest import tomorrow_show


async def _sold(office: BoxOffice) -> str:
    show = await tomorrow_show(office)
    hold = await office.hold(show.id, ["E4"])
    booking = await office.book(hold.id, tickets={"adult": 1}, payment=Cash(100_000))
    assert await office.settle(10)
    return booking.code


async def test_a_cancel_that_loses_a_race_is_run_again(office: BoxOffice,
                                                       monkeypatch: pytest.MonkeyPatch):
    code = await _sold(office)
    real, lost = q.transition, []

    def first_loses(tx, booking_id, status, version, **changes):  # type: ignore[no-untyped-def]
        if not lost:
            lost.append(booking_id)
            return False  # as if another box office had committed first
        return real(tx, booking_id, status, version, **changes)

    monkeypatch.setattr(q, "transition", first_loses)
    cancelled = await office.cancel(code)
    assert lost and cancelled.status in ("CANCELLING", "CANCELLED")
    assert await office.settle(10)
    assert (await office.booking(code)).status == "CANCELLED"


async def test_a_booking_that_keeps_moving_says_try_again(office: BoxOffice,
                                                         monkeypatch: pytest.MonkeyPatch):
    code = await _sold(office)
    monkeypatch.setattr(q, "transition", lambda *a, **k: False)
    with pytest.raises(Busy, match="being changed by another terminal"):
        await office.cancel(code)
    monkeypatch.undo()
    assert (await office.booking(code)).status == "COMPLETED"
