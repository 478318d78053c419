"""``cinema-tui serve-ssh`` driven by OpenSSH's real ``ssh`` client inside tmux.

The server is a child process on a free local port; each session's app is a real
Textual app on a real pty; the clerk's keys go through a real terminal. Times are kept
generous (a slow machine starts an app in a second or two) and never asserted on.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import stat
import subprocess
import unicodedata
from pathlib import Path

import asyncssh
import pytest

from backend import BoxOffice, Settings
from tests.serve.conftest import (
    ClientKey,
    Terminal,
    authorize,
    clean_environment,
    cli,
    needs_ssh,
    ssh_command,
    wait_until,
)

pytestmark = [needs_ssh, pytest.mark.timeout(180)]

NOW_SHOWING = "Enter: choose seats"
FREE_COUNTS = re.compile(r"\d+%\s+(\d+|started|sold out)\s*$", re.MULTILINE)
CODE = re.compile(r"┃\s+((?:[A-Z2-9] ){5}[A-Z2-9])\s+┃")


def open_session(terminal: Terminal, port: int, key: ClientKey | None, tmp: Path,
                 columns: int = 80, rows: int = 24, user: str = "clerk") -> None:
    terminal.start(ssh_command(port, key, "-t", user=user), tmp / f"{terminal.name}.exit",
                   columns, rows)
    terminal.wait_for(NOW_SHOWING, timeout=60)
    terminal.wait_for(FREE_COUNTS, timeout=60)  # the services are up


def sell_two_seats_for_cash(terminal: Terminal) -> str:
    """Tomorrow's first show, the best two seats, exact cash: the booking code."""
    terminal.keys("]")
    terminal.until_still()  # tomorrow's programme is drawn
    terminal.keys("Enter")
    terminal.wait_for("Cursor")
    terminal.keys("2")
    terminal.wait_for("Held for")
    terminal.keys("Enter")
    terminal.wait_for("F6 cash")
    terminal.keys("F6", "F9", "C-s")
    screen = terminal.wait_for(CODE, timeout=60)
    return CODE.search(screen).group(1).replace(" ", "")  # type: ignore[union-attr]


def test_a_clerk_sells_a_ticket_over_ssh_and_quits(ssh_server, clerk_key, terminals,
                                                   tmp_path):
    data_dir = tmp_path / "cinema"
    authorize(data_dir, clerk_key)
    server = ssh_server("clerk", data_dir=data_dir)

    terminal = terminals()
    open_session(terminal, server.port, clerk_key, tmp_path)
    code = sell_two_seats_for_cash(terminal)
    terminal.keys("C-q")
    assert terminal.exit_status() == 0
    screen = terminal.screen()
    assert NOW_SHOWING not in screen and "Booking code" not in screen  # terminal restored

    log = wait_until(lambda: "session end" in server.log() and server.log(),
                     what="the session's last log line")
    assert re.search(rf"session start 127\.0\.0\.1:\d+ user=clerk key={re.escape(clerk_key.fingerprint)} mode=clerk", log)
    assert re.search(r"session end .* mode=clerk duration=[\d.]+s reason=quit status=0", log)

    async def sold() -> str:  # the clerks' shared data directory has the sale
        async with BoxOffice.open(Settings(data_dir=data_dir)) as office:
            booking = await office.wait_for_booking(code, ("COMPLETED",), timeout=30)
            return booking.status if booking else "missing"

    assert asyncio.run(sold()) == "COMPLETED"


def test_window_size_changes_reach_the_app(ssh_server, clerk_key, terminals, tmp_path):
    server = ssh_server("demo")
    terminal = terminals()
    open_session(terminal, server.port, clerk_key, tmp_path)

    def footer_end() -> int:  # the footer's palette key "^p" sits at the app's right edge
        line = next(line for line in terminal.screen().splitlines() if "^p" in line)
        return len(line.rstrip())

    assert footer_end() <= 80
    terminal.resize(120, 30)
    wait_until(lambda: footer_end() > 100, what="the app to lay out 120 columns")
    terminal.resize(70, 20)
    terminal.wait_for("too small (70×20)")
    terminal.resize(80, 24)
    terminal.wait_for(NOW_SHOWING)
    terminal.keys("C-q")
    assert terminal.exit_status() == 0


