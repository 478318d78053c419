"""A throwaway PostgreSQL server for tests, from the machine's own binaries.

Tests that run the backend on PostgreSQL need a real server, not a mock: the point is
to find the SQL the two engines disagree on. ``PostgresServer`` makes a cluster in a
temporary directory (``initdb``), starts it with ``pg_ctl`` listening on a Unix socket
in that directory and on a free loopback port, and stops and removes it at the end.
Durability is switched off (``fsync``, ``full_page_writes``, ``synchronous_commit``):
a test's data need not survive a power cut, and a commit then costs about what it costs
on SQLite, so start-up takes a second or two and a test's databases are cheap.

``initdb`` refuses to run as root, so as root the cluster belongs to the ``postgres``
system user (commands run through ``runuser``); otherwise to the current user.
Each test gets a fresh empty database (``create_database``), so tests never see each
other's rows and need no cleaning up.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Self

#: Where Debian puts each major version's server binaries.
BINARY_GLOB = "/usr/lib/postgresql/*/bin"
#: The role the tests connect as (the cluster's superuser).
SUPERUSER = "cinema"


def find_binaries() -> Path | None:
    """The newest installed PostgreSQL's bin directory (with initdb), or None."""
    override = os.environ.get("PG_BIN")
    candidates = [override] if override else sorted(
        glob.glob(BINARY_GLOB), key=lambda p: int(Path(p).parent.name)
        if Path(p).parent.name.isdigit() else 0)
    for directory in reversed(candidates):
        if directory and (Path(directory) / "initdb").is_file():
            return Path(directory)
    return None


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class PostgresServer:
    """One PostgreSQL cluster in a temporary directory, for the length of a test session."""

    def __init__(
        self,
        bin_dir: Path,
        *,
        listen_address: str = "127.0.0.1",
        port: int | None = None,
        command_prefix: Sequence[str] = (),
        allow_network: str | None = None,
    ) -> None:
        """By default a server on this machine's loopback. The keywords put it on
        "another machine" (tests/multihost): ``command_prefix`` runs the server's tools
        inside something (``["ip", "netns", "exec", ns]``: a network namespace),
        ``listen_address`` is the address it listens on (and its URLs name), and
        ``allow_network`` a CIDR (``10.77.5.0/24``) whose hosts may log in over TCP
        (initdb's pg_hba.conf admits only loopback)."""
        self.bin_dir = bin_dir
        self.root = Path(tempfile.mkdtemp(prefix="cinema-pg-"))
        self.data = self.root / "data"
        self.socket_dir = self.root
        self.listen_address = listen_address
        self.port = port if port is not None else free_port()
        self.command_prefix = list(command_prefix)
        self.allow_network = allow_network
        self._user: str | None = None
        self._counter = 0

    # --- life cycle ---------------------------------------------------------------------

    def start(self) -> Self:
        """initdb, then pg_ctl start (waiting until the server accepts connections)."""
        if os.geteuid() == 0:
            self._user = "postgres"
            entry = pwd.getpwnam(self._user)
            os.chown(self.root, entry.pw_uid, entry.pw_gid)
        os.chmod(self.root, 0o755)  # the socket must be reachable by the tests' user
        self._run(
            "initdb", "-D", str(self.data), "-U", SUPERUSER, "--auth=trust",
            "--encoding=UTF8", "--locale=C", "--no-sync",
        )
        if self.allow_network is not None:
            with (self.data / "pg_hba.conf").open("a") as hba:
                hba.write(f"host all all {self.allow_network} trust\n")
        options = " ".join([
            "-c fsync=off", "-c full_page_writes=off", "-c synchronous_commit=off",
            f"-c port={self.port}", f"-c listen_addresses={self.listen_address}",
            f"-c unix_socket_directories={self.socket_dir}",
            "-c max_connections=300", "-c shared_buffers=32MB",
        ])
        self._run(
            "pg_ctl", "-D", str(self.data), "-l", str(self.root / "server.log"),
            "-o", options, "-w", "-t", "60", "start",
        )
        return self

    def stop(self) -> None:
        """Stop the server (immediately: nothing in it is worth keeping) and remove it."""
        try:
            if (self.data / "postmaster.pid").exists():
                self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def restart(self, mode: str = "fast") -> None:
        """``pg_ctl restart``: every connection is cut, the server comes back with the same
        options (waiting until it accepts connections again)."""
        self._run(
            "pg_ctl", "-D", str(self.data), "-l", str(self.root / "server.log"),
            "-m", mode, "-w", "-t", "60", "restart",
        )

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- databases ----------------------------------------------------------------------

    def url(self, database: str = "postgres") -> str:
        """The SQLAlchemy URL of ``database`` on this server (TCP, at the address it
        listens on: the loopback unless told otherwise)."""
        return f"postgresql+psycopg://{SUPERUSER}@{self.listen_address}:{self.port}/{database}"

    def socket_url(self, database: str = "postgres") -> str:
        """The SQLAlchemy URL of ``database`` over the server's Unix socket: reachable from
        this machine's file system whatever network the server listens on."""
        return (f"postgresql+psycopg://{SUPERUSER}@/{database}"
                f"?host={self.socket_dir}&port={self.port}")

    def create_database(self, prefix: str = "test") -> str:
        """A new empty database; its SQLAlchemy URL."""
        import psycopg

        self._counter += 1
        name = f"{prefix}_{os.getpid()}_{self._counter}"
        with psycopg.connect(host=str(self.socket_dir), port=self.port, user=SUPERUSER,
                             dbname="postgres", autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def log(self) -> str:
        """The server's log so far (for a failing start's message)."""
        try:
            return (self.root / "server.log").read_text(errors="replace")
        except OSError:
            return ""

    def _run(self, tool: str, *args: str) -> None:
        command = [str(self.bin_dir / tool), *args]
        if self._user is not None:
            command = ["runuser", "-u", self._user, "--", *command]
        command = [*self.command_prefix, *command]
        done = subprocess.run(command, check=False, capture_output=True, text=True, timeout=120,
                              stdin=subprocess.DEVNULL)
        if done.returncode != 0:
            raise RuntimeError(
                f"{tool} failed ({done.returncode}): {done.stderr.strip() or done.stdout.strip()}"
                f"\n{self.log()[-2000:]}"
            )
