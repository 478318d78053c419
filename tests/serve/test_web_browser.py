"""``cinema-tui serve-web`` in a real browser: Debian's headless Chromium, driven by
Playwright, opens the sign-in link and sells a ticket with the keyboard.

The terminal is drawn on a canvas, so the test reads what the browser's websocket
received (the app's screen output, escape sequences removed) and checks the sale in the
data directory afterwards. The browser may reach 127.0.0.1 only: every other name fails
to resolve, and any other request is aborted and fails the test.

Skipped when Chromium or Playwright is missing, except under CI (``CI`` set), where
that is a failure: ``.ci/run`` installs Chromium, and Playwright is a dev dependency
(its own browser download is never used).
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest

from backend import BoxOffice, Settings
from tests.serve.conftest import wait_until

try:
    from playwright.sync_api import Page, WebSocket, sync_playwright
except ImportError:  # pragma: no cover - depends on the machine
    sync_playwright = None  # type: ignore[assignment]

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
MISSING = [what for what, there in (("chromium (apt-get install chromium)", CHROMIUM),
                                     ("playwright (uv sync)", sync_playwright)) if not there]

pytestmark = [
    pytest.mark.timeout(240),
    pytest.mark.skipif(bool(MISSING) and not os.environ.get("CI"),
                       reason=f"needs {' and '.join(MISSING)}"),
]

NOW_SHOWING = "Enter: choose seats"
OCCUPANCY = re.compile(r"\d+%")  # drawn once the services are up
CODE = re.compile(r"((?:[A-Z2-9] ){5}[A-Z2-9])")
ESCAPES = re.compile(r"\x1b(?:\[[0-9;?<>=]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[()][0-9A-Za-z]|.)")


class Screen:
    """What the page's websocket has received from the app, as text."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.raw = bytearray()
        self.sockets: list[str] = []
        self.mark = 0  # ``wait_for`` looks at what arrived after this
        page.on("websocket", self._opened)

    def _opened(self, socket: WebSocket) -> None:
        self.sockets.append(socket.url)
        socket.on("framereceived", self._frame)

    def _frame(self, payload: bytes | str) -> None:
        if isinstance(payload, bytes):
            self.raw += payload

    def text(self, since: int = 0) -> str:
        return ESCAPES.sub("", bytes(self.raw[since:]).decode("utf-8", "replace"))

    def wait_for(self, pattern: str | re.Pattern[str], timeout: float = 60.0) -> str:
        deadline = time.monotonic() + timeout
        while True:
            text = self.text(self.mark)
            found = (pattern.search(text) if isinstance(pattern, re.Pattern)
                     else pattern in text)
            if found:
                return text
            if time.monotonic() > deadline:
                raise AssertionError(f"{pattern!r} not shown in {timeout:.0f} s; the last "
                                     f"output: {text[-800:]!r}")
            self.page.wait_for_timeout(100)

    def until_still(self, quiet_s: float = 0.8, timeout: float = 30.0) -> None:
        """Wait until no output has come for ``quiet_s`` (a redraw is finished)."""
        deadline = time.monotonic() + timeout
        size, since = len(self.raw), time.monotonic()
        while time.monotonic() - since < quiet_s:
            assert time.monotonic() < deadline, "the screen never kept still"
            self.page.wait_for_timeout(100)
            if len(self.raw) != size:
                size, since = len(self.raw), time.monotonic()

    def keys(self, *keys: str, pause_ms: int = 300) -> None:
        """Press keys as a clerk would (Playwright's names: ``Enter``, ``F5``...)."""
        self.mark = len(self.raw)
        for key in keys:
            self.page.keyboard.press(key)
            self.page.wait_for_timeout(pause_ms)



@pytest.fixture
def browser_page() -> Iterator[tuple[Page, list[str]]]:
    """A fresh headless Chromium page, and the list of requests it tried to send
    anywhere but 127.0.0.1 (aborted)."""
    if MISSING:
        pytest.fail(f"CI is set but this machine lacks {' and '.join(MISSING)}")
    strays: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox",  # CI runs as root
                  "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
                  "--disable-background-networking", "--disable-component-update"],
        )
        try:
            context = browser.new_context(viewport={"width": 1100, "height": 700})
            context.set_default_timeout(60_000)

            def only_here(route, request) -> None:  # type: ignore[no-untyped-def]
                if urlsplit(request.url).hostname == "127.0.0.1":
                    route.continue_()
                else:
                    strays.append(request.url)
                    route.abort()

            context.route("**/*", only_here)
            yield context.new_page(), strays
        finally:
            browser.close()


