"""textual-serve's ``Server`` with ``WebGuard`` in front of it.

Subclassed because textual-serve (1.1) has no hook for authentication or limits: any
request to ``/ws`` starts an app process. The overrides are the minimum:

* ``_make_app`` adds the guard's middleware (sign-in, Host) to textual-serve's aiohttp
  application; ``handle_websocket`` asks the guard (Origin, rate, cap) before textual-
  serve starts a process, and gives the slot back when the session ends;
* ``handle_index`` says so when the box office is full, and builds the page's URLs from
  the address the browser used (``public_url`` per request), so that the websocket goes
  to the same origin as the page and carries its cookie;
* ``serve`` runs on a socket bound beforehand (so ``--port 0`` can be printed), and
  ``initialize_logging`` writes one escaped line per record to stderr instead of
  textual-serve's rich console, which printed tracebacks with their local variables
  (client text among them). Whatever textual-serve later writes to stdout (an app's
  stderr when it ends) becomes escaped log lines too;
* ``_process_messages`` also watches the app: when its process ends without its "exit"
  message (killed, out of memory, a crash), the server closes the websocket (1011, a
  short reason; the page shows "Session ended." and a Restart button) and logs it, so
  the slot is given back at once. textual-serve would otherwise keep reading the
  browser's websocket (its heartbeat keeps it open while the tab is), showing a dead
  terminal and holding the slot: a few such tabs would fill the box office.

No public hook says that an app process has ended: ``AppService.run`` swallows the end
of its output, and only the app's "exit" message closes the websocket. So this relies
on private parts of textual-serve 1.1: ``Server._process_messages`` (the one place that
has both the websocket and the app service while a session lives), and of
``AppService`` the task forwarding the app's output (``_task``, done when the app's
stdout closes) and the process (``_process``, for its exit status, or to kill an app
that has closed its output but lives on). ``AppService.stop()`` after a dead process is
harmless: the "quit" message it writes meets a closed pipe, whose error it swallows.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import socket
import sys
import time
from contextvars import ContextVar
from typing import Any

from aiohttp import WSCloseCode, web
from textual_serve.app_service import AppService
from textual_serve.server import Server

from cinema_tui.demo_dirs import sweep_abandoned_demo_dirs
from cinema_tui.serve.log_text import OneLineFormatter, log_safe
from cinema_tui.serve.web_guard import WebGuard, peer

log = logging.getLogger("cinema_tui.serve.web")

#: The origin the browser used for the page being rendered (set per request).
_page_origin: ContextVar[str | None] = ContextVar("page_origin", default=None)
#: The client address of the websocket session being served (escaped), for its log lines.
_session_peer: ContextVar[str] = ContextVar("session_peer", default="?")

#: How long an app that has ended one way (process gone, or output closed) gets to end
#: the other way (its last output passed on, or its process gone) before it is made to.
APP_END_GRACE_S = 3.0
#: How often a session looks whether its app process has ended.
EXIT_POLL_S = 0.5
#: Sent to the browser when its app ended by itself (at most 123 bytes).
APP_ENDED_REASON = b"The box office app ended unexpectedly. Reload the page to start again."


class _StdoutToLog:
    """Stands in for ``sys.stdout`` once the banner is out: each write is a log line."""

    encoding = "utf-8"

    def write(self, text: str) -> int:
        if text.strip():
            log.warning("app output: %s", log_safe(text.rstrip("\n"), 4000))
        return len(text)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False


class GuardedServer(Server):
    def __init__(self, command: str, *, sock: socket.socket, guard: WebGuard,
                 title: str) -> None:
        host, port = sock.getsockname()[:2]
        super().__init__(command, host=host, port=port, title=title)
        self.sock = sock
        self.guard = guard
        self.mode = "clerk" if guard.token is not None else "demo"
        self._sessions: set[asyncio.Task[Any]] = set()

    # textual-serve reads ``self.public_url`` to write the page's script and websocket
    # URLs; answer with the origin of the request being served.
    @property
    def public_url(self) -> str:  # type: ignore[override]
        return _page_origin.get() or self._bound_url

    @public_url.setter
    def public_url(self, value: str) -> None:
        self._bound_url = value

    def initialize_logging(self) -> None:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(OneLineFormatter("%(asctime)s %(message)s",
                                              "%Y-%m-%d %H:%M:%S"))
        root = logging.getLogger()
        root.addHandler(handler)
        root.setLevel(logging.INFO)

    async def on_startup(self, app: web.Application) -> None:
        pass  # no logo: the command has printed where to connect

    async def on_shutdown(self, app: web.Application) -> None:
        """End every session: each app is told to quit (a demo removes its cinema)."""
        for task in list(self._sessions):
            task.cancel()
        if self._sessions:
            await asyncio.wait(self._sessions, timeout=10)
        log.info("server stopped")

    async def _make_app(self) -> web.Application:
        app = await super()._make_app()
        app.middlewares.append(self.guard.middleware)
        return app

    def serve(self, debug: bool = False) -> None:
        self.debug = debug
        self.initialize_logging()
        sys.stdout.flush()
        sys.stdout = _StdoutToLog()  # type: ignore[assignment]
        web.run_app(self._make_app(), sock=self.sock, print=None, access_log=None,
                    handle_signals=True, shutdown_timeout=5)

    async def handle_index(self, request: web.Request) -> web.StreamResponse:
        if self.guard.full():
            return self.guard.full_refusal()
        origin = _page_origin.set(f"{request.scheme}://{request.host}")
        try:
            return await super().handle_index(request)
        finally:
            _page_origin.reset(origin)

    async def handle_websocket(self, request: web.Request) -> web.StreamResponse:
        refused = self.guard.admit_session(request)
        if refused is not None:
            return refused
        started = time.monotonic()
        task = asyncio.current_task()
        assert task is not None
        self._sessions.add(task)
        who = _session_peer.set(peer(request))
        log.info("session start %s mode=%s sessions=%d/%d", peer(request), self.mode,
                 self.guard.slots.in_use, self.guard.slots.maximum)
        try:
            return await super().handle_websocket(request)
        finally:
            _session_peer.reset(who)
            self._sessions.discard(task)
            self.guard.session_ended()
            if self.mode == "demo":  # an app killed under its tab could not remove its own
                await asyncio.to_thread(sweep_abandoned_demo_dirs)
            log.info("session end %s mode=%s duration=%.1fs", peer(request), self.mode,
                     time.monotonic() - started)

    async def _process_messages(self, websocket: web.WebSocketResponse,
                                app_service: AppService) -> None:
        """textual-serve's loop over the browser's messages, ended (and the websocket
        closed) when the app ends without saying goodbye."""
        reading = asyncio.ensure_future(super()._process_messages(websocket, app_service))
        try:
            status = await unexpected_end(websocket, app_service, reading)
            if status is not None:
                log.warning("app ended unexpectedly %s mode=%s %s", _session_peer.get(),
                            self.mode, status)
                await websocket.close(code=WSCloseCode.INTERNAL_ERROR,
                                      message=APP_ENDED_REASON)
            await reading  # ends once the websocket is closed; raises what it raised
        finally:
            if not reading.done():  # the session is being cancelled (server stopping)
                reading.cancel()
                await asyncio.wait({reading})


async def unexpected_end(websocket: web.WebSocketResponse, app_service: AppService,
                         reading: asyncio.Future[None]) -> str | None:
    """Wait for the browser to leave (``reading`` done) or the app to end. None when
    the session ends as textual-serve expects (the tab closed, or the app's "exit"
    message closed the websocket); else the app ended by itself and is gone (made to,
    if it half-ended): its exit status, for the log."""
    output, process = app_service._task, app_service._process
    if output is None or process is None:  # not started: textual-serve's own way
        return None
    exited = asyncio.ensure_future(_exit_of(process))
    try:
        await asyncio.wait({reading, output, exited}, return_when=asyncio.FIRST_COMPLETED)
        if not output.done() and not reading.done():
            # the process is gone: let its last output (an "exit" message?) through
            await asyncio.wait({reading, output}, timeout=APP_END_GRACE_S,
                               return_when=asyncio.FIRST_COMPLETED)
        if reading.done() or websocket.closed:
            return None
        if not output.done():  # a child of the app holds its output open:
            output.cancel()  # AppService.run returns quietly, and stop() will not wait
            await asyncio.wait({output}, timeout=APP_END_GRACE_S)
        if not exited.done():  # output closed, process alive: it must not outlive its slot
            await asyncio.wait({exited}, timeout=APP_END_GRACE_S)
            if not exited.done():
                process.kill()
                await asyncio.wait({exited}, timeout=APP_END_GRACE_S)
        return _exit_status(process.returncode)
    finally:
        exited.cancel()


async def _exit_of(process: asyncio.subprocess.Process) -> int:
    """The process's exit status once it has ended. Polled: in Python 3.11
    ``Process.wait()`` also waits for the process's pipes to close, and a child of the
    app may hold them open."""
    while process.returncode is None:
        await asyncio.sleep(EXIT_POLL_S)
    return process.returncode


def _exit_status(code: int | None) -> str:
    """``status=N``, with the signal's name when a signal ended it."""
    if code is None:
        return "status=unknown"
    if code < 0:
        try:
            return f"status={code} signal={signal.Signals(-code).name}"
        except ValueError:
            pass
    return f"status={code}"
