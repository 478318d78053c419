"""Find / cancel (F3), history (F4) and a booking's timeline.

On FakeOffice, but for a whole cancellation, the timelines and the cancellation with the
cinema down, which run on the real backend.
"""

from __future__ import annotations

from datetime import UTC, timedelta

import pytest
from textual.widgets import DataTable, Input, Select

from backend import Cash
from cinema_tui.screens.booking_detail import BookingDetailScreen
from cinema_tui.screens.confirm import ConfirmScreen
from cinema_tui.screens.find_cancel import FindCancelScreen
from cinema_tui.screens.history import HistoryScreen
from cinema_tui.widgets.timeline import TimelineView, causal_order
from tests.tui.conftest import started, wait_for

PHONE = "010-1234-5678"


async def sell(app, seats=("E5", "E6"), *, show_index=0, phone=PHONE):
    """A completed cash sale of tomorrow's show (the clock stands at today 10:00)."""
    office = app.office
    show = (await office.showtimes(office.days()[1]))[show_index]
    hold = await office.hold(show.id, list(seats))
    booking = await office.book(
        hold.id, tickets={"adult": len(seats)}, payment=Cash(50000), phone=phone
    )
    done = await office.wait_for_booking(booking.code)
    assert done is not None
    return show, done


def card_text(screen) -> str:
    return str(screen.query_one("#found-booking").render())


async def open_find(pilot) -> FindCancelScreen:
    await pilot.press("f3")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, FindCancelScreen))
    return pilot.app.screen  # type: ignore[return-value]


async def search(pilot, screen: FindCancelScreen, text: str, *, type_it: bool = True) -> None:
    """Put ``text`` in the search box (typed key by key, or pasted) and press Enter."""
    box = screen.query_one("#find-query", Input)
    box.focus()
    box.value = "" if type_it else text
    if type_it:
        await pilot.press(*text)
    await pilot.press("enter")


@pytest.mark.real_backend  # a whole cancellation through the real services
async def test_find_by_code_and_cancel(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await started(pilot)
        show, booking = await sell(app)
        screen = await open_find(pilot)
        await search(pilot, screen, booking.code.lower())
        await wait_for(pilot, lambda: screen.booking is not None)
        text = card_text(screen)
        assert booking.code in text
        assert "Completed" in text
        assert "E5, E6" in text
        assert "Adult 2" in text
        assert "₩20,000" in text and "Cash" in text
        assert PHONE in text
        # The card has the focus, so plain keys act on the booking.
        assert app.focused is screen.query_one("#found-booking")

        await pilot.press("x")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        assert booking.code in str(app.screen.query_one("#confirm-question").render())
        await pilot.press("y")
        await wait_for(pilot, lambda: isinstance(app.screen, FindCancelScreen))
        await wait_for(pilot, lambda: screen.booking.status == "CANCELLED", timeout=10)
        await wait_for(pilot, lambda: "refunded ₩20,000" in screen.message)
        assert "Cancelled" in screen.message
        assert "Cancelled" in str(screen.query_one("#find-message").render())
        assert "Cancelled" in card_text(screen)
        assert "already cancelled" in card_text(screen)
        assert screen.query_one("#cancel-booking").disabled

        after = await app.office.booking(booking.code)
        assert after.status == "CANCELLED"
        assert after.refunded_amount == 20000
        seat_map = await app.office.seat_map(show.id)
        assert seat_map.seat("E5").state == "free"
        assert seat_map.seat("E6").state == "free"

        # A second x does nothing: a cancelled booking offers no cancellation.
        await pilot.press("x")
        await pilot.pause(0.1)
        assert not isinstance(app.screen, ConfirmScreen)


async def test_confirm_no_keeps_the_booking(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await started(pilot)
        _, booking = await sell(app)
        screen = await open_find(pilot)
        await search(pilot, screen, booking.code)
        await wait_for(pilot, lambda: screen.booking is not None)
        await pilot.click("#cancel-booking")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, FindCancelScreen))
        await wait_for(pilot, lambda: "kept" in screen.message)
        assert (await app.office.booking(booking.code)).status == "COMPLETED"
        assert screen.booking.status == "COMPLETED"


