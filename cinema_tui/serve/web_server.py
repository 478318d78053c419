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
  stderr when it ends) becomes escaped log lines too.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import sys
import time
from contextvars import ContextVar
from typing import Any

from aiohttp import web
from textual_serve.server import Server

from cinema_tui.serve.log_text import OneLineFormatter, log_safe
from cinema_tui.serve.web_guard import WebGuard, peer

log = logging.getLogger("cinema_tui.serve.web")

#: The origin the browser used for the page being rendered (set per request).
_page_origin: ContextVar[str | None] = ContextVar("page_origin", default=None)


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
        log.info("session start %s mode=%s sessions=%d/%d", peer(request), self.mode,
                 self.guard.slots.in_use, self.guard.slots.maximum)
        try:
            return await super().handle_websocket(request)
        finally:
            self._sessions.discard(task)
            self.guard.session_ended()
            log.info("session end %s mode=%s duration=%.1fs", peer(request), self.mode,
                     time.monotonic() - started)
