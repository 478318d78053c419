"""``cinema-tui serve-web`` as a child process for the web tests, and what they look at:
the address it prints, its log, and the app processes it has started.

Every server listens on a free port of 127.0.0.1 (``--port 0``, read from what it
prints), with an environment without the developer's ``CINEMA_*`` variables, its own
TMPDIR, and no settings file. Servers are stopped (SIGTERM, then SIGKILL) when the test
ends, whatever happened.
"""

from __future__ import annotations

import os
import re
import select
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from tests.serve.conftest import clean_environment, cli, wait_until

OPEN = re.compile(r"^open: (http://127\.0\.0\.1:(\d+)/(?:\?token=(\S+))?)$")


def children_of(pid: int) -> list[int]:
    """Processes whose parent is ``pid``, from ``/proc/*/stat``."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:  # ended while we looked
            continue
        fields = text.rpartition(")")[2].split()
        if len(fields) > 1 and fields[1] == str(pid):
            found.append(int(stat.parent.name))
    return found


def descendants_of(pid: int) -> list[int]:
    found = []
    for child in children_of(pid):
        found += [child, *descendants_of(child)]
    return found


@dataclass
class WebServer:
    process: subprocess.Popen[str]
    port: int
    url: str  # what it printed to open, token included in clerk mode
    token: str | None
    banner: list[str]
    data_dir: Path
    tmp_dir: Path
    log_path: Path
    stdout_after_banner: str = ""  # read when it is stopped

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def origin(self) -> str:
        return self.base

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def apps(self) -> list[int]:
        """The app processes it runs now (with anything they started)."""
        return descendants_of(self.process.pid)

    def wait_for_apps(self, count: int, timeout: float = 30.0) -> list[int]:
        wait_until(lambda: len(self.apps()) == count or None, timeout,
                   what=f"{count} app process(es); running: {self.apps()}")
        return self.apps()

    def stop(self) -> int:
        """SIGTERM, then SIGKILL after 15 s; the exit status."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        if self.process.stdout and not self.process.stdout.closed:
            self.stdout_after_banner = self.process.stdout.read()
            self.process.stdout.close()
        return self.process.returncode


def read_banner(process: subprocess.Popen[str], log_path: Path, timeout: float = 60.0
                ) -> tuple[list[str], re.Match[str]]:
    """Lines printed until the one saying what to open."""
    assert process.stdout is not None
    deadline = time.monotonic() + timeout
    banner: list[str] = []
    fd = process.stdout.fileno()
    buffer = b""
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise AssertionError(f"no address printed in {timeout:.0f} s: {banner}")
        ready, _, _ = select.select([fd], [], [], left)
        if not ready:
            continue
        chunk = os.read(fd, 4096)
        if not chunk:
            raise AssertionError(f"server ended without an address (status "
                                 f"{process.wait(10)}): {banner}\n{log_path.read_text()}")
        buffer += chunk
        while b"\n" in buffer:
            line, buffer = buffer.split(b"\n", 1)
            banner.append(line.decode())
            match = OPEN.match(banner[-1])
            if match:
                return banner, match


class WebServers:
    """Starts servers for one test and stops every one of them afterwards."""

    def __init__(self, tmp_path: Path) -> None:
        self.tmp_path = tmp_path
        self.started: list[WebServer] = []

    def environment(self, tmp_dir: Path, **settings: object) -> dict[str, str]:
        env = clean_environment()
        env.update(TMPDIR=str(tmp_dir), CINEMA_LANGUAGE="en", PYTHONUNBUFFERED="1",
                   XDG_CONFIG_HOME=str(self.tmp_path / "no-config"))
        env.update({f"CINEMA_{key.upper()}": str(value) for key, value in settings.items()})
        return env

    def popen(self, *args: str, tmp_dir: Path, log_path: Path, **settings: object
              ) -> subprocess.Popen[str]:
        data_dir = self.tmp_path / "data"
        return subprocess.Popen(
            [*cli(), "serve-web", "--data-dir", str(data_dir), *args],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=log_path.open("w"),
            text=True, env=self.environment(tmp_dir, **settings),
        )

    def start(self, *args: str, demo: bool = False, **settings: object) -> WebServer:
        """``serve-web --port 0 [--demo] *args``; ``settings`` become CINEMA_* variables."""
        index = len(self.started)
        tmp_dir = self.tmp_path / f"tmp-{index}"
        tmp_dir.mkdir()
        log_path = self.tmp_path / f"web-{index}.log"
        process = self.popen("--port", "0", *(["--demo"] if demo else []), *args,
                             tmp_dir=tmp_dir, log_path=log_path, **settings)
        try:
            banner, match = read_banner(process, log_path)
        except BaseException:
            process.kill()
            process.wait(10)
            raise
        server = WebServer(process, int(match[2]), match[1], match[3], banner,
                           self.tmp_path / "data", tmp_dir, log_path)
        self.started.append(server)
        return server

    def stop_all(self) -> None:
        for server in self.started:
            server.stop()

