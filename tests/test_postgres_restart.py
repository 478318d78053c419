"""PostgreSQL goes away while the box office runs, and comes back.

What a clerk must see: a sentence saying the database cannot be reached and that it is
retried (never a traceback, never a service "stopped" that was not stopped), the status
(``health``) saying which databases are cut off, and sales working again by themselves
once the server is back, with nothing lost. The server is this test's own (it is stopped
and started), not the session's shared one.
"""

from __future__ import annotations

import shlex
from collections.abc import Iterator
from pathlib import Path

import pytest

from backend import BoxOffice, Cash, ManualClock, Settings
from backend.audit import audit
from backend.errors import DatabaseUnreachable
from tests.conftest import tomorrow_show
from tests.postgres import PostgresServer, find_binaries

SERVICES = ("reservation", "payment", "cinema", "information")


@pytest.fixture
def server(postgres_server: PostgresServer) -> Iterator[PostgresServer]:
    """A server of this test's own (``postgres_server`` only says binaries exist)."""
    bin_dir = find_binaries()
    assert bin_dir is not None
    own = PostgresServer(bin_dir).start()
    try:
        yield own
    finally:
        own.stop()


def stop(server: PostgresServer) -> str:
    """Stop the server (fast: sessions are cut); the options to start it again with."""
    opts = shlex.split((server.data / "postmaster.opts").read_text())[1:]
    data_at = opts.index("-D")
    del opts[data_at:data_at + 2]
    server._run("pg_ctl", "-D", str(server.data), "-m", "fast", "-w", "stop")
    return shlex.join(opts)


def start(server: PostgresServer, options: str) -> None:
    server._run("pg_ctl", "-D", str(server.data), "-l", str(server.root / "server.log"),
                "-o", options, "-w", "-t", "60", "start")


async def sell(office: BoxOffice, show_id: str, seat: str) -> str:
    hold = await office.hold(show_id, [seat])
    booking = await office.book(hold.id, tickets={"adult": 1}, payment=Cash(100_000))
    return booking.code


async def test_a_restart_is_explained_while_it_lasts_and_sales_resume_after(
        server: PostgresServer, tmp_path: Path, clock: ManualClock):
    settings = Settings(data_dir=tmp_path / "data",
                        **{f"{s}_db_url": server.create_database(s) for s in SERVICES})
    async with BoxOffice.open(settings, clock=clock) as office:
        show = await tomorrow_show(office)
        before = await sell(office, show.id, "E1")
        assert await office.settle(10)

        options = stop(server)
        with pytest.raises(DatabaseUnreachable) as refused:
            await office.hold(show.id, ["E2"])
        said = str(refused.value)
        assert said.startswith("The reservation database cannot be reached: the PostgreSQL "
                               f"server at 127.0.0.1:{server.port} is not answering.")
        assert "tried again by itself" in said
        assert refused.value.key == "storage.unreachable"

        health = await office.health()
        for name in SERVICES:
            assert health[name].database_unreachable, (name, health[name])
            assert "cannot be reached" in health[name].database_unreachable
            assert health[name].state == "ready", health[name]  # up, only cut off

        start(server, options)
        # Connections cut by the restart are checked before use, not failed on: the
        # clerk's next sale simply works.
        after = await sell(office, show.id, "E2")
        assert await office.settle(20)

        health = await office.health()
        assert not any(h.database_unreachable for h in health.values()), health
        assert all(h.state == "ready" and h.restarts == 0 for h in health.values()), health
        for code in (before, after):
            assert (await office.booking(code)).status == "COMPLETED"
        catalog = office.catalog
    report = audit(settings, catalog)
    assert report.ok, report.violations


async def test_mail_arriving_while_a_receiver_s_database_is_away_waits_and_is_applied(
        server: PostgresServer, postgres_url, tmp_path: Path, clock: ManualClock):
    """Only information's database goes away (it is on its own server): the sale itself
    completes, information gives its mail back instead of crashing, and its view
    catches up once its server is back."""
    settings = Settings(
        data_dir=tmp_path / "data",
        information_db_url=server.create_database("information"),
        **{f"{s}_db_url": postgres_url(s) for s in ("reservation", "payment", "cinema")},
    )
    async with BoxOffice.open(settings, clock=clock) as office:
        show = await tomorrow_show(office)
        options = stop(server)
        hold = await office.hold(show.id, ["H4"])
        booking = await office.book(hold.id, tickets={"adult": 1}, payment=Cash(100_000))
        information = office.runtime.information
        health = await office.health()
        assert health["information"].database_unreachable
        assert information.state.value == "ready"
        assert not health["reservation"].database_unreachable

        start(server, options)
        assert await office.settle(30)
        assert (await office.booking(booking.code)).status == "COMPLETED"
        assert office.runtime.supervisor.records["information"].restarts == 0
        catalog = office.catalog
    report = audit(settings, catalog)
    assert report.ok, report.violations
