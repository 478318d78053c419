"""``cinema-tui serve-ssh`` against someone trying to misuse it (issue #9).

As in test_ssh_server.py: the server is a real child process, the client is OpenSSH's
``ssh`` (in tmux where a terminal is needed), and each demo session runs a real app. Where
OpenSSH will not send what an attacker could (a user name with a newline), asyncssh's
client sends it.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import asyncssh
import pytest

from backend import BoxOffice, Cash, Settings
from backend.messaging.messages import SERVICES
from cinema_tui.demo_dirs import MARKER
from tests.serve.conftest import (
    SSH,
    Terminal,
    authorize,
    clean_environment,
    cli,
    needs_ssh,
    ssh_command,
    wait_until,
)
from tests.serve.test_ssh_server import NOW_SHOWING, open_session

pytestmark = [needs_ssh, pytest.mark.timeout(180)]

LOG_LINE = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \S")
FORGED = "xterm\nsession start 6.6.6.6:1 user=root key=- mode=clerk FORGED\x1b[2J\x1b[31m"


def run(command: list[str], timeout: float = 30) -> subprocess.CompletedProcess[str]:
    """A client run to its end, as a person runs it (no terminal, nothing typed)."""
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout,
                          stdin=subprocess.DEVNULL, check=False)


def app_environment(pid: int) -> dict[str, str]:
    return dict(item.split("=", 1)
                for item in Path(f"/proc/{pid}/environ").read_text().split("\0") if "=" in item)


def app_pids(log: str) -> list[int]:
    return [int(pid) for pid in re.findall(r"session start .* pid=(\d+)", log)]


def process_gone(pid: int) -> bool:
    try:
        return "zombie" in Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return True


# -- 1. a demo visitor never reaches the real cinema -------------------------------------

async def sell_a_real_ticket(data_dir: Path) -> str:
    async with BoxOffice.open(Settings(data_dir=data_dir)) as office:
        show = (await office.showtimes(office.days()[1]))[0]
        seat = next(s.label for s in (await office.seat_map(show.id)).seats
                    if s.state == "free")
        hold = await office.hold(show.id, [seat])
        booking = await office.book(hold.id, tickets={"adult": 1}, payment=Cash(50_000),
                                    phone="010-2468-1357")
        done = await office.wait_for_booking(booking.code, ("COMPLETED",), timeout=30)
        assert done is not None
        await office.settle(10)
        return booking.code


async def real_bookings(data_dir: Path) -> list[tuple[str, str]]:
    async with BoxOffice.open(Settings(data_dir=data_dir)) as office:
        return [(b.code, b.status) for b in await office.history(phone="01024681357")]


def files_state(directory: Path) -> dict[str, tuple[int, int]]:
    return {str(p.relative_to(directory)): (p.stat().st_size, p.stat().st_mtime_ns)
            for p in sorted(directory.rglob("*")) if p.is_file()}


def test_a_demo_visitor_never_reaches_the_real_cinema(ssh_server, terminals, tmp_path):
    real = tmp_path / "real-cinema"
    code = asyncio.run(sell_a_real_ticket(real))
    urls = {service: f"sqlite:///{real / (service + '.db')}" for service in SERVICES}
    config_home = tmp_path / "operator-config"
    (config_home / "cinema-tui").mkdir(parents=True)
    (config_home / "cinema-tui" / "config.toml").write_text(
        f'data_dir = "{real}"\n'
        + "".join(f'{service}_db_url = "{url}"\n' for service, url in urls.items())
    )
    environment = {"XDG_CONFIG_HOME": str(config_home), "CINEMA_DATA_DIR": str(real),
                   **{f"CINEMA_{service.upper()}_DB_URL": url for service, url in urls.items()}}
    before = files_state(real)
    server = ssh_server("demo", environment=environment)

    visitor = terminals()
    open_session(visitor, server.port, None, tmp_path, user="visitor")
    visitor.keys("F3")
    visitor.type(code)
    visitor.keys("Enter")
    visitor.wait_for(f"No booking has the code {code}.")
    visitor.keys("F4")
    visitor.wait_for("No booking matches these filters.")

    (pid,) = app_pids(server.log())
    environ = app_environment(pid)
    assert not {name for name in environ if name.startswith("CINEMA_")} - {
        "CINEMA_SESSION_ENDS_AT", "CINEMA_SESSION_IDLE_TIMEOUT_S"}
    (demo_dir,) = server.demo_dirs()
    assert {f"{service}.db" for service in SERVICES} <= {p.name for p in demo_dir.iterdir()}
    cmdline = Path(f"/proc/{pid}/cmdline").read_text().split("\0")
    assert cmdline[cmdline.index("--data-dir") + 1] == str(demo_dir) and "--demo" in cmdline

    visitor.keys("C-q")
    assert visitor.exit_status() == 0
    wait_until(lambda: not server.demo_dirs(), what="the demo directory to be removed")
    assert files_state(real) == before  # not even opened
    assert asyncio.run(real_bookings(real)) == [(code, "COMPLETED")]


# -- 2. what a client sends cannot forge or colour a log line -----------------------------

def assert_log_is_clean(log: str, forged_term: bool = True) -> None:
    assert not re.search(r"[\x00-\x09\x0b-\x1f\x7f]", log), log
    for line in log.splitlines():
        assert LOG_LINE.match(line), f"not a log record of its own: {line!r}"
    assert "FORGED" in log or not forged_term  # it was logged, escaped
    assert not re.search(r"^\S+ \S+ session start 6\.6\.6\.6", log, re.MULTILINE)


def test_a_terminal_type_with_a_newline_and_escapes_forges_nothing(ssh_server, clerk_key,
                                                                   tmp_path):
    server = ssh_server("demo")
    terminal = Terminal()
    try:  # OpenSSH sends TERM as the client's environment has it, newline and all
        terminal.start(["env", f"TERM={FORGED}", *ssh_command(
            server.port, clerk_key, "-t", "-o",  # ssh takes the first SetEnv only
            "SetEnv=COLORTERM=24bit\x1b[2J NO_COLOR=\x1b]0;owned\x07")], tmp_path / "exit")
        terminal.wait_for(NOW_SHOWING, timeout=60)
        (pid,) = app_pids(server.log())
        environ = app_environment(pid)
        assert environ["TERM"] == "xterm-256color"
        assert environ["COLORTERM"] == "truecolor"  # the client's was not one plain word
        assert environ["NO_COLOR"] == "1"
        terminal.keys("C-q")
        assert terminal.exit_status() == 0
        log = wait_until(lambda: "connection end" in server.log() and server.log(),
                         what="the connection's last log line")
    finally:
        terminal.close()
    assert_log_is_clean(log)  # type: ignore[arg-type]
    assert r"client_term=xterm\x0asession\x20start\x206.6.6.6:1" in log  # type: ignore[operator]


def test_a_user_name_with_spaces_forges_no_field(ssh_server, clerk_key, stranger_key,
                                                 tmp_path):
    """A user name may hold spaces (no control characters: asyncssh refuses those, as
    SASLprep says); it must not pose as more fields. OpenSSH's client will not send such
    a name, so asyncssh's client does, with a terminal type OpenSSH would send."""
    data_dir = tmp_path / "cinema"
    authorize(data_dir, clerk_key)
    clerk = ssh_server("clerk", data_dir=data_dir)
    demo = ssh_server("demo")
    user = "visitor status=0 user=root key=SHA256:forged"

    async def visit(port: int, key: Path) -> None:
        try:
            async with asyncssh.connect(
                "127.0.0.1", port, username=user, known_hosts=None, client_keys=[str(key)],
            ) as conn, conn.create_process(term_type=FORGED, term_size=(80, 24)) as proc:
                await proc.stdout.read(1)  # the app has started drawing
        except asyncssh.PermissionDenied:
            pass

    asyncio.run(visit(clerk.port, stranger_key.path))  # refused: not a clerk's key
    asyncio.run(visit(demo.port, clerk_key.path))
    for server in (clerk, demo):
        log = wait_until(lambda server=server: "connection end" in server.log()
                         and server.log(), what="the connection's last log line")
        assert_log_is_clean(log, forged_term=server is demo)  # type: ignore[arg-type]
        assert " user=root" not in log and " key=SHA256:forged" not in log  # type: ignore[operator]
        assert r"user=visitor\x20status=0\x20user=root" in log  # type: ignore[operator]
    assert "key refused" in clerk.log()
    assert "session start" in demo.log()


