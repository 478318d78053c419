"""Real parts for the serving tests: our server as a child process, OpenSSH's ``ssh``
client, and tmux as the clerk's terminal.

Every server listens on a free port of 127.0.0.1 (``--port 0``; the port is read from
what it prints), in a temporary data directory, with its own TMPDIR so demo sessions'
private directories can be counted. Every tmux runs on its own socket, so tests never
touch a developer's tmux.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import asyncssh
import pytest

if TYPE_CHECKING:
    from tests.serve.web_server import WebServers

SSH = shutil.which("ssh")
TMUX = shutil.which("tmux")

needs_ssh = pytest.mark.skipif(
    (SSH is None or TMUX is None) and not os.environ.get("CI"),
    reason="needs the OpenSSH client and tmux (.ci/run installs both)",
)


def wait_until(predicate: Callable[[], object], timeout: float = 20.0,
               what: str = "condition") -> object:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.1)


def clean_environment() -> dict[str, str]:
    """This process's environment without any CINEMA_* setting of the developer's."""
    return {k: v for k, v in os.environ.items() if not k.startswith("CINEMA_")}


def cli() -> list[str]:
    """``cinema-tui`` as the servers run it: this interpreter, ``-m cinema_tui``."""
    return [sys.executable, "-m", "cinema_tui"]


@dataclass
class RunningServer:
    process: subprocess.Popen[str]
    port: int
    data_dir: Path
    tmp_dir: Path
    banner: list[str]
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def demo_dirs(self) -> list[Path]:
        return sorted(self.tmp_dir.glob("cinema-demo-*"))


@pytest.fixture
def ssh_server(tmp_path: Path) -> Iterator[Callable[..., RunningServer]]:
    """Start ``cinema-tui serve-ssh`` with settings given as keyword arguments.

    ``environment`` adds variables to the server's environment (after the settings);
    ``tmp_dir`` reuses a temporary folder (default: a fresh one per server).
    """
    started: list[RunningServer] = []

    def start(mode: str = "clerk", data_dir: Path | None = None, *,
              environment: dict[str, str] | None = None, tmp_dir: Path | None = None,
              **settings: object) -> RunningServer:
        data_dir = data_dir or tmp_path / f"data-{len(started)}"
        if tmp_dir is None:
            tmp_dir = tmp_path / f"tmp-{len(started)}"
            tmp_dir.mkdir()
        env = clean_environment()
        # no settings file of the developer's either (a test may give one)
        env.update(TMPDIR=str(tmp_dir), CINEMA_LANGUAGE="en", PYTHONUNBUFFERED="1",
                   XDG_CONFIG_HOME=str(tmp_path / "no-config"))
        for key, value in settings.items():
            env[f"CINEMA_{key.upper()}"] = str(value)
        env.update(environment or {})
        log_path = tmp_path / f"server-{len(started)}.log"
        process = subprocess.Popen(
            [sys.executable, "-m", "cinema_tui", "serve-ssh", "--data-dir", str(data_dir),
             "--port", "0", "--mode", mode],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=log_path.open("w"),
            text=True, env=env,
        )
        banner: list[str] = []
        while True:
            line = process.stdout.readline() if process.stdout else ""
            if not line:
                raise AssertionError(f"server did not start: {log_path.read_text()}")
            banner.append(line.rstrip("\n"))
            if line.startswith("connect with:"):
                break
        port = int(re.search(r"127\.0\.0\.1:(\d+)", banner[0]).group(1))  # type: ignore[union-attr]
        server = RunningServer(process, port, data_dir, tmp_dir, banner, log_path)
        started.append(server)
        return server

    yield start
    for server in started:
        server.process.terminate()
        try:
            server.process.wait(10)
        except subprocess.TimeoutExpired:
            server.process.kill()


@dataclass
class ClientKey:
    path: Path
    public_line: str
    fingerprint: str


def make_client_key(directory: Path, name: str) -> ClientKey:
    key = asyncssh.generate_private_key("ssh-ed25519", comment=name)
    path = directory / name
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(key.export_private_key())
    public = key.export_public_key().decode().strip()
    return ClientKey(path, public, key.get_fingerprint())


@pytest.fixture
def clerk_key(tmp_path: Path) -> ClientKey:
    return make_client_key(tmp_path, "clerk_ed25519")


@pytest.fixture
def stranger_key(tmp_path: Path) -> ClientKey:
    return make_client_key(tmp_path, "stranger_ed25519")


def authorize(server_data_dir: Path, key: ClientKey) -> None:
    """What the README tells an operator to do to let a clerk in."""
    keys = server_data_dir / "ssh" / "authorized_keys"
    keys.parent.mkdir(parents=True, exist_ok=True)
    with keys.open("a") as fh:
        fh.write(key.public_line + "\n")


def ssh_command(port: int, key: ClientKey | None, *extra: str, user: str = "clerk") -> list[str]:
    """OpenSSH's client, told to trust this test server and to use only ``key``."""
    assert SSH is not None
    command = [
        SSH, "-F", "/dev/null", "-p", str(port),
        "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
        "-o", "LogLevel=ERROR", "-o", "ConnectTimeout=20",
    ]
    if key is None:
        command += ["-o", "PubkeyAuthentication=no", "-o", "PasswordAuthentication=no"]
    else:
        command += ["-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes", "-i", str(key.path)]
    return [*command, *extra, f"{user}@127.0.0.1"]