async def test_find_by_phone_lists_every_booking(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await started(pilot)
        _, first = await sell(app, ("E5", "E6"))
        _, second = await sell(app, ("F1",), show_index=1)
        _, other = await sell(app, ("G1",), show_index=2, phone="010-9999-0000")
        screen = await open_find(pilot)
        await search(pilot, screen, "01012345678", type_it=False)
        table = screen.query_one("#find-results", DataTable)
        await wait_for(pilot, lambda: table.row_count == 2)
        codes = {str(table.get_row_at(i)[0]) for i in range(table.row_count)}
        assert codes == {first.code, second.code}
        assert other.code not in codes
        assert app.focused is table
        await pilot.press("enter")
        await wait_for(pilot, lambda: screen.booking is not None)
        chosen = str(table.get_row_at(table.cursor_row)[0])
        assert screen.booking.code == chosen
        assert chosen in card_text(screen)
        # One booking for a number: it opens at once, with no list.
        await search(pilot, screen, "+82 10 9999 0000", type_it=False)
        await wait_for(
            pilot, lambda: screen.booking is not None and screen.booking.code == other.code
        )
        assert not table.display


async def test_unknown_and_malformed_input_say_so(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await started(pilot)
        screen = await open_find(pilot)
        await search(pilot, screen, "ZZZZ22")
        await wait_for(pilot, lambda: "No booking" in screen.message)
        assert "ZZZZ22" in screen.message
        assert screen.booking is None
        await search(pilot, screen, "hello!", type_it=False)
        await wait_for(pilot, lambda: "neither a booking code" in screen.message)
        await search(pilot, screen, "1234", type_it=False)
        await wait_for(pilot, lambda: "“1234”" in screen.message)
        await search(pilot, screen, "010-0000-0000", type_it=False)
        await wait_for(pilot, lambda: "No booking for 010-0000-0000" in screen.message)
        assert isinstance(app.screen, FindCancelScreen)
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, FindCancelScreen))


@pytest.mark.real_backend  # the real saga's timeline
async def test_history_filters_and_opens_the_timeline(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await started(pilot)
        _, kept = await sell(app, ("E5", "E6"))
        _, gone = await sell(app, ("F1",), show_index=1)
        await app.office.cancel(gone.code)
        await pilot.press("f4")
        await wait_for(pilot, lambda: isinstance(app.screen, HistoryScreen))
        screen: HistoryScreen = app.screen  # type: ignore[assignment]
        table = screen.query_one("#history-table", DataTable)
        await wait_for(pilot, lambda: table.row_count == 2)
        codes = lambda: {str(table.get_row_at(i)[0]) for i in range(table.row_count)}
        assert codes() == {kept.code, gone.code}

        # Keyboard only: from the table back to the status filter, pick "Cancelled".
        await pilot.press("shift+tab", "shift+tab", "shift+tab")
        assert app.focused is screen.query_one("#history-status", Select)
        await pilot.press("enter", "down", "down", "down", "enter")
        await wait_for(pilot, lambda: screen.status_filter == "CANCELLED")
        await wait_for(pilot, lambda: codes() == {gone.code})
        assert "Cancelled" in str(table.get_row_at(0)[-1])

        # The phone filter takes part of a number; nothing matches another one.
        screen.query_one("#history-status", Select).value = "all"
        await wait_for(pilot, lambda: table.row_count == 2)
        phone = screen.query_one("#history-phone", Input)
        phone.focus()
        await pilot.press(*"9999")
        await wait_for(pilot, lambda: table.row_count == 0)
        phone.value = "5678"
        await wait_for(pilot, lambda: table.row_count == 2)
        phone.value = ""

        table.focus()
        table.move_cursor(row=table.get_row_index(kept.code))
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, BookingDetailScreen))
        detail: BookingDetailScreen = app.screen  # type: ignore[assignment]
        timeline = detail.query_one("#timeline", TimelineView)
        await wait_for(pilot, lambda: "BookingCompleted" in timeline.step_names())
        names = timeline.step_names()
        assert {"PaymentCaptured", "SeatsConfirmed"} <= set(names)
        assert timeline.row_count == len(names)
        corr = str(detail.query_one("#detail-correlation").render())
        assert kept.id in corr and kept.correlation_id == kept.id
        assert kept.code in str(detail.query_one("#detail-summary").render())
        # Causal order: every step after the one that caused it, the saga in its order.
        position = {s.message_id: i for i, s in enumerate(timeline.steps)}
        for i, step in enumerate(timeline.steps):
            if step.causation_id in position:
                assert position[step.causation_id] < i
        saga = [
            "BookingRequested",
            "PaymentCaptured",
            "BookingPaid",
            "SeatsConfirmed",
            "BookingCompleted",
        ]
        assert [n for n in names if n in saga] == saga
        assert names.index("SeatsHeld") < names.index("BookingRequested")
        # The SeatsConfirmed row names its cause.
        row = timeline.get_row(timeline.steps[names.index("SeatsConfirmed")].message_id)
        assert "BookingPaid" in str(row[-1])
        assert "Seats E5, E6 confirmed" in str(row[-1])

        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, HistoryScreen))


