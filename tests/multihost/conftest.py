"""Fixtures for a cinema on several machines: PostgreSQL on "db", box offices on "a" and
"b" (network namespaces, ``tests/multihost/network.py``), talking only over that network.

``machines`` (one per test module) builds the network and starts PostgreSQL on the db
machine, listening on its address only. ``cinema`` (one per test) gives the test four
fresh databases (one per service) on it and ``cinema.spawn(machine, host, mode, ...)``
to start box offices (``tests/office_process.py``) on the other machines, each with a
host name and process ids of its own, every service's ``*_db_url`` pointing over TCP at
the db machine. The test process itself, the auditor, reads the same databases through the
server's Unix socket (a file, not the network), so the host's network is never touched.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from backend import Settings
from backend.catalog import Catalog
from backend.messaging.messages import SERVICES
from tests.multihost.child import Child
from tests.multihost.network import Network, unavailable
from tests.postgres import PostgresServer, find_binaries

ROOT = Path(__file__).resolve().parents[2]
CHILD = ROOT / "tests" / "office_process.py"
#: PostgreSQL's own port: the db machine has a network of its own, so nothing else has it.
PORT = 5432


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "multihost: PostgreSQL and box offices on machines made of network namespaces "
        "(needs root, iproute2 and util-linux; skipped otherwise)",
    )


@dataclass
class Machines:
    """The network and the PostgreSQL server on its db machine."""

    network: Network
    server: PostgresServer

    @property
    def db_address(self) -> str:
        return self.network.address("db")


@pytest.fixture(scope="module")
def machines() -> Iterator[Machines]:
    reason = unavailable()
    if reason is not None:
        pytest.skip(reason)
    bin_dir = find_binaries()
    if bin_dir is None:
        reason = ("PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb; "
                  "apt-get install postgresql-15, or set PG_BIN)")
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    network = Network(("db", "a", "b")).up()
    try:
        server = PostgresServer(
            bin_dir, listen_address=network.address("db"), port=PORT,
            command_prefix=network.inside("db"), allow_network=network.cidr,
        )
        try:
            server.start()
            yield Machines(network, server)
        finally:
            server.stop()
    finally:
        network.down()


@dataclass
class Cinema:
    """One cinema's four databases on the db machine, and its box offices."""

    machines: Machines
    root: Path
    databases: dict[str, str]  # service -> database name
    children: list[Child] = field(default_factory=list)

    def url(self, service: str) -> str:
        """How a box office on another machine reaches ``service``'s database (TCP)."""
        return self.machines.server.url(self.databases[service])

    def local_url(self, service: str) -> str:
        """How the test process reaches it (the server's Unix socket)."""
        return self.machines.server.socket_url(self.databases[service])

    def settings(self) -> Settings:
        """The auditor's settings: every service on its database, via the socket."""
        return Settings(data_dir=self.root / "auditor",
                        **{f"{s}_db_url": self.local_url(s) for s in SERVICES})

    def query(self, service: str, sql: str, **params: Any) -> list[Any]:
        """Rows of ``sql`` on ``service``'s database."""
        engine = create_engine(self.local_url(service))
        try:
            with engine.connect() as conn:
                return list(conn.execute(text(sql), params))
        finally:
            engine.dispose()

    def spawn(self, machine: str, hostname: str, mode: str, show_id: str, *args: str) -> Child:
        """A box office on ``machine``, its host name ``hostname`` (and pids of its own),
        running ``mode`` of tests/office_process.py with a data directory of its own."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("CINEMA_")}
        env.update({f"CINEMA_{s.upper()}_DB_URL": self.url(s) for s in SERVICES})
        data_dir = self.root / f"{machine}-{len(self.children)}"
        prefix = self.machines.network.as_host(machine, hostname)
        child = Child([*prefix, sys.executable, str(CHILD), mode, str(data_dir), show_id, *args],
                      env=env, cwd=str(ROOT), name=f"{mode} on {hostname}")
        self.children.append(child)
        return child


@pytest.fixture
def show_id(catalog: Catalog) -> str:
    """A show far enough ahead (by the real clock: the children run on it) to be on sale."""
    day = datetime.now(catalog.timezone).date() + timedelta(days=2)
    return catalog.showtimes(day)[0].id


@pytest.fixture
def cinema(machines: Machines, tmp_path: Path) -> Iterator[Cinema]:
    databases = {}
    for service in SERVICES:
        url = machines.server.create_database(service)
        databases[service] = url.rsplit("/", 1)[1]
    cinema = Cinema(machines, tmp_path, databases)
    try:
        yield cinema
    finally:
        for child in cinema.children:
            child.kill()
