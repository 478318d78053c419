"""The ticket on screen and in its saved file (#12 item 11): labels are never cut, and a
ticket of more than one type says which seat has which type, in both languages."""

from __future__ import annotations

import re

import pytest
from rich.cells import cell_len
from rich.console import Console

from backend import Cash
from cinema_tui.screens.ticket import TicketScreen
from tests.tui.conftest import started, wait_for


def shown(app, selector: str) -> str:
    """A widget's Rich renderable as plain text, wide enough not to fold."""
    console = Console(width=200, record=True, color_system=None)
    console.print(app.screen.query_one(selector).content)
    return console.export_text()


async def mixed_sale(app, tickets):
    shows = await app.office.showtimes(app.office.days()[1])
    show = next(s for s in shows if s.hall_id == "hall-1" and s.starts_at.hour >= 10)
    hold = await app.office.hold(show.id, ["E5", "E6", "E7"][: sum(tickets.values())])
    booking = await app.office.book(hold.id, tickets=tickets, payment=Cash(50_000))
    return await app.office.wait_for_booking(booking.code)


@pytest.mark.parametrize(
    "lang, code_label, types",
    [("en", "Booking code", "E5 Adult, E6 Youth"), ("ko", "예매번호", "E5 성인, E6 청소년")],
)
async def test_saved_ticket_has_whole_labels_and_each_seats_type(
    make_app, tmp_path, lang, code_label, types
):
    app = make_app(language=lang)
    async with app.run_test(size=(80, 24)) as pilot:
        await started(pilot)
        booking = await mixed_sale(app, {"adult": 1, "youth": 1})
        await app.push_screen(TicketScreen(booking))
        await wait_for(pilot, lambda: isinstance(app.screen, TicketScreen))
        await pilot.pause()
        assert types in shown(app, "#ticket-details")
        await pilot.press("s")
        path = tmp_path / "data" / "tickets" / f"{booking.code}.txt"
        await wait_for(pilot, path.exists)
        text = path.read_text(encoding="utf-8")
        assert re.search(rf"^{code_label} +{booking.code}$", text, re.MULTILINE)
        assert "…" not in text
        assert types in text
        # Every label is whole and the values line up after them.
        screen = app.screen
        starts = {cell_len(line[: line.index(value)]) for label, value in screen.rows()
                  for line in text.splitlines() if line.startswith(label + " ")}
        assert len(starts) == 1


async def test_one_type_is_counted_not_listed_by_seat(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await started(pilot)
        booking = await mixed_sale(app, {"adult": 2})
        await app.push_screen(TicketScreen(booking))
        await wait_for(pilot, lambda: isinstance(app.screen, TicketScreen))
        await pilot.pause()
        details = shown(app, "#ticket-details")
        assert "Adult ×2" in details and "E5 Adult" not in details
        assert "Booking ID" in details and "Ticket no." in details