@pytest.mark.real_backend  # the real saga's timeline
async def test_timeline_follows_a_later_cancellation(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await started(pilot)
        _, booking = await sell(app)
        await app.push_screen(BookingDetailScreen(booking.code))
        detail: BookingDetailScreen = app.screen  # type: ignore[assignment]
        timeline = detail.query_one("#timeline", TimelineView)
        await wait_for(pilot, lambda: "BookingCompleted" in timeline.step_names())
        await app.office.cancel(booking.code)
        await wait_for(pilot, lambda: "BookingCancelled" in timeline.step_names(), timeout=8)
        assert "Refund ₩20,000" in " ".join(
            str(timeline.get_row_at(i)[-1]) for i in range(timeline.row_count)
        )
        assert "Cancelled" in str(detail.query_one("#detail-summary").render())


async def test_korean_labels_and_language_switch(make_app):
    app = make_app(language="ko")
    async with app.run_test(size=(80, 24)) as pilot:
        await started(pilot)
        _, booking = await sell(app)
        screen = await open_find(pilot)
        await search(pilot, screen, booking.code)
        await wait_for(pilot, lambda: screen.booking is not None)
        labels = lambda: {k.description for k in app.screen.query("FooterKey")}
        assert "예매 완료" in card_text(screen)
        await wait_for(pilot, lambda: "예매 취소" in labels())
        await pilot.press("f8")
        await wait_for(pilot, lambda: "Completed" in card_text(screen))
        await wait_for(pilot, lambda: "Cancel booking" in labels())
        assert screen.query_one("#find-query", Input).value == booking.code

        # The timeline and the history relabel too, keeping their content.
        await pilot.press("t")
        await wait_for(pilot, lambda: isinstance(app.screen, BookingDetailScreen))
        timeline = app.screen.query_one("#timeline", TimelineView)
        await wait_for(pilot, lambda: "BookingCompleted" in timeline.step_names())
        await pilot.press("f8")
        await wait_for(
            pilot, lambda: "진행 기록" in str(app.screen.query_one("#detail-heading").render())
        )
        timeline = app.screen.query_one("#timeline", TimelineView)
        await wait_for(pilot, lambda: "BookingCompleted" in timeline.step_names())
        assert "결제" in str(timeline.get_row_at(0)[1]) or "예약" in str(timeline.get_row_at(0)[1])
        await pilot.press("f4")
        await wait_for(pilot, lambda: isinstance(app.screen, HistoryScreen))
        table = app.screen.query_one("#history-table", DataTable)
        await wait_for(pilot, lambda: table.row_count == 1)
        assert "예매 완료" in str(table.get_row_at(0)[-1])
        await pilot.press("f8")
        table = app.screen.query_one("#history-table", DataTable)
        await wait_for(
            pilot, lambda: table.row_count == 1 and "Completed" in str(table.get_row_at(0)[-1])
        )


def test_causal_order_puts_causes_first():
    from datetime import datetime

    from backend.views import TimelineStep

    at = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)

    def step(name, mid, cause=None):
        return TimelineStep(at, name, "x", "bk_1", cause, mid, {})

    shuffled = [
        step("BookingCompleted", "m5", "m4"),
        step("SeatsConfirmed", "m4", "m3"),
        step("PaymentCaptured", "m2"),
        step("BookingPaid", "m3"),
        step("BookingRequested", "m1"),
        step("SeatsHeld", "m0"),
    ]
    assert [s.step for s in causal_order(shuffled)] == [
        "SeatsHeld",
        "BookingRequested",
        "PaymentCaptured",
        "BookingPaid",
        "SeatsConfirmed",
        "BookingCompleted",
    ]


