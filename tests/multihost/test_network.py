"""The namespace machines themselves: they reach each other and nothing else, and no
namespace or process outlives the test that made it (or a run that was killed)."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from tests.multihost import network
from tests.multihost.network import Network

pytestmark = pytest.mark.multihost

#: Listens on every address of its machine, says when it does, answers one connection.
SERVER = """
import socket, sys
with socket.create_server(("0.0.0.0", 7777)) as s:
    print("listening", flush=True)
    conn, _ = s.accept()
    conn.sendall(b"hello from db")
"""
#: Connects to each address given; prints what it got, or the error.
CLIENT = """
import socket, sys
for address in sys.argv[1:]:
    try:
        with socket.create_connection((address, 7777), timeout=3) as c:
            print(address, c.recv(100).decode())
    except OSError as exc:
        print(address, type(exc).__name__)
"""


@pytest.fixture(autouse=True)
def namespaces_available() -> None:
    reason = network.unavailable()
    if reason is not None:
        pytest.skip(reason)


def test_machines_reach_each_other_only_over_their_network():
    with Network(("db", "a")) as net:
        server = subprocess.Popen([*net.inside("db"), sys.executable, "-c", SERVER],
                                  stdout=subprocess.PIPE, text=True)
        try:
            assert server.stdout is not None
            assert server.stdout.readline().strip() == "listening"
            # From a: its own loopback has nothing on the port (db's is another
            # machine's), and db answers at its address.
            done = subprocess.run(
                [*net.inside("a"), sys.executable, "-c", CLIENT, "127.0.0.1",
                 net.address("db")],
                capture_output=True, text=True, timeout=30, check=True)
            assert done.stdout.splitlines() == [
                "127.0.0.1 ConnectionRefusedError", f"{net.address('db')} hello from db"]
        finally:
            server.kill()
            server.wait()


def test_nothing_is_left_behind():
    net = Network(("a",)).up()
    names = [net.ns("a"), net.switch]
    assert set(names) <= set(network.namespaces())
    stray = subprocess.Popen([*net.inside("a"), "sleep", "600"])  # forgotten by a test
    deadline = time.monotonic() + 10
    while str(stray.pid) not in network.pids(net.ns("a")):  # until it runs in there
        assert time.monotonic() < deadline, "the stray process never entered the machine"
        time.sleep(0.01)
    net.down()
    assert stray.wait(timeout=10) == -9
    assert not set(names) & set(network.namespaces())


def test_the_namespaces_of_a_killed_run_are_removed_by_the_next():
    gone = subprocess.Popen(["true"])
    gone.wait()  # a test process that no longer runs
    stale = f"{network.PREFIX}-{gone.pid}-1-a"
    subprocess.run(["ip", "netns", "add", stale], check=True)
    try:
        assert stale in network.remove_stale()
        assert stale not in network.namespaces()
    finally:
        subprocess.run(["ip", "netns", "del", stale], capture_output=True, check=False)
