"""A box office process on one of the namespace machines, and what it prints.

The child (``tests/office_process.py``) prints one JSON object a line. Threads read its
stdout and stderr as they come (a child whose pipe fills up would stall, and a test must
never block forever on ``readline``), so a test waits for a line it expects with a
deadline and, when it does not come, fails with the child's own stderr in the message.
"""

from __future__ import annotations

import json
import queue
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

Record = dict[str, Any]
_EOF = object()


class Child:
    """One running child process; ``seen`` is every line it printed so far, parsed."""

    def __init__(self, command: Sequence[str], *, env: Mapping[str, str], cwd: str,
                 name: str) -> None:
        self.name = name
        self.process = subprocess.Popen(
            list(command), cwd=cwd, env=dict(env), text=True,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )
        self.seen: list[Record] = []
        self._lines: queue.Queue[object] = queue.Queue()
        self._stderr: list[str] = []
        threading.Thread(target=self._read_stdout, daemon=True).start()
        threading.Thread(target=self._read_stderr, daemon=True).start()

    def _read_stdout(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            if line.strip():
                self._lines.put(line)
        self._lines.put(_EOF)

    def _read_stderr(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self._stderr.append(line)

    @property
    def pid(self) -> int:
        return self.process.pid

    def stderr(self, last: int = 4000) -> str:
        """The end of what the child wrote on stderr (for a failure's message)."""
        return "".join(self._stderr)[-last:]

    def expect(self, wanted: Callable[[Record], bool], timeout: float = 60.0,
               what: str = "the line expected") -> Record:
        """The next printed line that ``wanted`` accepts (earlier ones go to ``seen``)."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            try:
                line = self._lines.get(timeout=max(0.0, left))
            except queue.Empty:
                raise AssertionError(
                    f"{self.name} printed no {what} in {timeout:.0f} s; its stderr:\n"
                    f"{self.stderr()}") from None
            if line is _EOF:
                self._lines.put(_EOF)
                self.process.wait(timeout=10)
                raise AssertionError(
                    f"{self.name} ended ({self.process.returncode}) before {what}; "
                    f"its stderr:\n{self.stderr()}")
            assert isinstance(line, str)
            try:
                record = json.loads(line)
            except ValueError:
                record = {"text": line.rstrip("\n")}
            if not isinstance(record, dict):
                record = {"text": line.rstrip("\n")}
            self.seen.append(record)
            if wanted(record):
                return record

    def count(self, key: str, since: int = 0) -> int:
        """How many lines with ``key`` it printed (from ``seen[since]`` on)."""
        return sum(1 for r in self.seen[since:] if key in r)

    def wait_count(self, key: str, count: int, since: int = 0, timeout: float = 60.0) -> None:
        """Read lines until ``count`` of them (from ``seen[since]`` on) have ``key``."""
        deadline = time.monotonic() + timeout
        while self.count(key, since) < count:
            self.expect(lambda _: True, max(0.0, deadline - time.monotonic()),
                        f"{count} lines with {key!r} (only {self.count(key, since)})")

    def send(self, line: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()

    def kill(self) -> None:
        """SIGKILL (as a crash or a pulled plug would), and reap it."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def finish(self, timeout: float = 90.0) -> int:
        """Wait for it to end by itself; its exit status."""
        return self.process.wait(timeout=timeout)