def test_colour_and_terminal_type_reach_the_app(ssh_server, clerk_key, tmp_path):
    """TERM comes from the client; COLORTERM (which SSH drops) is supplied."""
    server = ssh_server("demo")
    terminal = Terminal()
    try:
        terminal.start(ssh_command(server.port, clerk_key, "-t"), tmp_path / "exit")
        terminal.wait_for(NOW_SHOWING, timeout=60)
        pid = int(wait_until(lambda: re.search(r"session start .* pid=(\d+)", server.log()),
                             what="the session log line").group(1))  # type: ignore[union-attr]
        environ = dict(
            item.split("=", 1)
            for item in Path(f"/proc/{pid}/environ").read_text().split("\0") if "=" in item
        )
        assert environ["TERM"] == "tmux-256color" or environ["TERM"].startswith("screen")
        assert environ["COLORTERM"] == "truecolor"
        assert environ["LANG"].endswith("UTF-8")
        assert not any(name.startswith("SSH_") for name in environ)
        escapes = subprocess.run(
            ["tmux", "-L", terminal.socket, "capture-pane", "-e", "-p", "-t", terminal.name],
            capture_output=True, text=True, check=True,
        ).stdout
        assert re.search(r"\x1b\[[0-9;]*(38|48);(2|5);", escapes), "no colour on screen"
    finally:
        terminal.close()


