"""One SSH session: the box office app on a pty, bridged to the client's channel.

A session only ever runs the app. A request without a terminal, or with a command, is
answered with one line telling how to connect and closed: nothing the client sends is
ever executed. The session ends when the app quits (its exit status goes back to the
client), when the client goes away, when the clerk has been idle too long, or when the
session has lasted its maximum; in the last two cases the app is stopped, the terminal is
put back in order and a line says why.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import time
from typing import TYPE_CHECKING

import asyncssh

from cinema_tui.demo_dirs import make_demo_dir, remove_demo_dir
from cinema_tui.serve.app_process import TERMINAL_RESET, AppProcess, app_command
from cinema_tui.serve.log_text import log_fields, log_safe

if TYPE_CHECKING:
    from cinema_tui.serve.ssh_server import ConnectionGuard, ServeContext

log = logging.getLogger("cinema_tui.serve")

#: Colour: SSH forwards TERM but not COLORTERM, so a client that says it has 256 colours
#: is taken to have 24-bit colour (true of every current terminal emulator). A client
#: that sends its own COLORTERM (``ssh -o SetEnv=COLORTERM=...``) is believed instead.
RICH_TERMS = ("256color", "truecolor", "direct", "kitty", "alacritty", "wezterm", "ghostty")

#: What a terminal type (or COLORTERM) may look like: one plain word, as in terminfo.
#: The client chooses it, so anything else (a newline, an escape, a path) is not passed on.
_WORD = re.compile(r"[A-Za-z0-9._+-]{1,64}")
DEFAULT_TERM = "xterm-256color"


def sane_env_word(value: str | None) -> str | None:
    """``value`` if it is one plain word of at most 64 characters, else None."""
    if value is not None and _WORD.fullmatch(value):
        return value
    return None


def sane_term(term: str | None) -> str:
    """The client's terminal type if it is a plain word, else ``xterm-256color``."""
    return sane_env_word(term) or DEFAULT_TERM


def _minutes(seconds: float) -> str:
    if seconds >= 120:
        return f"{seconds / 60:.0f} minutes"
    return f"{seconds:.0f} seconds"