@dataclass
class Terminal:
    """A tmux window: the clerk's terminal, read and typed into as a person would."""

    name: str = field(default_factory=lambda: f"t{uuid.uuid4().hex[:8]}")
    socket: str = field(default_factory=lambda: f"cinema-test-{uuid.uuid4().hex[:8]}")
    exit_file: Path | None = None

    def _tmux(self, *args: str, check: bool = True) -> str:
        assert TMUX is not None
        done = subprocess.run([TMUX, "-L", self.socket, "-f", "/dev/null", *args],
                              capture_output=True, text=True, check=check, timeout=20)
        return done.stdout

    def start(self, command: list[str], exit_file: Path, columns: int = 80,
              rows: int = 24) -> None:
        """Run ``command``; its exit status lands in ``exit_file`` when it ends."""
        self.exit_file = exit_file
        shell = f"{shlex.join(command)}; echo $? > {shlex.quote(str(exit_file))}; sleep 600"
        self._tmux("new-session", "-d", "-s", self.name, "-x", str(columns), "-y", str(rows),
                   shell)
        self._tmux("set-option", "-t", self.name, "window-size", "manual")

    def screen(self) -> str:
        return self._tmux("capture-pane", "-p", "-t", self.name, check=False)

    def wait_for(self, text: str | re.Pattern[str], timeout: float = 30.0) -> str:
        def seen() -> str | None:
            screen = self.screen()
            found = (text.search(screen) if isinstance(text, re.Pattern) else text in screen)
            return screen if found else None

        try:
            return wait_until(seen, timeout, what=repr(text))  # type: ignore[return-value]
        except AssertionError as exc:
            raise AssertionError(f"{exc}; the screen shows:\n{self.screen()}") from None

    def until_still(self, quiet_s: float = 0.6, timeout: float = 30.0) -> str:
        """Wait until the screen stops changing (the app has finished a redraw)."""
        last = [self.screen(), time.monotonic()]

        def quiet() -> str | None:
            screen = self.screen()
            if screen != last[0]:
                last[:] = [screen, time.monotonic()]
                return None
            return screen if time.monotonic() - last[1] >= quiet_s else None

        return wait_until(quiet, timeout, what="the screen to keep still")  # type: ignore[return-value]

    def keys(self, *keys: str, pause: float = 0.3) -> None:
        for key in keys:
            self._tmux("send-keys", "-t", self.name, key)
            time.sleep(pause)

    def type(self, text: str) -> None:
        self._tmux("send-keys", "-t", self.name, "-l", text)

    def resize(self, columns: int, rows: int) -> None:
        self._tmux("resize-window", "-t", self.name, "-x", str(columns), "-y", str(rows))

    def exit_status(self, timeout: float = 30.0) -> int:
        assert self.exit_file is not None
        exit_file = self.exit_file
        wait_until(lambda: exit_file.exists() and exit_file.read_text().strip(), timeout,
                   what="the ssh client to exit")
        return int(exit_file.read_text())

    def close(self) -> None:
        self._tmux("kill-server", check=False)


@pytest.fixture
def terminals() -> Iterator[Callable[[], Terminal]]:
    opened: list[Terminal] = []

    def open_terminal() -> Terminal:
        terminal = Terminal()
        opened.append(terminal)
        return terminal

    yield open_terminal
    for terminal in opened:
        terminal.close()


@pytest.fixture
def web_servers(tmp_path: Path) -> Iterator[WebServers]:
    """Start ``serve-web`` servers (tests/serve/web_server.py); all stopped at the end."""
    from tests.serve.web_server import WebServers  # it builds on this module

    servers = WebServers(tmp_path)
    try:
        yield servers
    finally:
        servers.stop_all()
