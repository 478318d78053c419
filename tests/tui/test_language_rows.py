"""A language switch keeps the programme on screen (it once left the table empty)."""

from __future__ import annotations

from textual.widgets import DataTable

from tests.tui.conftest import started, wait_for


async def test_showtimes_stay_listed_after_a_language_switch(make_app):
    app = make_app(language="ko")
    async with app.run_test(size=(80, 24)) as pilot:
        await started(pilot)
        rows = lambda: app.screen.query_one("#showtimes", DataTable).row_count  # noqa: E731
        before = rows()
        assert before > 0
        await pilot.press("f8")
        await wait_for(pilot, lambda: app.lang == "en")
        await wait_for(pilot, lambda: rows() == before)
        table = app.screen.query_one("#showtimes", DataTable)
        first = table.get_row_at(0)
        assert "min" in str(first[3])  # drawn in English, not left from before
