"""One box office app in its own process, on its own pseudo-terminal.

Why a process per session and not many apps in the server's event loop: a Textual app
owns its terminal (signals, size, raw mode), and a crash or a hang in one clerk's app must
end only that clerk's session. The kernel's pty gives each app a real terminal: a size
change on the master side sends SIGWINCH to the app at once, exactly as a local terminal
would.

Written by hand because no maintained library bridges an asyncio stream to a child on a
pty without blocking the event loop (``ptyprocess``/``pexpect`` read synchronously).
"""

from __future__ import annotations

import asyncio
import errno
import fcntl
import os
import signal
import struct
import sys
import termios
from collections.abc import Callable, Mapping, Sequence

#: What a terminal needs to be usable again after an app was killed mid-screen: leave the
#: alternate screen, show the cursor, stop mouse and focus reporting, bracketed paste and
#: the kitty keyboard protocol. Sent only when the app could not restore it itself.
TERMINAL_RESET = (
    b"\x1b[?1000l\x1b[?1002l\x1b[?1003l\x1b[?1006l\x1b[?1015l\x1b[?1004l"
    b"\x1b[?2004l\x1b[<u\x1b[0m\x1b[?25h\x1b[?1049l"
)


def app_command(*args: str) -> list[str]:
    """The command line that starts the box office app with this interpreter."""
    return [sys.executable, "-m", "cinema_tui", *args]


def _set_size(fd: int, columns: int, rows: int) -> None:
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))


def _become_terminal_owner() -> None:  # runs in the child between fork and exec
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


class AppProcess:
    """A child process whose stdin/stdout/stderr is the slave side of a fresh pty.

    ``on_output`` receives whatever the app writes, as bytes, on the event loop. Input is
    queued and written when the pty can take it, so a child that stops reading can never
    block the server.
    """

    def __init__(self, on_output: Callable[[bytes], None]) -> None:
        self._on_output = on_output
        self._master: int | None = None
        self._process: asyncio.subprocess.Process | None = None
        self._pending = bytearray()
        self._reading = False
        self._loop = asyncio.get_running_loop()
        self._output_done = asyncio.Event()

    async def start(
        self,
        command: Sequence[str],
        *,
        env: Mapping[str, str],
        columns: int,
        rows: int,
        cwd: str | None = None,
    ) -> None:
        master, slave = os.openpty()
        try:
            _set_size(master, columns, rows)
            self._process = await asyncio.create_subprocess_exec(
                *command,
                stdin=slave,
                stdout=slave,
                stderr=slave,
                env=dict(env),
                cwd=cwd,
                start_new_session=True,
                preexec_fn=_become_terminal_owner,
            )
        except BaseException:
            os.close(master)
            raise
        finally:
            os.close(slave)
        os.set_blocking(master, False)
        self._master = master
        self.resume_output()

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    # -- output (app -> client) ------------------------------------------------------
    def pause_output(self) -> None:
        """Stop reading while the client's channel is backed up (flow control)."""
        if self._reading and self._master is not None:
            self._loop.remove_reader(self._master)
            self._reading = False

    def resume_output(self) -> None:
        if not self._reading and self._master is not None and not self._output_done.is_set():
            self._loop.add_reader(self._master, self._read)
            self._reading = True

    def _read(self) -> None:
        assert self._master is not None
        try:
            data = os.read(self._master, 65536)
        except BlockingIOError:
            return
        except OSError as exc:  # EIO: every holder of the slave side has gone
            if exc.errno != errno.EIO:
                raise
            data = b""
        if data:
            self._on_output(data)
        else:
            self.pause_output()
            self._output_done.set()

    # -- input (client -> app) -------------------------------------------------------
    def write(self, data: bytes) -> None:
        if self._master is None or self._output_done.is_set():
            return
        self._pending += data
        self._flush()

    def _flush(self) -> None:
        assert self._master is not None
        try:
            while self._pending:
                written = os.write(self._master, self._pending)
                del self._pending[:written]
        except BlockingIOError:
            self._loop.add_writer(self._master, self._flush_ready)
            return
        except OSError:
            self._pending.clear()
        self._loop.remove_writer(self._master)

    def _flush_ready(self) -> None:
        self._flush()

    def resize(self, columns: int, rows: int) -> None:
        """Tell the app its window changed; the kernel signals it (SIGWINCH)."""
        if self._master is not None and columns > 0 and rows > 0:
            _set_size(self._master, columns, rows)

    # -- lifetime --------------------------------------------------------------------
    async def wait(self) -> int:
        """The app's exit status once it has ended and all its output has been passed on.

        Negative values are signals (as in ``subprocess``).
        """
        assert self._process is not None
        status = await self._process.wait()
        try:  # output written just before exit is still in the pty: pass it on
            await asyncio.wait_for(self._output_done.wait(), 2.0)
        except TimeoutError:
            pass
        self._close_master()
        return status

    async def stop(self, grace_s: float = 2.0) -> None:
        """End the app: SIGHUP to its process group (as a closing terminal would), then
        SIGKILL if it has not gone after ``grace_s``."""
        process = self._process
        if process is None or process.returncode is not None:
            self._close_master()
            return
        for sig, wait in ((signal.SIGHUP, grace_s), (signal.SIGKILL, 5.0)):
            try:
                os.killpg(process.pid, sig)
            except ProcessLookupError:
                break
            try:
                await asyncio.wait_for(process.wait(), wait)
                break
            except TimeoutError:
                continue
        self._close_master()

    def _close_master(self) -> None:
        if self._master is None:
            return
        self.pause_output()
        self._loop.remove_writer(self._master)
        try:
            os.close(self._master)
        except OSError:
            pass
        self._master = None
        self._output_done.set()