def test_a_clerk_opens_the_link_and_sells_a_ticket_with_the_keyboard(
        web_servers, browser_page, tmp_path):
    page, strays = browser_page
    server = web_servers.start()
    screen = Screen(page)

    response = page.goto(server.url)
    assert response is not None and response.status == 200
    assert page.url == f"{server.base}/"  # the token has left the address bar
    (cookie,) = page.context.cookies()
    assert cookie["name"] == "cinema_session" and cookie["httpOnly"]
    assert cookie["sameSite"] == "Strict"
    assert page.evaluate("document.cookie") == ""  # no script can read it

    screen.wait_for(NOW_SHOWING)
    screen.wait_for(OCCUPANCY)  # the services are up
    assert "Charade" in screen.text() and "Metropolis" in screen.text()
    page.focus(".xterm-helper-textarea")  # where xterm.js takes the keyboard
    screen.until_still()

    screen.keys("]")  # tomorrow's programme
    screen.until_still()
    screen.keys("Enter")  # its first show
    screen.wait_for("Cursor")
    screen.keys("2")  # the best two seats
    screen.wait_for("Held for")
    screen.keys("Enter")  # checkout
    screen.wait_for("F6 cash")
    screen.keys("F6", "F9", "Control+s")  # cash, exact amount, confirm
    shown = screen.wait_for("Booking code")
    screen.until_still()
    page.screenshot(path=str(tmp_path / "sold.png"))
    code_on_screen = CODE.search(screen.text(screen.mark))

    assert len(server.apps()) == 1
    assert server.stop() == 0
    assert strays == []

    async def bookings() -> list:
        async with BoxOffice.open(Settings(data_dir=server.data_dir)) as office:
            return await office.history()

    with ThreadPoolExecutor(1) as thread:  # Playwright's loop runs in this one
        (booking,) = thread.submit(asyncio.run, bookings()).result(timeout=60)
    assert booking.status == "COMPLETED" and len(booking.seats) == 2
    assert booking.method == "cash"
    assert booking.code in shown.replace(" ", "")
    if code_on_screen is not None:
        assert code_on_screen.group(1).replace(" ", "") == booking.code


def test_without_the_link_the_page_is_refused_and_no_app_starts(web_servers, browser_page):
    page, strays = browser_page
    server = web_servers.start()
    screen = Screen(page)

    response = page.goto(f"{server.base}/")
    assert response is not None and response.status == 401
    assert "sign-in link" in page.inner_text("body")
    page.wait_for_timeout(1000)
    assert screen.sockets == [] and screen.raw == b""
    assert server.apps() == []
    assert strays == []


def test_a_page_of_another_origin_cannot_open_the_box_office(web_servers, browser_page):
    """A page served by another program on this machine (another port is another
    origin but the same *site*, so the SameSite=Strict cookie goes along): only the
    Origin check stops it from starting a box office."""
    page, _ = browser_page
    server = web_servers.start()
    page.goto(server.url)  # signed in: the browser holds the cookie
    assert page.context.cookies()
    page.goto("about:blank")
    server.wait_for_apps(0)

    with other_site() as other:
        page.goto(f"{other}/")
        outcome = page.evaluate(
            """url => new Promise(done => {
                   const socket = new WebSocket(url);
                   socket.onmessage = () => done("opened and received");
                   socket.onclose = event => done("closed " + event.code);
               })""",
            f"ws://127.0.0.1:{server.port}/ws?width=80&height=24",
        )
    assert outcome == "closed 1006"  # the handshake was refused
    wait_until(lambda: f"reason=origin origin={other}" in server.log(),
               what="the refusal in the log")
    assert server.apps() == []


@contextmanager
def other_site() -> Iterator[str]:
    """Another web server on 127.0.0.1 (a port of its own): its origin."""

    class Page(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # the name http.server calls
            body = b"<!doctype html><title>another site</title>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Page)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(10)
