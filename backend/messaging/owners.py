"""Who holds a lease, and whether they are still there: owners and their heartbeats.

A delivery in flight is leased to an *owner*: one start of one box office process. When
every terminal ran on one machine a pid was enough (``pid:<pid>``, checked with
``os.kill``). Once terminals share a PostgreSQL server from several machines it is not:
a pid names nothing on another host (and may exist there by chance), and a pid reused
after a crash is not the process that took the lease. So an owner names its host, its
process and a random nonce drawn at each start::

    host=<hostname>;pid=<pid>;start=<8 hex>

and each running box office renews a heartbeat row ``(owner, host, pid, heartbeat_at)``
in every service database it uses. An owner is **dead** when it runs on this host and
its pid is gone (known at once), or when its heartbeat is older than the lease time (any
host). A dead owner's leases are given back so a live box office delivers its mail;
an owner about whom nothing is known (no heartbeat yet, or a process we cannot see) is
left alone and its leases simply run out. Owners written by v0.1 (``pid:<pid>``) came
from a one-machine cinema and are judged by their pid, as then.

Heartbeat times are the writers' wall clocks: machines sharing a database should keep
their clocks in step (NTP) to well under the lease time.
"""

from __future__ import annotations

import os
import secrets
import socket
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table
from sqlalchemy.engine import Connection
from sqlmodel import Field, SQLModel

from backend.sql import SQL, in_list, run

#: Set only by tests, to run a box office "on another machine" on this one.
HOSTNAME_VARIABLE = "CINEMA_HOSTNAME"


class HeartbeatRow(SQLModel, table=True):
    """A running box office's latest sign of life, in one service's database."""

    __tablename__ = "lease_owners"
    owner: str = Field(primary_key=True)
    host: str
    pid: int
    started_at: float
    heartbeat_at: float


HEARTBEATS: Table = HeartbeatRow.__table__  # type: ignore[assignment]


@dataclass(frozen=True, slots=True)
class Owner:
    """One start of one box office process: what a lease owner's name says."""

    host: str | None  # None: a v0.1 owner (``pid:N``), from a one-machine cinema
    pid: int
    start: str | None
    #: The owner's own lease (``delivery_lease_s``): it renews its heartbeat a few times
    #: per this, so others judge its silence by it, not by theirs (terminals set up
    #: with different leases must not take each other's live work). None: not said.
    lease: float | None = None

    def __str__(self) -> str:
        if self.host is None:
            return f"pid:{self.pid}"
        said = f"host={self.host};pid={self.pid};start={self.start}"
        return said if self.lease is None else f"{said};lease={self.lease:g}"


def this_host() -> str:
    """The name this machine's owners carry (``CINEMA_HOSTNAME`` overrides, for tests)."""
    return os.environ.get(HOSTNAME_VARIABLE) or socket.gethostname()


def new_owner(lease: float | None = None) -> Owner:
    """A fresh owner for a box office starting now in this process (leasing for
    ``lease`` seconds, if given)."""
    return Owner(this_host(), os.getpid(), secrets.token_hex(4), lease)


def parse_owner(text: str) -> Owner | None:
    """An owner from its name (either form); None if the name means nothing to us."""
    if text.startswith("pid:"):
        try:
            return Owner(None, int(text[4:]), None)
        except ValueError:
            return None
    parts = dict(part.partition("=")[::2] for part in text.split(";"))
    try:
        lease = float(parts["lease"]) if "lease" in parts else None
        if lease is not None and not 0 < lease < float("inf"):
            lease = None  # nonsense: judged by our own lease
        return Owner(parts["host"], int(parts["pid"]), parts["start"], lease)
    except (KeyError, ValueError):
        return None


def pid_running(pid: int) -> bool:
    """Whether a process with this id exists on this machine."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True  # someone else's process (or a pid we cannot ask about): assume it runs
    return True


@dataclass(frozen=True, slots=True)
class Judge:
    """Decides which lease owners are dead, as seen by ``me`` at ``now``."""

    me: Owner
    now: float
    lease_seconds: float
    running: Callable[[int], bool] = pid_running

    def is_dead(self, name: str, heartbeat_at: float | None) -> bool:
        owner = parse_owner(name)
        if owner is None or owner == self.me:
            return False  # ours, or nothing we can judge: its leases run out by themselves
        lease = owner.lease or self.lease_seconds
        fresh = heartbeat_at is not None and self.now - heartbeat_at <= lease
        if heartbeat_at is not None and not fresh:
            return True  # silent for longer than a lease: dead, wherever it runs
        if owner.host is not None and owner.host != self.me.host:
            return False  # another machine's process: only its heartbeat can tell
        if owner.pid == self.me.pid:
            # This very process: an earlier start (closed, or a v0.1 lease from a previous
            # life of this pid) unless another box office here keeps its heartbeat fresh.
            return not fresh
        return not self.running(owner.pid)


_BEAT = SQL(
    "INSERT INTO lease_owners (owner, host, pid, started_at, heartbeat_at)"
    " VALUES (:owner, :host, :pid, :now, :now)"
    " ON CONFLICT (owner) DO UPDATE SET heartbeat_at = excluded.heartbeat_at"
)
_FORGET = SQL("DELETE FROM lease_owners WHERE owner = :owner")
_HEARTBEATS = SQL("SELECT owner, heartbeat_at FROM lease_owners")
_LEASE_OWNERS = SQL(
    "SELECT d.lease_owner, max(h.heartbeat_at) FROM deliveries d"
    " LEFT JOIN lease_owners h ON h.owner = d.lease_owner"
    " WHERE d.lease_owner IS NOT NULL GROUP BY d.lease_owner"
)
_GIVE_BACK = "UPDATE deliveries SET lease_until = 0.0, lease_owner = NULL"


def beat(conn: Connection, owner: Owner, now: float) -> None:
    """Renew ``owner``'s heartbeat in this database (the row is made on the first beat)."""
    run(conn, _BEAT, {"owner": str(owner), "host": owner.host, "pid": owner.pid, "now": now})


def forget(conn: Connection, owner: Owner) -> None:
    """``owner`` stops cleanly: its heartbeat goes (what it still leases runs out)."""
    run(conn, _FORGET, {"owner": str(owner)})


def lease_owners(conn: Connection) -> list[tuple[str, float | None]]:
    """Every owner holding a lease here, with its latest heartbeat (None: none known)."""
    return [(r[0], r[1]) for r in run(conn, _LEASE_OWNERS)]


def release_dead_owners(conn: Connection, judge: Judge) -> int:
    """Give back every lease of an owner ``judge`` finds dead and forget its heartbeat
    (a dead owner holds nothing now). Returns how many deliveries came back."""
    known = dict(lease_owners(conn))
    known.update((r[0], r[1]) for r in run(conn, _HEARTBEATS))
    dead = [name for name, at in known.items() if judge.is_dead(name, at)]
    if not dead:
        return 0
    marks, params = in_list("o", dead)
    result = run(conn, SQL.of(f"{_GIVE_BACK} WHERE lease_owner IN {marks}"), params)
    run(conn, SQL.of(f"DELETE FROM lease_owners WHERE owner IN {marks}"), params)
    return result.rowcount or 0


def heartbeats(conn: Connection) -> dict[str, Any]:
    """Every heartbeat row by owner (for tests and the operator's eyes)."""
    return {r.owner: r for r in run(conn, SQL("SELECT * FROM lease_owners"))}