# -- 3. one connection cannot take every session ------------------------------------------

@pytest.fixture
def control_dir() -> Iterator[Path]:
    """A short folder for OpenSSH's control socket (socket paths are short)."""
    path = Path(tempfile.mkdtemp(prefix="cm-", dir="/tmp"))
    yield path
    if (path / "cm").exists():
        run([SSH, "-o", f"ControlPath={path / 'cm'}", "-O", "exit", "x"])
    shutil.rmtree(path, ignore_errors=True)


def test_a_multiplexed_connection_gets_one_session(ssh_server, clerk_key, terminals,
                                                   tmp_path, control_dir):
    server = ssh_server("demo")
    socket = control_dir / "cm"
    master = terminals()
    master.start(ssh_command(server.port, clerk_key, "-t", "-o", "ControlMaster=yes",
                             "-o", f"ControlPath={socket}", "-o", "ControlPersist=no"),
                 tmp_path / "master.exit")
    master.wait_for(NOW_SHOWING, timeout=60)
    assert socket.exists()

    second = run(ssh_command(server.port, clerk_key, "-tt", "-o", "ControlMaster=no",
                             "-o", f"ControlPath={socket}"))
    assert second.returncode == 1
    assert "This connection already has 1 box office session: at most 1 per connection." \
        in second.stdout
    log = server.log()
    assert re.search(r"session refused 127\.0\.0\.1:\d+ .* reason=per-connection", log)
    assert len(app_pids(log)) == 1  # no second app was started
    assert log.count("connection end") == 0  # it came over the first connection

    master.keys("C-q")
    assert master.exit_status() == 0
    wait_until(lambda: re.search(r"connection end .* sessions=2 reason=closed", server.log()),
               what="the connection's last log line")


