"""How the app feels: start-up time, key-press-to-repaint on the largest hall, memory.

    uv run python bench/tui_latency.py [--runs 5] [--keys 60]

* start-up: the real ``cinema-tui`` is started in a pseudo-terminal (80×24, like a
  clerk's); the time is from the process's start until the now-showing screen's heading
  has been written to the terminal. Median of ``--runs`` starts, each on a fresh data
  directory.
* key to repaint: in that same real terminal, the seat map of the largest hall (hall-1,
  334 seats) is opened and arrow keys are sent one at a time; the time is from writing
  the key until the app's repaint has arrived on the terminal (output then quiet for
  3 ms). Median and p95 over ``--keys`` presses.
* memory: peak resident set (VmHWM) of the app's process after all that.

Targets: start-up median < 1.0 s, key-to-repaint median < 30 ms, peak memory < 150 MB.
"""

from __future__ import annotations

import argparse
import fcntl
import os
import pty
import select
import shutil
import signal
import statistics
import struct
import sys
import tempfile
import termios
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / ".venv" / "bin" / "cinema-tui"


class Terminal:
    """The app running in a pseudo-terminal, as a clerk's terminal would run it."""

    def __init__(self, data_dir: Path, extra_env: dict[str, str] | None = None,
                 command: list[str] | None = None) -> None:
        self.started = time.perf_counter()
        argv = command or [str(APP), "--lang", "en", "--data-dir", str(data_dir)]
        pid, fd = pty.fork()
        if pid == 0:  # the child: become the app
            env = dict(os.environ, TERM="xterm-256color", COLORTERM="truecolor",
                       **(extra_env or {}))
            os.execve(argv[0], argv, env)
        self.pid, self.fd = pid, fd
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
        self.seen = b""

    def read_until(self, needle: bytes, timeout: float = 20.0) -> float:
        """Read output until ``needle`` appears; seconds since the process started."""
        deadline = time.perf_counter() + timeout
        while needle not in self.seen:
            if time.perf_counter() > deadline:
                raise TimeoutError(f"no {needle!r} on the terminal")
            ready, _, _ = select.select([self.fd], [], [], 0.05)
            if ready:
                self.seen += os.read(self.fd, 65536)
        return time.perf_counter() - self.started

    def drain(self, quiet: float = 0.003, timeout: float = 2.0) -> bool:
        """Read until the output has been quiet for ``quiet`` s; True if anything came."""
        got = False
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            ready, _, _ = select.select([self.fd], [], [], quiet)
            if not ready:
                if got:
                    return True
                continue
            try:
                chunk = os.read(self.fd, 65536)
            except OSError:  # the app has exited and closed its end
                return got
            self.seen = (self.seen + chunk)[-200_000:]
            got = True
        return got

    def key_to_repaint(self, key: bytes) -> float | None:
        self.drain(0.05, 0.5)  # settle first
        t0 = time.perf_counter()
        os.write(self.fd, key)
        ready, _, _ = select.select([self.fd], [], [], 2.0)
        if not ready:
            return None
        first = time.perf_counter()
        self.drain()
        return first - t0

    def peak_rss_mb(self) -> float:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        return float("nan")

    def close(self) -> None:
        os.write(self.fd, b"\x11")  # Ctrl+Q
        deadline = time.time() + 5
        while time.time() < deadline:
            pid, _ = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                break
            self.drain(0.05, 0.1)
        else:
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
        os.close(self.fd)


def largest_hall_row(term: Terminal) -> None:
    """Move the now-showing cursor to a show in Hall 1 tomorrow, and open it."""
    os.write(term.fd, b"]")  # tomorrow: no show has started yet
    term.drain(0.2, 2)
    for _ in range(40):
        screen = term.seen[-6000:]
        # the highlighted row is the cursor row; look for Hall 1 near the last cursor style
        if b"Hall 1" in screen.split(b"\x1b[7m")[-1][:400] if b"\x1b[7m" in screen else False:
            break
        os.write(term.fd, b"\x1b[B")
        term.drain(0.05, 0.5)
    os.write(term.fd, b"\r")
    term.read_until(b"SCREEN", 10)
    term.drain(0.2, 2)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--keys", type=int, default=60)
    args = parser.parse_args()
    if not APP.exists():
        sys.exit("run `uv sync` first: .venv/bin/cinema-tui is missing")

    starts = []
    for _ in range(args.runs):
        data = Path(tempfile.mkdtemp(prefix="tui-bench-"))
        term = Terminal(data)
        try:
            starts.append(term.read_until(b"Now showing"))
            term.drain(0.1, 1)
        finally:
            term.close()
            shutil.rmtree(data, ignore_errors=True)

    data = Path(tempfile.mkdtemp(prefix="tui-bench-"))
    term = Terminal(data)
    try:
        term.read_until(b"Now showing")
        term.drain(0.3, 2)
        largest_hall_row(term)
        keys = [b"\x1b[C", b"\x1b[C", b"\x1b[B", b"\x1b[D", b"\x1b[A"]
        latencies = []
        for i in range(args.keys):
            took = term.key_to_repaint(keys[i % len(keys)])
            if took is not None:
                latencies.append(took)
        peak = term.peak_rss_mb()
    finally:
        term.close()
        shutil.rmtree(data, ignore_errors=True)

    start_median = statistics.median(starts)
    key_median = statistics.median(latencies) * 1000 if latencies else float("nan")
    key_p95 = (statistics.quantiles(latencies, n=20)[-1] * 1000
               if len(latencies) >= 2 else float("nan"))

    def verdict(ok: bool) -> str:
        return "PASS" if ok else "MISS"

    print(f"start-up to now showing: median {start_median:.2f} s over {len(starts)} runs "
          f"(min {min(starts):.2f}, max {max(starts):.2f})   target < 1.0 s   "
          f"{verdict(start_median < 1.0)}")
    print(f"key to repaint, hall-1 seat map: median {key_median:.1f} ms, p95 {key_p95:.1f} ms "
          f"over {len(latencies)} keys   target < 30 ms   {verdict(key_median < 30)}")
    print(f"peak memory of the app: {peak:.0f} MB   target < 150 MB   {verdict(peak < 150)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
