"""Who may use ``cinema-tui serve-web``, and how much of it.

* **Sign-in** (clerk mode): the server makes one random token at start and prints the
  link that carries it. Opening the link sets a session cookie (random, HttpOnly,
  SameSite=Strict; the server keeps only a hash of each) and redirects to ``/``, so the
  token does not stay in the address bar. Without a valid cookie, the page, the
  websocket and downloads answer 401; the static files of the page (scripts, styles, a
  font) stay public, as they are textual-serve's own and name nothing of the cinema.
* **Host and Origin**: a server on a loopback address answers only requests addressed
  to a loopback name (a page on another site that rebinds its name to 127.0.0.1 gets
  421), and the websocket opens only from the server's own page: its ``Origin`` must be
  ``http://`` + the request's ``Host``. A cross-site page cannot open it (403).
* **Limits**: app processes at once (``web_max_sessions``) and new sessions per client
  address a minute (``web_connections_per_minute``).

Every check runs before textual-serve would start an app process. Refusals are short
plain text, and each is logged on one line with the client's words escaped.
"""

from __future__ import annotations

import hashlib
import ipaddress
import logging
import re
import secrets
from collections.abc import Awaitable, Callable

from aiohttp import web

from cinema_tui.serve.limits import ConnectionRateLimit, SessionSlots
from cinema_tui.serve.log_text import log_safe

log = logging.getLogger("cinema_tui.serve.web")

COOKIE = "cinema_session"
#: Signed-in browsers remembered at once; past it the oldest must open the link again.
MAX_SIGNED_IN = 1000
#: Public paths: textual-serve's scripts, styles, font and background picture.
STATIC_PREFIX = "/static/"

_HOST = re.compile(r"(?P<name>\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(?::(?P<port>[0-9]{1,5}))?")

#: Sent with every page: scripts and connections from this server only (the page's own
#: inline script is textual-serve's), no framing by other sites, no referrer.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self' 'unsafe-inline'; "
        "style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; "
        "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def is_loopback_name(name: str) -> bool:
    """``localhost``, or a literal loopback address (``127.x.y.z``, ``::1``)."""
    name = name.strip("[]").lower()
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def _digest(session_id: str) -> bytes:
    # Looked up by hash, so how long a lookup takes says nothing about a valid id.
    return hashlib.sha256(session_id.encode("utf-8", "surrogateescape")).digest()


def refusal(status: int, text: str, headers: dict[str, str] | None = None) -> web.Response:
    return web.Response(status=status, text=text + "\n", headers=headers)


def peer(request: web.Request) -> str:
    return log_safe(request.remote or "?", 60, token=True)


class WebGuard:
    """The checks of one server. ``token`` None is demo mode: no sign-in."""

    def __init__(self, *, token: str | None, max_sessions: int, per_minute: int,
                 loopback_only: bool) -> None:
        self.token = token
        self.loopback_only = loopback_only
        self.slots = SessionSlots(max_sessions)
        self.rate = ConnectionRateLimit(per_minute)
        self._signed_in: dict[bytes, None] = {}  # insertion-ordered: oldest first

    # -- sign-in ------------------------------------------------------------------------
    def token_matches(self, candidate: str) -> bool:
        if self.token is None:
            return False
        return secrets.compare_digest(candidate.encode("utf-8", "surrogateescape"),
                                      self.token.encode())

    def sign_in(self) -> str:
        """A new session id, remembered (as its hash) until the server stops."""
        session_id = secrets.token_urlsafe(32)
        self._signed_in[_digest(session_id)] = None
        while len(self._signed_in) > MAX_SIGNED_IN:
            del self._signed_in[next(iter(self._signed_in))]
        return session_id

    def signed_in(self, request: web.Request) -> bool:
        if self.token is None:
            return True
        session_id = request.cookies.get(COOKIE)
        return bool(session_id) and _digest(session_id) in self._signed_in

    # -- every request ------------------------------------------------------------------
    @web.middleware
    async def middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        response = await self._check(request, handler)
        if not response.prepared:  # a websocket has sent its headers already
            response.headers.update(SECURITY_HEADERS)
            if not request.path.startswith(STATIC_PREFIX):
                response.headers["Cache-Control"] = "no-store"
        return response

    async def _check(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        host = _HOST.fullmatch(request.host or "")
        if host is None:
            self._log_refusal(request, "bad-host", host=request.host)
            return refusal(400, "Bad request: the Host header is not a host name.")
        if self.loopback_only and not is_loopback_name(host["name"]):
            self._log_refusal(request, "not-loopback-host", host=request.host)
            return refusal(421, "This box office answers only at its own local address "
                                "(127.0.0.1 or localhost).")
        if request.path.startswith(STATIC_PREFIX) or self.token is None:
            return await handler(request)
        if "token" in request.query:
            return self._redeem(request)
        if not self.signed_in(request):
            self._log_refusal(request, "not-signed-in")
            return refusal(401, "This box office needs its sign-in link: open the "
                                "http://…/?token=… address that the server printed when "
                                "it started.")
        return await handler(request)

    def _redeem(self, request: web.Request) -> web.Response:
        if request.path != "/" or not self.token_matches(request.query["token"]):
            self._log_refusal(request, "bad-token")
            return refusal(401, "This sign-in link is not valid (a server makes a new one "
                                "each time it starts): open the one it printed last.")
        response = web.Response(status=303, headers={"Location": "/"})
        response.set_cookie(COOKIE, self.sign_in(), httponly=True, samesite="Strict",
                            path="/")
        log.info("signed in %s", peer(request))
        return response

    # -- the websocket: where an app process would start --------------------------------
    def admit_session(self, request: web.Request) -> web.Response | None:
        """None when a session may start (a slot is taken: give it back with
        ``session_ended``), else the refusal to send instead."""
        origin = request.headers.get("Origin")
        own = f"{request.scheme}://{request.host}".lower()
        if origin is None or origin.lower() != own:
            self._log_refusal(request, "origin", origin=origin)
            return refusal(403, "The box office opens only from its own page.")
        address = request.remote or "?"
        if not self.rate.admit(address):
            wait = max(1, round(self.rate.retry_after_s(address)))
            self._log_refusal(request, "rate-limit")
            return refusal(429, f"Too many new sessions from {address}: at most "
                                f"{self.rate.per_minute} a minute. Please try again in "
                                f"{wait} s.", headers={"Retry-After": str(wait)})
        if not self.slots.take():
            self._log_refusal(request, "full")
            return self.full_refusal()
        return None

    def session_ended(self) -> None:
        self.slots.give_back()

    def full(self) -> bool:
        return self.slots.in_use >= self.slots.maximum

    def full_refusal(self) -> web.Response:
        return refusal(503, f"The box office is full: {self.slots.maximum} sessions are "
                            "open. Please try again when one has closed.",
                       headers={"Retry-After": "30"})

    @staticmethod
    def _log_refusal(request: web.Request, reason: str, **fields: object) -> None:
        extra = "".join(f" {name}={log_safe(value, token=True)}"
                        for name, value in fields.items())
        log.info("refused %s path=%s reason=%s%s", peer(request),
                 log_safe(request.path, 80, token=True), reason, extra)