# -- 4. a connection that opens no session is closed ---------------------------------------

def test_a_connection_without_a_session_is_closed_and_logged(ssh_server, clerk_key):
    server = ssh_server("demo", ssh_no_session_timeout_s=2)
    done = run(ssh_command(server.port, clerk_key, "-N"))
    assert done.returncode == 255
    assert "No box office session was opened for 2 seconds. Connect with: ssh -t -p" \
        in done.stderr
    log = wait_until(lambda: "connection end" in server.log() and server.log(),
                     what="the connection's last log line")
    assert re.search(r"connection closed 127\.0\.0\.1:\d+ user=clerk reason=no-session", log)
    assert re.search(r"connection end 127\.0\.0\.1:\d+ user=clerk duration=[\d.]+s "
                     r"sessions=0 reason=no-session", log)


def test_a_shared_connection_left_open_is_closed_too(ssh_server, clerk_key, control_dir):
    """``ControlPersist`` keeps a connection after its sessions end: it is closed too."""
    server = ssh_server("demo", ssh_no_session_timeout_s=2)
    socket = control_dir / "cm"
    done = run(ssh_command(server.port, clerk_key, "-T", "-o", "ControlMaster=yes",
                           "-o", f"ControlPath={socket}", "-o", "ControlPersist=yes"))
    assert done.returncode == 1 and "needs a terminal" in done.stdout
    wait_until(lambda: re.search(r"connection end .* sessions=1 reason=no-session",
                                 server.log()), timeout=20, what="the connection to be closed")
    wait_until(lambda: not socket.exists(), what="the client's master to go")


