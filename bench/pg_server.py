"""A throwaway PostgreSQL server for the benchmarks, with durability said out loud.

The tests' server (``tests/postgres.py``) runs with ``fsync`` off: right for tests, but
figures measured on it would flatter PostgreSQL against SQLite, which does sync its WAL.
So the benchmarks subclass it and choose the durability (``--pg-durability``):

* ``off``: the tests' server (fsync, full_page_writes and synchronous_commit off): what a
  commit costs when nothing ever reaches the disk on purpose;
* ``normal`` (the default): fsync and full_page_writes on, synchronous_commit off. This
  is the promise the box office's SQLite makes (WAL with ``synchronous=NORMAL``): a crash
  never damages the books, a power cut may lose the last fraction of a second of commits;
* ``full``: synchronous_commit on as well: every commit waits for its WAL flush.

Each benchmark prints ``describe(server)``: the settings the server really ran with
(read back with ``SHOW``), its version and the file system under its data directory.
Every service gets a database of its own on the one server (``service_urls``), as
docs/postgres.md recommends.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:  # tests/postgres.py: the one way this project makes a server
    sys.path.insert(0, str(REPO))

from backend.messaging.messages import SERVICES
from tests.postgres import SUPERUSER, PostgresServer, find_binaries

DURABILITY: dict[str, dict[str, str]] = {
    "off": {"fsync": "off", "full_page_writes": "off", "synchronous_commit": "off"},
    "normal": {"fsync": "on", "full_page_writes": "on", "synchronous_commit": "off"},
    "full": {"fsync": "on", "full_page_writes": "on", "synchronous_commit": "on"},
}
MEANING = {
    "off": "nothing is synced: a crash of the machine can damage the books (tests' server)",
    "normal": "WAL synced in the background: a power cut may lose the last commits, never "
              "damages the books (like the box office's SQLite: WAL, synchronous=NORMAL)",
    "full": "every commit waits for its WAL flush: nothing committed is ever lost",
}
SHOWN = ("server_version", "fsync", "full_page_writes", "synchronous_commit",
         "wal_writer_delay", "shared_buffers", "max_connections")


class BenchServer(PostgresServer):
    """``tests/postgres.py``'s server, started with the chosen durability.

    The tests' ``start`` hard-codes the durability knobs off on pg_ctl's command line
    (where they beat any configuration file), so this rewrites just those options on
    their way to pg_ctl and leaves the rest of the start to the tests' code.
    """

    def __init__(self, bin_dir: Path, durability: str) -> None:
        super().__init__(bin_dir)
        self.durability = durability
        #: Options whose values replace the tests' ones (PostgreSQL's default buffers).
        self.knobs = {**DURABILITY[durability], "shared_buffers": "128MB"}

    def _run(self, tool: str, *args: str) -> None:
        if tool == "pg_ctl" and "-o" in args:
            at = args.index("-o") + 1
            options = re.sub(r"-c (\w+)=(\S+)",
                             lambda m: f"-c {m[1]}={self.knobs.get(m[1], m[2])}", args[at])
            args = (*args[:at], options, *args[at + 1:])
        super()._run(tool, *args)


def start_server(durability: str) -> BenchServer:
    """A started server, or exit with a sentence saying what is missing."""
    bin_dir = find_binaries()
    if bin_dir is None:
        sys.exit("PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb): "
                 "apt-get install postgresql-15, or set PG_BIN.")
    server = BenchServer(bin_dir, durability)
    try:
        return server.start()
    except (RuntimeError, OSError, subprocess.SubprocessError) as exc:
        server.stop()
        sys.exit(f"The throwaway PostgreSQL server did not start: {exc}")


def service_urls(server: PostgresServer, prefix: str) -> dict[str, str]:
    """``*_db_url`` settings giving every service a fresh database of its own."""
    return {f"{service}_db_url": server.create_database(f"{prefix}_{service}")
            for service in SERVICES}


def _connect(server: PostgresServer, dbname: str = "postgres", autocommit: bool = True):
    import psycopg

    # over the loopback port, as the box office connects (server.url)
    return psycopg.connect(host="127.0.0.1", port=server.port, user=SUPERUSER,
                           dbname=dbname, autocommit=autocommit)


def describe(server: BenchServer) -> str:
    """The durability the server really runs with, for the benchmark's output."""
    with _connect(server) as conn:
        values = {name: conn.execute(f"SHOW {name}").fetchone()[0] for name in SHOWN}
    fs = subprocess.run(["df", "--output=fstype", str(server.root)], capture_output=True,
                        text=True, check=False).stdout.split()[-1:] or ["?"]
    knobs = ", ".join(f"{k}={values[k]}" for k in SHOWN[1:])
    wrong = {k: values[k] for k, v in DURABILITY[server.durability].items() if values[k] != v}
    warning = (f"\n  WARNING      the server did not take the durability asked for: {wrong}"
               if wrong else "")
    return (f"PostgreSQL {values['server_version']} (throwaway, data on {fs[0]} under "
            f"{server.root}, loopback TCP): durability {server.durability!r}: {knobs}\n"
            f"  meaning      {MEANING[server.durability]}{warning}")


def plain_commits_per_s(server: PostgresServer, commits: int) -> float:
    """Commits/s of a bare psycopg loop on this server: one small INSERT per transaction,
    one connection (the ``plain sqlite3`` line's counterpart)."""
    name = server.create_database("limit")
    with _connect(server, name.rsplit("/", 1)[1], autocommit=False) as conn:
        conn.execute("CREATE TABLE t (id BIGSERIAL PRIMARY KEY, at DOUBLE PRECISION, v TEXT)")
        conn.commit()
        t0 = time.perf_counter()
        for i in range(commits):
            conn.execute("INSERT INTO t (at, v) VALUES (%s, %s)", (time.time(), f"row {i}"))
            conn.commit()
        return commits / (time.perf_counter() - t0)



def server_cpu_seconds(server: PostgresServer) -> float:
    """CPU time (user + system) of the server's processes so far: the postmaster and its
    children (a backend per connection, the WAL writer...), read from /proc. Subtract two
    readings for a window; a backend that exits within it takes its share along."""
    try:
        postmaster = int((server.data / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return float("nan")
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            pid, rest = stat.read_text().split(" ", 1)
        except OSError:
            continue
        fields = rest.rsplit(")", 1)[1].split()  # after "(comm)": state, ppid, ...
        if int(pid) == postmaster or int(fields[1]) == postmaster:
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / tick
