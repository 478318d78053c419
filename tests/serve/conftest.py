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
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import asyncssh
import pytest

# the real terminal and its waits are shared with the app's own tests (tests/terminal.py)
from tests.terminal import TMUX, Terminal, cli, wait_until  # noqa: F401 - re-exported

if TYPE_CHECKING:
    from tests.serve.web_server import WebServers

SSH = shutil.which("ssh")

needs_ssh = pytest.mark.skipif(
    (SSH is None or TMUX is None) and not os.environ.get("CI"),
    reason="needs the OpenSSH client and tmux (.ci/run installs both)",
)


def clean_environment() -> dict[str, str]:
    """This process's environment without any CINEMA_* setting of the developer's."""
    return {k: v for k, v in os.environ.items() if not k.startswith("CINEMA_")}


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


@pytest.fixture
def web_servers(tmp_path: Path) -> Iterator[WebServers]:
    """Start ``serve-web`` servers (tests/serve/web_server.py); all stopped at the end."""
    from tests.serve.web_server import WebServers  # it builds on this module

    servers = WebServers(tmp_path)
    try:
        yield servers
    finally:
        servers.stop_all()
