"""The app's event loop draws the clerk's screen, so the services' transactions stay off it.

Headless, the box office runs SQLite transactions inline on its loop (fastest); with a
screen on the same loop, a run of them made key-to-repaint under a siege 900 ms
(bench/tui_under_load.py), so the app keeps them on the stores' threads.
"""

from __future__ import annotations

import pytest

from backend import BoxOffice, Settings
from tests.tui.conftest import started

pytestmark = pytest.mark.real_backend


def stores(office: BoxOffice) -> list:
    return [service.store for service in office.runtime.services.values()]


async def test_the_apps_services_keep_their_transactions_off_the_screens_loop(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await started(pilot)
        assert len(stores(app.office)) == 4
        assert not any(store.inline for store in stores(app.office))
        # a restarted service keeps it so
        await app.office.restart_service("information")
        assert not any(store.inline for store in stores(app.office))


async def test_an_operator_may_choose_inline_transactions_for_the_app(make_app):
    app = make_app(sqlite_inline=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await started(pilot)
        assert all(store.inline for store in stores(app.office))


async def test_headless_the_box_office_runs_sqlite_inline(tmp_path):
    async with BoxOffice.open(Settings(data_dir=tmp_path)) as office:
        assert all(store.inline for store in stores(office))
