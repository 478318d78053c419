"""A booking's story as the clerk reads it (#12 item 9): the timeline opens at the top,
Home/End work, ids are whole and every cause names a row; a failed attempt says it was
not sold (detail, find card) and is not counted in history's totals; the progress box
speaks in sentences, never in the services' codes.
"""

from __future__ import annotations

import pytest
from textual.widgets import Input, RadioButton, Static

from backend import Card, Cash
from backend.api import PaymentDeclined
from backend.testing import settle
from cinema_tui.screens.booking_detail import BookingDetailScreen
from cinema_tui.screens.checkout import CheckoutScreen
from cinema_tui.screens.find_cancel import FindCancelScreen
from cinema_tui.screens.history import HistoryScreen, totals
from cinema_tui.widgets.booking_progress import BookingProgress
from cinema_tui.widgets.timeline import TimelineView
from tests.tui.conftest import started, wait_for

DECLINED = "4000000000000002"


async def tomorrow_at_ten(app):
    shows = await app.office.showtimes(app.office.days()[1])
    return next(s for s in shows if s.hall_id == "hall-1" and s.starts_at.hour >= 10)


async def sold(app, seats=("E5", "E6")):
    show = await tomorrow_at_ten(app)
    hold = await app.office.hold(show.id, list(seats))
    booking = await app.office.book(hold.id, tickets={"adult": len(seats)},
                                    payment=Cash(50_000))
    done = await app.office.wait_for_booking(booking.code)
    assert done is not None
    return done


async def declined(app, seats=("F1",)):
    """A card declined on ``seats``: a FAILED booking (the hold is released after)."""
    show = await tomorrow_at_ten(app)
    hold = await app.office.hold(show.id, list(seats))
    with pytest.raises(PaymentDeclined) as refusal:
        await app.office.book(hold.id, tickets={"adult": len(seats)},
                              payment=Card(DECLINED, "12/30", "123"))
    await app.office.release(hold.id)
    [failed] = [b for b in await app.office.history(status="FAILED")
                if b.id == refusal.value.booking_id]
    return failed


def rows_text(timeline: TimelineView) -> list[str]:
    return [" ".join(str(cell) for cell in timeline.get_row_at(i))
            for i in range(timeline.row_count)]


async def open_detail(pilot, code: str) -> tuple[BookingDetailScreen, TimelineView]:
    app = pilot.app
    await app.push_screen(BookingDetailScreen(code))
    await wait_for(pilot, lambda: isinstance(app.screen, BookingDetailScreen))
    detail = app.screen
    return detail, detail.query_one("#timeline", TimelineView)


