"""Sales totals count sales, not attempts (#12 item 9), on BoxOffice and FakeOffice alike.

A declined card leaves a FAILED booking and a seat the cinema refuses after payment a
REJECTED one (refunded); neither is a sale, so ``sales()`` counts neither, and what
history shows carries what the screens need to tell them apart: a sale has its ticket
numbers, an attempt that was never sold has none.
"""

from __future__ import annotations

import pytest

from backend import Card, Cash
from backend.api import PaymentDeclined
from backend.testing import settle
from tests.contract.test_box_office_api import office, sale, show_at_ten  # noqa: F401

DECLINED = "4000000000000002"


async def test_failed_and_refused_attempts_are_not_sales(office):  # noqa: F811
    _, _, sold = await sale(office)  # E5, E6 by card: ₩28,000
    show = await show_at_ten(office)
    hold = await office.hold(show.id, ["F1"])
    with pytest.raises(PaymentDeclined):
        await office.book(hold.id, tickets={"adult": 1}, payment=Card(DECLINED, "12/30", "123"))
    await office.stop_service("cinema")
    _, _, refused = await sale(office, ("G1",), payment=Cash(14_000))
    await office.start_service("cinema")
    await office.block_seats(show.id, ["G1"])
    assert await settle(office, timeout=10)

    day = await office.sales()
    assert (day.bookings, day.tickets, day.amount, day.refunded) == (1, 2, 28_000, 0)

    rows = {b.status: b for b in await office.history()}
    assert set(rows) == {"COMPLETED", "FAILED", "REJECTED"}
    assert rows["COMPLETED"].code == sold.code and rows["COMPLETED"].ticket_numbers
    assert rows["FAILED"].ticket_numbers == () and rows["FAILED"].refunded_amount == 0
    assert rows["REJECTED"].code == refused.code and rows["REJECTED"].ticket_numbers == ()
    assert rows["REJECTED"].refunded_amount == 14_000


async def test_a_sale_cancelled_later_stays_a_sale_with_its_refund(office):  # noqa: F811
    _, _, kept = await sale(office)
    _, _, gone = await sale(office, ("F1",), payment=Cash(14_000))
    assert await settle(office, timeout=10)
    await office.cancel(gone.code)
    assert await settle(office, timeout=10)
    day = await office.sales()
    assert (day.bookings, day.amount, day.refunded, day.net) == (2, 42_000, 14_000, 28_000)
    cancelled = await office.booking(gone.code)
    assert cancelled.status == "CANCELLED" and cancelled.ticket_numbers  # it was sold
    assert (await office.booking(kept.code)).ticket_numbers