async def test_started_show_and_cancelled_elsewhere_are_explained(make_app, clock):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await started(pilot)
        show, booking = await sell(app)
        _, other = await sell(app, ("F1",), show_index=1)
        screen = await open_find(pilot)
        # Cancelled at another terminal after it was shown here: the refusal is explained.
        await search(pilot, screen, other.code, type_it=False)
        await wait_for(pilot, lambda: screen.booking is not None)
        await app.office.cancel(other.code)
        screen.cancel(other.code)
        await wait_for(
            pilot, lambda: "cancel" in screen.message.lower() and "Cancelling" not in screen.message
        )
        assert "find-message" in [w.id for w in screen.query(".-error")]
        await wait_for(pilot, lambda: screen.booking.status == "CANCELLED", timeout=5)
        # Once the show has started, a booking can no longer be cancelled.
        clock.set(show.starts_at + timedelta(minutes=1))
        await search(pilot, screen, booking.code, type_it=False)
        await wait_for(
            pilot, lambda: screen.booking is not None and screen.booking.code == booking.code
        )
        assert "already started" in card_text(screen)
        assert screen.query_one("#cancel-booking").disabled
        await pilot.press("x")
        await pilot.pause(0.1)
        assert not isinstance(app.screen, ConfirmScreen)
        assert (await app.office.booking(booking.code)).status == "COMPLETED"


async def test_information_outage_is_a_message_not_a_crash(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await started(pilot)
        _, booking = await sell(app)
        await pilot.press("f4")
        await wait_for(pilot, lambda: isinstance(app.screen, HistoryScreen))
        history: HistoryScreen = app.screen  # type: ignore[assignment]
        await wait_for(pilot, lambda: history.query_one("#history-table", DataTable).row_count == 1)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, BookingDetailScreen))
        detail: BookingDetailScreen = app.screen  # type: ignore[assignment]
        await wait_for(pilot, lambda: detail.live_state == "rested")
        await app.office.stop_service("information")
        await wait_for(pilot, lambda: detail.live_state == "paused", timeout=5)
        assert "paused" in str(detail.query_one("#detail-hint").render())
        await pilot.press("escape")
        await wait_for(
            pilot, lambda: "-error" in history.query_one("#history-summary").classes, timeout=5
        )
        await pilot.press("f3")
        await wait_for(pilot, lambda: isinstance(app.screen, FindCancelScreen))
        screen: FindCancelScreen = app.screen  # type: ignore[assignment]
        await search(pilot, screen, booking.code, type_it=False)
        await wait_for(pilot, lambda: "-error" in screen.query_one("#find-message").classes)
        assert screen.message
        await app.office.start_service("information")
        await search(pilot, screen, booking.code, type_it=False)
        await wait_for(pilot, lambda: screen.booking is not None, timeout=5)


