"""The clerk's view of a PostgreSQL server going away and coming back: the status line
says so on the screen they are on, and clears by itself; nothing else breaks."""

from __future__ import annotations

import pytest

from tests.test_postgres_restart import SERVICES, server, start, stop  # noqa: F401 - fixture
from tests.tui.conftest import started, wait_for


@pytest.mark.real_backend
async def test_the_status_line_says_the_database_is_away_until_it_is_back(make_app, server):
    app = make_app(**{f"{s}_db_url": server.create_database(s) for s in SERVICES})
    async with app.run_test(size=(80, 24)) as pilot:
        await started(pilot)
        line = lambda: str(app.screen.query_one("#status-line").render())
        await wait_for(pilot, lambda: "Reservation" in line())
        assert "unreachable" not in line()
        options = stop(server)
        await wait_for(pilot, lambda: line().startswith(
            "! Database unreachable (Reservation, Payment, Cinema, Information), retrying"),
            timeout=10)
        start(server, options)
        await wait_for(pilot, lambda: "unreachable" not in line(), timeout=15)
        assert "● Reservation" in line()
        assert type(app.screen).__name__ == "NowShowingScreen"
        assert app.return_code is None
