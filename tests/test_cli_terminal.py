"""``cinema-tui`` and its terminal: no full screen without one, and an unusable data
directory ends with a failure status and its sentence on stderr.

Real processes, as a script, a service manager or a clerk start them: without a terminal
(pipes), and in one (tmux, a real pty), where the full-screen message is shown first.
"""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
from pathlib import Path

import pytest

from backend import BoxOffice, Settings
from tests.terminal import TMUX, cli

NEEDS_TERMINAL = ("cinema-tui: the box office needs a terminal; use `cinema-tui check` to "
                  "test a data directory.\n")
#: Any escape sequence a full-screen UI would write (CSI, OSC, or a bare ESC).
ESCAPE = re.compile("\x1b")

needs_tmux = pytest.mark.skipif(
    TMUX is None and not os.environ.get("CI"), reason="needs tmux (.ci/run installs it)"
)


def run(*args: str, stdin: object = subprocess.DEVNULL) -> subprocess.CompletedProcess[str]:
    """``cinema-tui ARGS`` with pipes for stdout and stderr (no terminal there)."""
    env = {k: v for k, v in os.environ.items() if k != "TEXTUAL_DRIVER"}
    return subprocess.run([*cli(), *args], stdin=stdin, capture_output=True, text=True,
                          env=env, timeout=60, check=False)


def no_escapes(done: subprocess.CompletedProcess[str]) -> None:
    assert not ESCAPE.search(done.stdout), repr(done.stdout)
    assert not ESCAPE.search(done.stderr), repr(done.stderr)
    assert "Traceback" not in done.stderr


def damaged(directory: Path) -> Path:
    directory.mkdir()
    (directory / "reservation.db").write_bytes(b"not a database " * 500)
    return directory


def a_file(tmp_path: Path) -> Path:
    path = tmp_path / "not-a-directory"
    path.write_text("notes\n")
    return path


# --- without a terminal -----------------------------------------------------------------


def test_without_a_terminal_the_box_office_says_so_and_exits_2(tmp_path):
    data = tmp_path / "data"
    done = run("--lang", "en", "--data-dir", str(data))
    assert done.returncode == 2
    assert done.stderr == NEEDS_TERMINAL and done.stdout == ""
    no_escapes(done)
    assert not data.exists()  # checked, not made: the app makes it when it starts


def test_a_terminal_on_stdin_alone_is_not_enough(tmp_path):
    """stdin a terminal, stdout and stderr piped (``cinema-tui | tee log``): still no UI."""
    leader, follower = os.openpty()
    try:
        done = run("--lang", "en", "--data-dir", str(tmp_path / "data"), stdin=follower)
    finally:
        os.close(follower)
        os.close(leader)
    assert done.returncode == 2 and done.stderr == NEEDS_TERMINAL
    no_escapes(done)


def test_the_sentence_is_in_the_clerks_language_and_demo_is_no_exception(tmp_path):
    done = run("--demo")  # Korean by default; a demo without a terminal does not draw either
    assert done.returncode == 2
    assert done.stderr.startswith("cinema-tui: 매표소 화면은 터미널에서만 열 수 있습니다.")
    no_escapes(done)


async def test_a_usable_data_directory_with_databases_is_checked_and_said_usable(
    tmp_path, clock
):
    data = tmp_path / "data"
    async with BoxOffice.open(Settings(data_dir=data), clock=clock):
        pass  # a real box office's databases, closed again
    done = await asyncio.to_thread(run, "--lang", "en", "--data-dir", str(data))
    assert done.returncode == 2 and done.stderr == NEEDS_TERMINAL


@pytest.mark.parametrize("make, said", [
    (a_file, ("The data directory {data} cannot be used: it is not a directory. Choose a "
              "writable directory with --data-dir or CINEMA_DATA_DIR.")),
    (lambda tmp: a_file(tmp) / "cinema",
     ("The data directory {data} cannot be used: {data.parent} is not a directory. Choose "
      "a writable directory with --data-dir or CINEMA_DATA_DIR.")),
    (lambda tmp: damaged(tmp / "data"),
     ("The reservation database file {data}/reservation.db is damaged. Move it aside to "
      "start that service afresh, or restore it from a backup.")),
], ids=["a file", "under a file", "a damaged database"])
def test_an_unusable_data_directory_without_a_terminal_is_said_on_stderr(
    tmp_path, make, said
):
    data = make(tmp_path)
    done = run("--lang", "en", "--data-dir", str(data))
    assert done.returncode == 1
    assert done.stderr == f"cinema-tui: {said.format(data=data)}\n"
    no_escapes(done)


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write anywhere")
def test_an_unwritable_data_directory_without_a_terminal_is_said_on_stderr(tmp_path):
    data = tmp_path / "locked"
    data.mkdir(mode=0o500)
    done = run("--lang", "en", "--data-dir", str(data))
    assert done.returncode == 1
    assert done.stderr == (f"cinema-tui: The data directory {data} cannot be used: it cannot "
                           "be written to. Choose a writable directory with --data-dir or "
                           "CINEMA_DATA_DIR.\n")


# --- in a real terminal -----------------------------------------------------------------


def squeezed(text: str) -> str:
    """``text`` without any whitespace: a sentence wrapped at any width still matches."""
    return "".join(text.split())


@needs_tmux
def test_in_a_terminal_an_unusable_data_directory_is_shown_then_left_on_the_shell(
    terminals, tmp_path
):
    data = a_file(tmp_path)
    sentence = (f"The data directory {data} cannot be used: File exists. Choose a writable "
                "directory with --data-dir or CINEMA_DATA_DIR.")
    terminal = terminals()
    exit_file = tmp_path / "exit-status"
    terminal.start([*cli(), "--lang", "en", "--data-dir", str(data)], exit_file)
    shown = terminal.wait_for("Ctrl+Q: quit")
    assert "The box office could not open" in shown
    assert squeezed(sentence) in squeezed(shown)
    assert not exit_file.exists()  # it waits for the clerk to read it
    terminal.keys("q")
    assert terminal.exit_status() != 0
    left = terminal.screen()
    assert squeezed(f"cinema-tui: {sentence}") in squeezed(left), left
    assert "Traceback" not in left


@needs_tmux
def test_in_a_terminal_demo_opens_the_box_office_marked_demo(terminals, tmp_path):
    terminal = terminals()
    exit_file = tmp_path / "exit-status"
    terminal.start([*cli(), "--demo", "--lang", "en"], exit_file)
    shown = terminal.wait_for("Now showing")
    assert "DEMO" in shown
    terminal.wait_for("● Information")  # the backend is up
    terminal.keys("C-q")  # nothing held: quits without asking
    assert terminal.exit_status() == 0
