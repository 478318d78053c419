"""``cinema-tui --demo``: a throw-away cinema that leaves nothing behind, however the app
ends (Ctrl+Q, SIGTERM, or its terminal going away)."""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

import pytest

from tests.serve.conftest import Terminal, cli, needs_ssh, wait_until

pytestmark = [needs_ssh, pytest.mark.timeout(120)]


def start_demo(tmp_path: Path) -> Terminal:
    terminal = Terminal()
    # a demo reads no CINEMA_* variable (not even the language): --lang is the way
    command = ["env", f"TMPDIR={tmp_path}", *cli(), "--demo", "--lang", "en"]
    terminal.start(command, tmp_path / "exit")
    try:
        terminal.wait_for("Enter: choose seats", timeout=60)
        assert len(list(tmp_path.glob("cinema-demo-*"))) == 1
    except BaseException:  # leave no app running behind a failed test
        terminal.close()
        raise
    return terminal


def app_pid(tmp_path: Path) -> int:
    found = subprocess.run(["pgrep", "-f", "cinema_tui --demo"], capture_output=True,
                           text=True).stdout.split()
    for pid in found:
        try:
            if f"TMPDIR={tmp_path}" in Path(f"/proc/{pid}/environ").read_text():
                return int(pid)
        except OSError:
            continue
    raise AssertionError("the demo app's process was not found")


def process_gone(pid: int) -> bool:
    try:  # a zombie has ended too; its reaping is its parent's business
        return "zombie" in Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return True


@pytest.mark.parametrize("ending", ["ctrl+q", "sigterm", "terminal-gone"])
def test_the_demo_cinema_is_removed_however_the_app_ends(tmp_path, ending):
    terminal = start_demo(tmp_path)
    try:
        if ending == "ctrl+q":
            terminal.keys("C-q")
            assert terminal.exit_status() == 0
        elif ending == "sigterm":
            os.kill(app_pid(tmp_path), signal.SIGTERM)
            assert terminal.exit_status() == 0  # it quit as if asked
            assert "Enter: choose seats" not in terminal.screen()  # screen restored
        else:
            pid = app_pid(tmp_path)
            terminal.close()
            wait_until(lambda: process_gone(pid), what="the app to end")
        wait_until(lambda: not list(tmp_path.glob("cinema-demo-*")),
                   what="the demo directory to be removed")
    finally:
        terminal.close()