def test_an_unknown_key_is_refused_in_clerk_mode(ssh_server, clerk_key, stranger_key,
                                                 tmp_path):
    data_dir = tmp_path / "cinema"
    authorize(data_dir, clerk_key)
    server = ssh_server("clerk", data_dir=data_dir)

    done = subprocess.run(ssh_command(server.port, stranger_key, "-T"), capture_output=True,
                          text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert done.returncode == 255
    assert "Permission denied" in done.stderr
    assert "key refused" in server.log() and stranger_key.fingerprint in server.log()
    assert "session start" not in server.log()
    # no password or keyboard-interactive way in either
    done = subprocess.run(ssh_command(server.port, None, "-T"), capture_output=True, text=True,
                          timeout=60, stdin=subprocess.DEVNULL)
    assert done.returncode == 255 and "Permission denied" in done.stderr


def test_a_session_without_a_terminal_is_told_how_to_connect(ssh_server, clerk_key,
                                                              tmp_path):
    server = ssh_server("demo")
    done = subprocess.run(ssh_command(server.port, clerk_key, "-T"), capture_output=True,
                          text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert done.returncode == 1
    assert done.stdout.strip() == (
        f"행복 Cinema box office needs a terminal. Connect with: ssh -t -p {server.port} "
        "127.0.0.1"
    )

    marker = tmp_path / "never-made"
    done = subprocess.run(ssh_command(server.port, clerk_key) + [f"touch {marker}"],
                          capture_output=True, text=True, timeout=60,
                          stdin=subprocess.DEVNULL)
    assert done.returncode == 1
    assert "runs no commands" in done.stdout
    assert not marker.exists()
    # a command with a terminal is not run either
    done = subprocess.run(ssh_command(server.port, clerk_key, "-tt") + [f"touch {marker}"],
                          capture_output=True, text=True, timeout=60,
                          stdin=subprocess.DEVNULL)
    assert done.returncode == 1 and not marker.exists()
    assert server.log().count("session refused") == 3


def test_sftp_and_forwarding_are_refused(ssh_server, clerk_key, tmp_path):
    server = ssh_server("demo")
    done = subprocess.run(ssh_command(server.port, clerk_key, "-s") + ["sftp"],
                          capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert done.returncode != 0

    async def try_everything() -> list[str]:
        refused = []
        async with asyncssh.connect(
            "127.0.0.1", server.port, username="demo", client_keys=[str(clerk_key.path)],
            known_hosts=None,
        ) as conn:
            try:
                await conn.open_connection("127.0.0.1", server.port)
            except asyncssh.ChannelOpenError:
                refused.append("direct-tcpip")
            try:
                await conn.forward_remote_port("127.0.0.1", 0, "127.0.0.1", 9)
            except asyncssh.ChannelListenError:
                refused.append("remote forward")
            try:
                await conn.start_sftp_client()
            except (asyncssh.SFTPError, asyncssh.ChannelOpenError, asyncssh.ProcessError,
                    asyncssh.ConnectionLost, OSError):
                refused.append("sftp")
        return refused

    assert asyncio.run(try_everything()) == ["direct-tcpip", "remote forward", "sftp"]


def test_the_connection_rate_limit_refuses_the_extra_connection(ssh_server, clerk_key):
    server = ssh_server("demo", ssh_connections_per_minute=3)
    results = [
        subprocess.run(ssh_command(server.port, clerk_key, "-T"), capture_output=True,
                       text=True, timeout=60, stdin=subprocess.DEVNULL)
        for _ in range(4)
    ]
    assert [r.returncode for r in results] == [1, 1, 1, 255]
    assert "Too many connections from 127.0.0.1: at most 3 a minute" in results[3].stderr
    assert "reason=rate-limit" in server.log()


def test_an_idle_session_is_warned_then_ended(ssh_server, clerk_key, terminals, tmp_path):
    server = ssh_server("demo", ssh_idle_timeout_s=8)
    terminal = terminals()
    open_session(terminal, server.port, clerk_key, tmp_path)
    terminal.wait_for("No key pressed for a while", timeout=20)
    terminal.wait_for("Disconnected: no key was pressed for 8 seconds.", timeout=30)
    assert terminal.exit_status() == 0
    wait_until(lambda: re.search(r"session end .* reason=idle", server.log()),
               what="the session's last log line")


def test_a_session_longer_than_the_limit_is_ended(ssh_server, clerk_key, terminals, tmp_path):
    server = ssh_server("demo", ssh_max_session_s=10)
    terminal = terminals()
    open_session(terminal, server.port, clerk_key, tmp_path)
    terminal.wait_for("reaches its time limit", timeout=20)
    terminal.keys("Down", "Up")  # pressing keys does not extend it
    terminal.wait_for("Disconnected: sessions last at most 10 seconds.", timeout=30)
    wait_until(lambda: re.search(r"session end .* reason=time-limit", server.log()),
               what="the session's last log line")


def test_demo_sessions_cannot_see_each_other(ssh_server, clerk_key, terminals, tmp_path):
    server = ssh_server("demo")
    first, second = terminals(), terminals()
    open_session(first, server.port, clerk_key, tmp_path, user="alice")
    code = sell_two_seats_for_cash(first)
    # the second visitor has no key at all: keyboard-interactive with no password
    open_session(second, server.port, None, tmp_path, user="bob")
    assert len(server.demo_dirs()) == 2  # a private cinema each

    second.keys("F3")
    second.type(code)
    second.keys("Enter")
    second.wait_for(f"No booking has the code {code}.")
    second.keys("F4")
    second.wait_for("No booking matches these filters.")

    first.keys("F3")
    first.type(code)
    first.keys("Enter")
    first.wait_for("Cash")  # found in its own cinema
    for terminal in (first, second):
        terminal.keys("C-q")
        assert terminal.exit_status() == 0
    wait_until(lambda: not server.demo_dirs(), what="the demo directories to be removed")


def test_a_crashed_app_ends_only_its_own_session(ssh_server, clerk_key, terminals, tmp_path):
    server = ssh_server("demo")
    doomed, survivor = terminals(), terminals()
    open_session(doomed, server.port, clerk_key, tmp_path)
    open_session(survivor, server.port, clerk_key, tmp_path)
    pids = [int(p) for p in re.findall(r"session start .* pid=(\d+)", server.log())]
    assert len(pids) == 2
    os.kill(pids[0], signal.SIGKILL)
    doomed.wait_for("The box office stopped unexpectedly")
    assert doomed.exit_status() != 0

    survivor.keys("F4")
    survivor.wait_for("No booking matches these filters.")
    late = terminals()  # and the server still takes new sessions
    open_session(late, server.port, clerk_key, tmp_path)
    for terminal in (survivor, late):
        terminal.keys("C-q")
        assert terminal.exit_status() == 0
    assert server.process.poll() is None


def test_the_host_key_is_kept_private_and_reused(ssh_server, tmp_path):
    data_dir = tmp_path / "cinema"
    first = ssh_server("demo", data_dir=data_dir)
    key_file = data_dir / "ssh" / "ssh_host_ed25519_key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    fingerprint = asyncssh.read_private_key(key_file).get_fingerprint()
    assert f"host key {fingerprint} (new," in first.banner[1]
    first.process.terminate()
    first.process.wait(10)
    second = ssh_server("demo", data_dir=data_dir)
    assert second.banner[1].startswith(f"host key {fingerprint} (")
    assert "new," not in second.banner[1]


def test_a_clerk_key_added_while_running_is_accepted(ssh_server, clerk_key, tmp_path):
    data_dir = tmp_path / "cinema"
    server = ssh_server("clerk", data_dir=data_dir)
    assert any("no clerk keys yet" in line for line in server.banner)
    refused = subprocess.run(ssh_command(server.port, clerk_key, "-T"), capture_output=True,
                             text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert refused.returncode == 255
    authorize(data_dir, clerk_key)
    admitted = subprocess.run(ssh_command(server.port, clerk_key, "-T"), capture_output=True,
                              text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert admitted.returncode == 1 and "needs a terminal" in admitted.stdout


@pytest.mark.parametrize(
    ("arguments", "environment", "message"),
    [
        (["--port", "70000"], {}, "ssh_port"),
        ([], {"CINEMA_SSH_MODE": "public"}, "must be clerk or demo"),
        ([], {"CINEMA_SSH_IDLE_TIMEOUT_S": "soon"}, "CINEMA_SSH_IDLE_TIMEOUT_S"),
    ],
)
def test_bad_server_settings_get_one_clear_line(tmp_path, arguments, environment, message):
    env = clean_environment()
    done = subprocess.run(
        [*cli(), "serve-ssh", "--data-dir", str(tmp_path), *arguments],
        capture_output=True, text=True, timeout=60, env={**env, **environment},
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 2
    assert message in done.stderr and "Traceback" not in done.stderr


def test_a_port_in_use_or_a_broken_key_file_is_explained(ssh_server, tmp_path):
    server = ssh_server("demo")
    env = clean_environment()
    busy = subprocess.run(
        [*cli(), "serve-ssh", "--data-dir", str(tmp_path / "other"),
         "--port", str(server.port)],
        capture_output=True, text=True, timeout=60, env=env, stdin=subprocess.DEVNULL,
    )
    assert busy.returncode == 2
    assert f"cannot listen on 127.0.0.1:{server.port}" in busy.stderr
    assert "Traceback" not in busy.stderr

    broken = tmp_path / "broken"
    (broken / "ssh").mkdir(parents=True)
    (broken / "ssh" / "authorized_keys").write_text("ssh-ed25519 not-a-key clerk\n")
    bad = subprocess.run(
        [*cli(), "serve-ssh", "--data-dir", str(broken), "--port", "0"],
        capture_output=True, text=True, timeout=60, env=env, stdin=subprocess.DEVNULL,
    )
    assert bad.returncode == 2
    assert "authorized_keys: not a valid authorized-keys file" in bad.stderr
    assert "Traceback" not in bad.stderr


def test_session_limits_are_counted_per_server(ssh_server, clerk_key, terminals, tmp_path):
    server = ssh_server("demo", ssh_max_sessions=1)
    terminal = terminals()
    open_session(terminal, server.port, clerk_key, tmp_path)
    done = subprocess.run(ssh_command(server.port, clerk_key, "-tt"), capture_output=True,
                          text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert done.returncode == 1
    assert "The box office is full: at most 1 session at once." in done.stdout
    terminal.keys("C-q")
    assert terminal.exit_status() == 0



def test_stopping_the_server_ends_sessions_cleanly(ssh_server, clerk_key, terminals, tmp_path):
    server = ssh_server("demo")
    terminal = terminals()
    open_session(terminal, server.port, clerk_key, tmp_path)
    assert len(server.demo_dirs()) == 1
    server.process.send_signal(signal.SIGTERM)
    terminal.wait_for("Disconnected: the box office server is stopping.")
    assert terminal.exit_status() == 0
    assert server.process.wait(20) == 0
    assert not server.demo_dirs()
    assert "reason=server-stop" in server.log() and "server stopped" in server.log()


def display_column(line: str, index: int) -> int:
    """Terminal columns taken by ``line[:index]`` (Hangul and other wide letters take 2)."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line[:index])


def test_hangul_is_aligned_over_ssh(ssh_server, clerk_key, terminals, tmp_path):
    server = ssh_server("demo", language="ko")
    terminal = terminals()
    terminal.start(ssh_command(server.port, clerk_key, "-t"), tmp_path / "exit")
    terminal.wait_for("상영 시간표", timeout=60)
    screen = terminal.until_still()
    columns = set()
    for line in screen.splitlines():
        found = re.search(r"\b\d\d:\d\d\b", line)
        if found and ("관" in line):
            columns.add(display_column(line, found.start()))
    # rows with a Korean film title and rows without one put the time in one column
    assert len(columns) == 1, screen
    assert any("관" in line and re.search(r"[가-힣]{2,}", line.split(":")[0])
               for line in screen.splitlines())
    terminal.keys("C-q")
    assert terminal.exit_status() == 0


def test_a_vanished_client_stops_its_app_and_cleans_up(ssh_server, clerk_key, terminals,
                                                       tmp_path):
    server = ssh_server("demo")
    terminal = terminals()
    open_session(terminal, server.port, clerk_key, tmp_path)
    pid = int(re.search(r"session start .* pid=(\d+)", server.log()).group(1))  # type: ignore[union-attr]
    assert len(server.demo_dirs()) == 1
    terminal.close()  # the clerk's terminal (and its ssh client) is gone, no goodbye
    wait_until(lambda: "reason=hangup" in server.log(), what="the session to end")
    def app_gone() -> bool:
        try:
            return "zombie" in Path(f"/proc/{pid}/status").read_text()
        except FileNotFoundError:
            return True

    wait_until(app_gone, what="the app to stop")
    assert not server.demo_dirs()
    assert server.process.poll() is None


def test_an_unusable_data_directory_is_explained(tmp_path):
    not_a_dir = tmp_path / "file"
    not_a_dir.write_text("this is a file, not a directory\n")
    env = clean_environment()
    done = subprocess.run(
        [*cli(), "serve-ssh", "--data-dir", str(not_a_dir / "data"), "--port", "0"],
        capture_output=True, text=True, timeout=60, env=env, stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 2
    assert "cannot keep the SSH host key there" in done.stderr
    assert "Traceback" not in done.stderr