@pytest.mark.real_backend  # the real services' timeline: commands are not rows there
async def test_timeline_opens_at_the_top_names_real_rows_and_shows_whole_ids(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await started(pilot)
        booking = await sold(app)
        await app.office.cancel(booking.code)
        assert await settle(app.office, timeout=15)
        _, timeline = await open_detail(pilot, booking.code)
        await wait_for(pilot, lambda: "BookingCancelled" in timeline.step_names())
        await pilot.pause()
        names = timeline.step_names()
        assert timeline.row_count > 6  # more than the screen shows at once
        # Opens at the first step, scrolled to the top.
        assert timeline.cursor_row == 0 and timeline.scroll_y == 0
        assert names[0] == "SeatsHeld"
        # End and Home move to the last and the first step.
        await pilot.press("end")
        await wait_for(pilot, lambda: timeline.cursor_row == timeline.row_count - 1)
        assert timeline.scroll_y > 0
        await pilot.press("home")
        await wait_for(pilot, lambda: timeline.cursor_row == 0 and timeline.scroll_y == 0)
        # Ids whole: the booking's and the hold's correlation ids, not 9 characters.
        shown = rows_text(timeline)
        assert booking.id in " ".join(shown) and len(booking.id) > 9
        assert booking.hold_id in " ".join(shown)
        # Every "caused by X" names a step that has a row.
        for text in shown:
            if "caused by" in text:
                cause = text.split("caused by ", 1)[1].split()[0]
                assert cause in names, text
        refunded = shown[names.index("PaymentRefunded")]
        assert "caused by CancellationRequested" in refunded and "RequestRefund" in refunded
        released = shown[names.index("SeatsReleased")]
        assert "caused by PaymentRefunded" in released
        # ... and the timeline puts each after the row that asked for it.
        assert names.index("CancellationRequested") < names.index("PaymentRefunded")
        assert names.index("PaymentRefunded") < names.index("SeatsReleased")


async def test_a_failed_attempt_says_it_was_not_sold(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await started(pilot)
        failed = await declined(app)
        detail, _ = await open_detail(pilot, failed.code)
        summary = lambda: str(detail.query_one("#detail-summary", Static).render())
        await wait_for(pilot, lambda: failed.code in summary())
        assert "Failed" in summary()
        assert "not sold" in summary() and "sold 11/24" not in summary()
        assert "card declined" in summary()
        await pilot.press("escape")
        await pilot.press("f3")
        await wait_for(pilot, lambda: isinstance(app.screen, FindCancelScreen))
        find = app.screen
        await pilot.press(*failed.code, "enter")
        await wait_for(pilot, lambda: find.booking is not None)
        card = str(find.query_one("#found-booking").render())
        assert "Tried" in card and "Sold " not in card


async def test_korean_failed_attempt_and_sale_headers(make_app):
    app = make_app(language="ko")
    async with app.run_test(size=(80, 24)) as pilot:
        await started(pilot)
        failed = await declined(app)
        good = await sold(app)
        detail, _ = await open_detail(pilot, failed.code)
        summary = lambda: str(detail.query_one("#detail-summary", Static).render())
        await wait_for(pilot, lambda: failed.code in summary())
        assert "판매되지 않음" in summary() and "카드 거절" in summary()
        await pilot.press("escape")
        detail, _ = await open_detail(pilot, good.code)
        await wait_for(pilot, lambda: good.code in summary())
        assert "판매 11/24" in summary() and "판매되지 않음" not in summary()


async def test_history_totals_count_sales_not_failed_attempts(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await started(pilot)
        good = await sold(app)
        await declined(app, ("F1",))
        await declined(app, ("F2",))
        await pilot.press("f4")
        await wait_for(pilot, lambda: isinstance(app.screen, HistoryScreen))
        screen = app.screen
        summary = lambda: str(screen.query_one("#history-summary").render())
        await wait_for(pilot, lambda: len(screen.rows) == 3 and "sold" in summary())
        assert summary().startswith(f"1 booking(s) sold · ₩{good.amount:,} · refunded ₩0")
        assert "2 attempt(s) not sold" in summary()
        day = await app.office.sales()
        sales, pending, not_sold = totals(screen.rows)
        assert (len(sales), sum(b.amount for b in sales)) == (day.bookings, day.amount)
        assert pending == [] and len(not_sold) == 2


async def test_progress_box_says_why_in_words(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await started(pilot)
        show = await tomorrow_at_ten(app)
        hold = await app.office.hold(show.id, ["E5"])
        await app.push_screen(CheckoutScreen(show, hold))
        await wait_for(pilot, lambda: isinstance(app.screen, CheckoutScreen))
        await pilot.pause()
        screen = app.screen
        screen.query_one("#pay-card", RadioButton).value = True  # card (the keys may move)
        await wait_for(pilot, lambda: screen.query_one("#card-panel").display)
        for field, typed in (("#card-number", DECLINED), ("#card-expiry", "12/30"),
                             ("#card-cvc", "123")):
            box = screen.query_one(field, Input)
            box.focus()
            box.insert_text_at_cursor(typed)
            await pilot.pause()
        await pilot.press("ctrl+s")
        progress = screen.query_one(BookingProgress)
        await wait_for(pilot, lambda: "PaymentCaptured" in progress.failed)
        text = progress.render_steps().plain
        assert "Payment not taken: card declined" in text
        assert "card_declined" not in text
        await pilot.press("f8")
        await wait_for(pilot, lambda: "결제되지 않음: 카드 거절" in progress.render_steps().plain)


def test_every_reason_a_checkout_gives_is_in_words():
    """The codes the checkout hands the progress box, and the cinema's sentences."""
    from cinema_tui.widgets.timeline import reason_text

    for code in ("card_declined", "insufficient_funds", "processing_error", "cash_error",
                 "unavailable", "failed", "voided"):
        for lang in ("en", "ko"):
            words = reason_text(code, lang)
            assert "_" not in words and words != code, (code, lang)
    assert reason_text("seat E5 is out of service", "ko") == "좌석 E5 사용 불가"
    assert reason_text("rejected: the show was cancelled", "ko") == "거절됨: 상영 취소됨"
    assert reason_text("something new", "ko") == "something new"
