"""Machines made of Linux network namespaces, for running a cinema on "several machines".

A real cinema on several machines has PostgreSQL on one host and box offices on others,
talking only over the network. On one Linux machine the same can be built for real with
network namespaces: each "machine" is a namespace with its own interfaces, addresses,
routes and loopback, and sees the others only through a virtual switch. Processes started
in a namespace (``ip netns exec``) can reach nothing else over the network: not the host's
loopback, not another test's servers.

``Network`` makes one namespace per machine (``cin-<pid>-<n>-db``, ``-a``, ``-b``: unique
per test run, so pytest-xdist's workers never meet) and a switch namespace (``-sw``)
holding a bridge; each machine is plugged into it by a veth pair and gets
``10.77.<n>.<i>/24`` with ``lo`` up. The host's own namespace is left untouched (the test
process reaches the database through the server's Unix socket, a file). ``down()`` kills
every process still in the namespaces and deletes them, even after a failed test;
namespaces left by a run that was itself killed are removed by the next one.

Building it needs root (CAP_SYS_ADMIN and CAP_NET_ADMIN), iproute2's ``ip`` and
util-linux's ``unshare`` (each box office gets a host name and process ids of its own);
``unavailable()`` says in a sentence why namespaces cannot be made, for the tests to skip
with.
"""

from __future__ import annotations

import itertools
import os
import re
import shutil
import signal
import subprocess
import time
from collections.abc import Sequence
from typing import Self

#: Every namespace this harness makes is named ``cin-<pid of the test process>-...``.
PREFIX = "cin"
_NAME = re.compile(rf"^{PREFIX}-(\d+)-\d+-\w+$")
_COUNTER = itertools.count(1)


def _ip(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(["ip", *args], capture_output=True, text=True, timeout=30,
                          stdin=subprocess.DEVNULL, check=False)
    if check and done.returncode != 0:
        raise RuntimeError(f"ip {' '.join(args)} failed: {done.stderr.strip()}")
    return done


def unavailable() -> str | None:
    """Why namespaces cannot be made here (a sentence), or None when they can."""
    if os.geteuid() != 0:
        return "network namespaces need root (ip netns add); these tests run as root in CI"
    missing = [tool for tool in ("ip", "unshare") if shutil.which(tool) is None]
    if missing:
        return (f"{' and '.join(missing)} not found: install iproute2 (ip netns: the "
                "machines' networks) and util-linux (unshare: their host names and pids)")
    probe = f"{PREFIX}-{os.getpid()}-0-probe"
    made = _ip("netns", "add", probe, check=False)
    if made.returncode != 0:
        return f"network namespaces cannot be made here: {made.stderr.strip()}"
    _ip("netns", "del", probe, check=False)
    return None


def namespaces() -> list[str]:
    """The names of every network namespace on this machine."""
    listed = _ip("netns", "list", check=False).stdout
    return [line.split()[0] for line in listed.splitlines() if line.strip()]


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def pids(ns: str) -> list[str]:
    """The ids of the processes running in namespace ``ns``."""
    return _ip("netns", "pids", ns, check=False).stdout.split()


def _kill_inside(ns: str) -> None:
    """SIGKILL every process in namespace ``ns`` (and wait, briefly, until they are gone)."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        running = [int(p) for p in pids(ns)]
        if not running:
            return
        for pid in running:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        time.sleep(0.05)


def remove_stale() -> list[str]:
    """Delete namespaces left by test processes that no longer run (a run that was
    killed before it could clean up). Returns their names."""
    removed = []
    for ns in namespaces():
        found = _NAME.match(ns)
        if found and not _pid_alive(int(found.group(1))):
            _kill_inside(ns)
            _ip("netns", "del", ns, check=False)
            removed.append(ns)
    return removed


class Network:
    """A switch and one namespace ("machine") per name, each at 10.77.<n>.<i>/24."""

    def __init__(self, machines: Sequence[str] = ("db", "a", "b")) -> None:
        number = next(_COUNTER)
        self.tag = f"{PREFIX}-{os.getpid()}-{number}"
        self.subnet = 1 + (os.getpid() * 7 + number) % 250  # any; each network is private
        self.machines = list(machines)
        self.switch = f"{self.tag}-sw"
        self._made: list[str] = []

    # --- addresses and names ------------------------------------------------------------

    def ns(self, machine: str) -> str:
        """The namespace that is ``machine``."""
        return f"{self.tag}-{machine}"

    def address(self, machine: str) -> str:
        """``machine``'s address on the switch."""
        return f"10.77.{self.subnet}.{self.machines.index(machine) + 1}"

    @property
    def cidr(self) -> str:
        return f"10.77.{self.subnet}.0/24"

    def inside(self, machine: str) -> list[str]:
        """The command prefix that runs a command on ``machine``."""
        return ["ip", "netns", "exec", self.ns(machine)]

    def as_host(self, machine: str, hostname: str) -> list[str]:
        """The command prefix that runs a command on ``machine`` as another machine would:
        under its own host name (``socket.gethostname()`` says ``hostname``) and with
        process ids of its own (it is pid 1 there, and sees no other machine's process:
        a pid in a lease owner's name means nothing to the other box office, as across
        real machines). Killing the prefix's process (``unshare``) kills the command."""
        script = 'hostname "$0" && exec "$@"'
        return [*self.inside(machine), "unshare", "--uts", "--pid", "--fork", "--kill-child",
                "--mount-proc", "sh", "-c", script, hostname]

    # --- life cycle ---------------------------------------------------------------------

    def up(self) -> Self:
        """Make the switch and the machines, plug them in, and wait until each machine
        has its address. Anything made is removed again if a step fails."""
        remove_stale()
        try:
            self._add(self.switch)
            _ip("-n", self.switch, "link", "add", "br0", "type", "bridge")
            _ip("-n", self.switch, "link", "set", "br0", "up")
            _ip("-n", self.switch, "link", "set", "lo", "up")
            for machine in self.machines:
                ns = self.ns(machine)
                self._add(ns)
                port = f"to-{machine}"[:15]
                _ip("-n", self.switch, "link", "add", port, "type", "veth",
                    "peer", "name", "eth0", "netns", ns)
                _ip("-n", self.switch, "link", "set", port, "master", "br0", "up")
                _ip("-n", ns, "addr", "add", f"{self.address(machine)}/24", "dev", "eth0")
                _ip("-n", ns, "link", "set", "eth0", "up")
                _ip("-n", ns, "link", "set", "lo", "up")
            for machine in self.machines:
                self._wait_address(machine)
        except BaseException:
            self.down()
            raise
        return self

    def down(self) -> None:
        """Kill what still runs on the machines and delete them and the switch."""
        for ns in reversed(self._made):
            _kill_inside(ns)
            _ip("netns", "del", ns, check=False)
        self._made.clear()

    def __enter__(self) -> Self:
        return self.up()

    def __exit__(self, *exc: object) -> None:
        self.down()

    def _add(self, ns: str) -> None:
        _ip("netns", "add", ns)
        self._made.append(ns)

    def _wait_address(self, machine: str) -> None:
        """Until ``machine``'s address is usable (no longer tentative)."""
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            shown = _ip("-n", self.ns(machine), "-4", "addr", "show", "dev", "eth0").stdout
            if self.address(machine) in shown and "tentative" not in shown:
                return
            time.sleep(0.02)
        raise RuntimeError(f"{machine} never got its address {self.address(machine)}")