@pytest.mark.real_backend  # the real cinema stopped and started
async def test_cancel_with_the_cinema_down_says_the_seats_follow(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await started(pilot)
        _, booking = await sell(app)
        screen = await open_find(pilot)
        await search(pilot, screen, booking.code, type_it=False)
        await wait_for(pilot, lambda: screen.booking is not None)
        await app.office.stop_service("cinema")
        await pilot.press("x")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await wait_for(pilot, lambda: "Cancelling" in screen.message)
        await wait_for(
            pilot, lambda: "release the seats when it is back" in screen.message, timeout=12
        )
        assert "Refunded ₩20,000" in screen.message
        assert screen.booking.status == "RELEASING"
        await app.office.start_service("cinema")
        # The card follows the booking to CANCELLED on its own.
        await wait_for(pilot, lambda: screen.booking.status == "CANCELLED", timeout=10)


async def test_history_finds_part_of_a_phone_beyond_the_newest_500(make_app, clock):
    """The last digits of a phone find an old booking however many sales came after it:
    the backend searches every booking, not the 500 rows the table shows."""
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await started(pilot)
        office = app.office
        shows = await office.showtimes(office.days()[1])
        hold = await office.hold(shows[0].id, ["A1"])
        old = await office.book(
            hold.id, tickets={"adult": 1}, payment=Cash(20000), phone="010-1111-2222"
        )
        clock.advance(60)  # every later sale is newer
        sold = 0
        for show in shows:
            for seat in (await office.seat_map(show.id)).seats:
                if sold < 500 and seat.state == "free":
                    newer = await office.hold(show.id, [seat.label])
                    await office.book(newer.id, tickets={"adult": 1}, payment=Cash(20000),
                                      phone="010-3333-4444" if sold % 2 else None)
                    sold += 1
        assert sold == 500
        await pilot.press("f4")
        await wait_for(pilot, lambda: isinstance(app.screen, HistoryScreen))
        screen: HistoryScreen = app.screen  # type: ignore[assignment]
        table = screen.query_one("#history-table", DataTable)
        await wait_for(pilot, lambda: table.row_count == 500, timeout=10)
        codes = lambda: {str(table.get_row_at(i)[0]) for i in range(table.row_count)}
        assert old.code not in codes()  # the newest 500 only

        phone = screen.query_one("#history-phone", Input)
        phone.focus()
        await pilot.press(*"2222")
        await wait_for(pilot, lambda: codes() == {old.code}, timeout=10)
        summary = lambda: str(screen.query_one("#history-summary").render())
        assert "1 booking" in summary()
        phone.value = "1111-2222"  # dashes are ignored
        await pilot.pause(0.2)
        await wait_for(pilot, lambda: codes() == {old.code})
        phone.value = "4444"
        await wait_for(pilot, lambda: table.row_count == 250, timeout=10)
        # digits other than 0-9 are refused with a sentence, not searched
        phone.value = "２２２２"
        await wait_for(pilot, lambda: "0–9" in summary())
        assert "-error" in screen.query_one("#history-summary").classes


@pytest.mark.parametrize("lang", ["en", "ko"])
async def test_history_columns_use_the_width(make_app, lang):
    """At 120 columns the film column takes the extra width (whole titles); no status
    or seat list is cut without an ellipsis at 80."""
    from rich.cells import cell_len

    app = make_app(language=lang)
    async with app.run_test(size=(80, 24)) as pilot:
        await started(pilot)
        _, booking = await sell(app, ("E5", "E6", "E7"))
        await pilot.press("f4")
        await wait_for(pilot, lambda: isinstance(app.screen, HistoryScreen))
        table = app.screen.query_one("#history-table", DataTable)
        await wait_for(pilot, lambda: table.row_count == 1)
        width = lambda key: next(c.width for k, c in table.columns.items() if k.value == key)
        narrow = width("film")
        for cell, key in zip(table.get_row_at(0), ("code", "sold", "film", "show", "seats",
                                                  "amount", "status")):
            assert cell_len(cell.plain) <= width(key), (key, cell.plain)
        seats = table.get_row_at(0)[4].plain.strip()
        assert seats == "E5,E6,E7" or (seats.endswith("…") and "E5,E6,E7".startswith(seats[:-1]))
        await pilot.resize_terminal(120, 40)
        await wait_for(pilot, lambda: width("film") >= narrow + 35)
        title = booking.title if lang == "ko" else booking.title_en
        assert table.get_row_at(0)[2].plain.strip() == title
        assert table.get_row_at(0)[4].plain.strip() == "E5,E6,E7"