# -- 5. an authorized-keys file others may write is not trusted ---------------------------

@pytest.mark.parametrize("loose", ["file-666", "dir-775"])
def test_a_writable_key_file_stops_the_server_at_start(tmp_path, clerk_key, loose):
    data_dir = tmp_path / "cinema"
    authorize(data_dir, clerk_key)
    keys = data_dir / "ssh" / "authorized_keys"
    target, mode = (keys, 0o666) if loose == "file-666" else (keys.parent, 0o775)
    target.chmod(mode)
    done = subprocess.run(
        [*cli(), "serve-ssh", "--data-dir", str(data_dir), "--port", "0"],
        capture_output=True, text=True, timeout=60, env=clean_environment(),
        stdin=subprocess.DEVNULL, check=False,
    )
    assert done.returncode == 2
    what = "world-writable (mode 666)" if loose == "file-666" else \
        f"its directory {keys.parent} is group-writable (mode 775)"
    assert what in done.stderr
    assert f"Fix it with: chmod go-w {target}" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr


def test_a_key_file_made_writable_refuses_logins_until_fixed(ssh_server, clerk_key,
                                                             tmp_path):
    data_dir = tmp_path / "cinema"
    authorize(data_dir, clerk_key)
    keys = data_dir / "ssh" / "authorized_keys"
    server = ssh_server("clerk", data_dir=data_dir)

    def login() -> subprocess.CompletedProcess[str]:
        return run(ssh_command(server.port, clerk_key, "-T"))

    assert login().returncode == 1  # admitted (and told it needs a terminal)
    keys.chmod(0o620)
    refused = login()
    assert refused.returncode == 255 and "Permission denied" in refused.stderr
    assert ("key refused 127.0.0.1" in server.log() and f"reason={keys}: refused: it is "
            f"group-writable (mode 620), so others could add a key of their own. Fix it "
            f"with: chmod go-w {keys}" in server.log())
    keys.chmod(0o600)
    keys.parent.chmod(0o777)
    assert login().returncode == 255
    assert (f"its directory {keys.parent} is group- and world-writable (mode 777)"
            in server.log())
    keys.parent.chmod(0o700)
    assert login().returncode == 1
    assert "session start" not in server.log()


# -- 6. a killed server's demo cinemas are removed at the next start ----------------------

def test_demo_dirs_of_a_killed_server_are_removed_at_the_next_start(ssh_server, clerk_key,
                                                                    terminals, tmp_path):
    shared_tmp = tmp_path / "tmp"
    shared_tmp.mkdir()
    stranger = shared_tmp / "cinema-demo-x"  # someone else's folder, not marked
    stranger.mkdir()
    alive = shared_tmp / "cinema-demo-alive"  # a running demo's (this process is its owner)
    alive.mkdir()
    (alive / MARKER).write_text(json.dumps({"pid": os.getpid(), "uid": os.getuid()}))

    first = ssh_server("demo", tmp_dir=shared_tmp)
    terminal = terminals()
    open_session(terminal, first.port, clerk_key, tmp_path)
    (pid,) = app_pids(first.log())
    (left,) = set(first.demo_dirs()) - {stranger, alive}
    first.process.send_signal(signal.SIGKILL)
    first.process.wait(10)
    try:
        wait_until(lambda: process_gone(pid), what="the orphaned app to end")
    finally:
        if not process_gone(pid):
            os.kill(pid, signal.SIGKILL)
    assert left.exists()  # nobody was left to remove it

    second = ssh_server("demo", tmp_dir=shared_tmp)
    assert not left.exists()
    assert stranger.exists() and alive.exists()
    assert "abandoned demo directories removed: 1" in second.log()
