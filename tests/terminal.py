"""The clerk's terminal, for real: tmux running the app (or an ssh client) in a pty.

Tests that must see what a person sees (keys that arrive together, what is left on the
shell after the app quits, an exit status) drive a ``Terminal``. Every tmux runs on its
own socket, so tests never touch a developer's tmux. ``terminals`` (tests/conftest.py)
opens them and closes them after the test.
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

TMUX = shutil.which("tmux")


def cli() -> list[str]:
    """``cinema-tui`` as the servers run it: this interpreter, ``-m cinema_tui``."""
    return [sys.executable, "-m", "cinema_tui"]


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
                   what="the program to exit")
        return int(exit_file.read_text())

    def close(self) -> None:
        self._tmux("kill-server", check=False)