class BoxOfficeSession(asyncssh.SSHServerSession):
    """Bridges one SSH channel and one ``AppProcess``; enforces the session limits."""

    def __init__(self, context: ServeContext, guard: ConnectionGuard) -> None:
        self._context = context
        self._guard = guard
        self._chan: asyncssh.SSHServerChannel | None = None
        self._term: str | None = None  # checked: safe to give the app
        self._client_term: str | None = None  # as sent: log it with log_safe
        self._size = (80, 24)
        self._command: str | None = None
        self._app: AppProcess | None = None
        self._last_input = time.monotonic()
        self._client_gone = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    # -- what the client asks for -----------------------------------------------------
    def connection_made(self, chan: asyncssh.SSHServerChannel) -> None:
        self._chan = chan

    def pty_requested(self, term_type: str, term_size: tuple[int, int, int, int],
                      term_modes: object) -> bool:
        self._client_term = term_type
        self._term = sane_term(term_type)
        if term_size[0] > 0 and term_size[1] > 0:
            self._size = (term_size[0], term_size[1])
        return True

    def shell_requested(self) -> bool:
        return True

    def exec_requested(self, command: str) -> bool:
        self._command = command  # never run: answered with how to connect
        return True

    def subsystem_requested(self, subsystem: str) -> bool:
        return False  # no SFTP, no anything else

    def session_started(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run())
        self._context.sessions.add(self._task)
        self._task.add_done_callback(self._context.sessions.discard)

    def data_received(self, data: bytes, datatype: object) -> None:
        self._last_input = time.monotonic()
        if self._app is not None:
            self._app.write(data)

    def terminal_size_changed(self, width: int, height: int, pixwidth: int,
                              pixheight: int) -> None:
        self._size = (width, height)
        if self._app is not None:
            self._app.resize(width, height)

    def eof_received(self) -> bool:
        return True  # keep the channel open: the app decides when it is over

    def pause_writing(self) -> None:
        if self._app is not None:
            self._app.pause_output()

    def resume_writing(self) -> None:
        if self._app is not None:
            self._app.resume_output()

    def connection_lost(self, exc: Exception | None) -> None:
        self._client_gone.set()

    # -- the session --------------------------------------------------------------------
    async def _run(self) -> None:
        self._guard.session_began()
        try:
            await self._serve()
        finally:
            self._guard.session_ended()

    async def _serve(self) -> None:
        context = self._context
        if self._command is not None or self._term is None:
            what = "runs no commands" if self._command is not None else "needs a terminal"
            self._log("refused", reason="command" if self._command is not None
                      else "no-terminal")
            self._finish(
                1,
                f"행복 Cinema box office {what}. Connect with: "
                f"{context.connect_hint(self._guard.username)}",
            )
            return
        if not self._guard.slots.take():
            most = self._guard.slots.maximum
            self._log("refused", reason="per-connection")
            self._finish(1, f"This connection already has {most} box office "
                            f"session{'s' if most != 1 else ''}: at most {most} per "
                            "connection. Open another with a new connection (without "
                            "ssh's ControlMaster), or close one first.")
            return
        try:
            await self._serve_app()
        finally:
            self._guard.slots.give_back()

    async def _serve_app(self) -> None:
        context = self._context
        assert self._term is not None
        if not context.slots.take():
            most = context.slots.maximum
            self._log("refused", reason="full")
            self._finish(1, f"The box office is full: at most {most} "
                            f"session{'s' if most != 1 else ''} at once. Please try again "
                            "in a few minutes.")
            return
        started = time.monotonic()
        data_dir: str | None = None
        reason, status = "error", 1
        try:
            if context.mode == "demo":  # the server owns it (the app does not remove it)
                data_dir = str(make_demo_dir(owner_pid=os.getpid()))
            app = AppProcess(self._write)
            self._app = app
            await app.start(
                app_command(*context.app_arguments(data_dir)),
                env=context.app_environment(self._term, self._chan_environment(), started,
                                            demo_dir=data_dir),
                columns=self._size[0],
                rows=self._size[1],
                cwd=data_dir,
            )
            client_term = ({} if self._client_term == self._term
                           else {"client_term": self._client_term})
            self._log("start", term=self._term, **client_term,
                      size=f"{self._size[0]}x{self._size[1]}", pid=app.pid)
            reason, status = await self._supervise(app, started)
        except asyncio.CancelledError:  # the server is stopping
            if self._app is not None:
                await self._app.stop()
            self._finish(0, "Disconnected: the box office server is stopping. Connect "
                            "again in a minute.", reset=True)
            reason, status = "server-stop", 0
        except Exception as exc:  # noqa: BLE001 -- the server outlives any one session
            log.error("session failed %s: %s", self._guard.peer, log_safe(exc, 400))
            self._finish(1, "The box office could not be started for this session. "
                            "Please try again; if it keeps happening, tell the operator.",
                         reset=True)
        finally:
            if self._app is not None:
                await self._app.stop()
            context.slots.give_back()
            if data_dir is not None:
                remove_demo_dir(data_dir)
            self._log("end", duration=f"{time.monotonic() - started:.1f}s", reason=reason,
                      status=status)

    async def _supervise(self, app: AppProcess, started: float) -> tuple[str, int]:
        """Wait for the first of: app exit, client gone, idle timeout, session limit."""
        context = self._context
        app_done = asyncio.ensure_future(app.wait())
        gone = asyncio.ensure_future(self._client_gone.wait())
        try:
            while True:
                now = time.monotonic()
                idle_left = self._last_input + context.idle_timeout_s - now
                total_left = started + context.max_session_s - now
                if idle_left <= 0 or total_left <= 0:
                    await app.stop()
                    if idle_left <= 0:
                        why = ("Disconnected: no key was pressed for "
                               f"{_minutes(context.idle_timeout_s)}.")
                        reason = "idle"
                    else:
                        why = ("Disconnected: sessions last at most "
                               f"{_minutes(context.max_session_s)}. Connect again to go on.")
                        reason = "time-limit"
                    self._finish(0, why, reset=True)
                    return reason, 0
                await asyncio.wait({app_done, gone}, timeout=min(idle_left, total_left),
                                   return_when=asyncio.FIRST_COMPLETED)
                if app_done.done():
                    status = app_done.result()
                    if status == 0:
                        self._finish(0)
                        return "quit", 0
                    code = status if status > 0 else 128 - status
                    self._finish(code, "The box office stopped unexpectedly "
                                       f"(exit status {status}). Connect again to start it "
                                       "anew; nothing already paid is lost.", reset=True)
                    return "crash", code
                if gone.done():
                    return "hangup", -1
        finally:
            for task in (app_done, gone):
                task.cancel()

    def _log(self, event: str, **fields: object) -> None:
        """One line per session event: who, how, and ``fields``; never what was typed.
        Every value is escaped: the client chose some of them."""
        guard = self._guard
        log.info("session %s %s%s", event, guard.peer,
                 log_fields(user=guard.username, key=guard.fingerprint,
                            mode=self._context.mode, **fields))

    # -- talking to the client ----------------------------------------------------------
    def _chan_environment(self) -> dict[str, str]:
        try:
            return dict(self._chan.get_environment()) if self._chan else {}
        except Exception:  # noqa: BLE001 -- no client variables is a fine answer
            return {}

    def _write(self, data: bytes) -> None:
        if self._chan is not None and not self._client_gone.is_set():
            try:
                self._chan.write(data)
            except (asyncssh.Error, OSError, BrokenPipeError):
                pass

    def _finish(self, status: int, message: str | None = None, *, reset: bool = False) -> None:
        """Restore the terminal if asked, say ``message`` on its own line, then exit."""
        if self._chan is None or self._client_gone.is_set():
            return
        try:
            if reset:
                self._chan.write(TERMINAL_RESET)
            if message:  # after a full-screen app, start on a fresh line
                self._chan.write(f"{chr(13) + chr(10) if reset else ''}{message}\r\n".encode())
            self._chan.exit(status)
        except (asyncssh.Error, OSError, BrokenPipeError):
            pass

