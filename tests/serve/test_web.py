"""``cinema-tui serve-web``: the real server as a child process, asked by a scripted
aiohttp client, as a browser and as a stranger would.

What is checked is what a stranger could do: without the sign-in link nothing but the
static files is served and no app process starts; a page of another site cannot open
the websocket; the number of app processes and the rate of new ones are capped (how a
session's end gives its place back: ``test_web_session_end.py``); and a non-loopback
address must be asked for. App processes are counted from ``/proc``.
"""

from __future__ import annotations

import asyncio
import os
import re
import socket
import subprocess
import time
from pathlib import Path

import aiohttp
import pytest

from tests.serve.conftest import wait_until
from tests.serve.web_server import WebServer, children_of

pytestmark = pytest.mark.timeout(180)

NOW_SHOWING = "Enter: choose seats"



def run(coroutine):
    return asyncio.run(asyncio.wait_for(coroutine, 120))


async def get(url: str, cookie: str | None = None, **headers: str) -> aiohttp.ClientResponse:
    """One request, redirects not followed, the body read."""
    if cookie is not None:
        headers["Cookie"] = cookie
    async with (aiohttp.ClientSession() as session,
                session.get(url, headers=headers, allow_redirects=False) as response):
        await response.read()
        return response


async def sign_in(server: WebServer) -> str:
    """Open the printed link; the ``Cookie`` header the browser would send next."""
    response = await get(server.url)
    assert response.status == 303, await response.text()
    return response.headers["Set-Cookie"].split(";", 1)[0]


async def handshake_status(server: WebServer, cookie: str | None = None,
                           origin: str | None = "same") -> int:
    """The HTTP status a websocket handshake gets (101 when it opens)."""
    headers = {"Cookie": cookie} if cookie else {}
    if origin == "same":
        origin = server.origin
    async with aiohttp.ClientSession() as session:
        try:
            async with session.ws_connect(f"{server.base}/ws?width=80&height=24",
                                          headers=headers, origin=origin) as ws:
                await ws.close()
                return 101
        except aiohttp.WSServerHandshakeError as exc:
            return exc.status


async def read_until(ws: aiohttp.ClientWebSocketResponse, text: str,
                     timeout: float = 60.0) -> bytes:
    """What arrives until ``text`` has. One deadline for the whole wait:
    ``receive(timeout=)`` would start again at each of the server's pings."""
    received = b""
    try:
        async with asyncio.timeout(timeout):
            while text.encode() not in received:
                message = await ws.receive()
                if message.type == aiohttp.WSMsgType.BINARY:
                    received += message.data
                elif message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED,
                                      aiohttp.WSMsgType.CLOSING):
                    raise AssertionError(f"closed before {text!r}; got {received[-500:]!r}")
    except TimeoutError:
        raise AssertionError(f"{text!r} never arrived; got {received[-500:]!r}") from None
    return received


async def services_up(ws: aiohttp.ClientWebSocketResponse) -> None:
    """Until the now-showing screen shows its occupancy (the services are up): a key
    pressed before that may be lost."""
    received = await read_until(ws, NOW_SHOWING)
    while not re.search(rb"\d%", received):
        received += await read_until(ws, "%")


def demo_dirs(server: WebServer) -> list[Path]:
    return sorted(server.tmp_dir.glob("cinema-demo-*"))


class Session:
    """A websocket session as the page's script opens it, kept open until closed."""

    def __init__(self, server: WebServer, cookie: str | None) -> None:
        self.server = server
        self.cookie = cookie

    async def __aenter__(self) -> aiohttp.ClientWebSocketResponse:
        self.http = aiohttp.ClientSession()
        headers = {"Cookie": self.cookie} if self.cookie else {}
        try:
            self.ws = await self.http.ws_connect(
                f"{self.server.base}/ws?width=80&height=24", headers=headers,
                origin=self.server.origin)
        except BaseException:
            await self.http.close()
            raise
        return self.ws

    async def __aexit__(self, *exc: object) -> None:
        await self.ws.close()
        await self.http.close()


def test_without_the_sign_in_link_nothing_is_served_and_no_app_starts(web_servers):
    server = web_servers.start()
    assert server.token and len(server.token) >= 40

    async def stranger() -> None:
        page = await get(f"{server.base}/")
        assert page.status == 401
        assert "sign-in link" in await page.text()
        wrong = await get(f"{server.base}/?token={'x' * len(server.token)}")
        assert wrong.status == 401 and "Set-Cookie" not in wrong.headers
        forged = await get(f"{server.base}/", cookie="cinema_session=made-up")
        assert forged.status == 401
        assert (await get(f"{server.base}/download/abc")).status == 401
        for cookie in (None, "cinema_session=made-up"):
            assert await handshake_status(server, cookie) == 401
        # textual-serve's own script stays public: it names nothing of the cinema
        assert (await get(f"{server.base}/static/js/textual.js")).status == 200

    run(stranger())
    time.sleep(0.5)
    assert server.apps() == []
    assert "reason=not-signed-in" in server.log() and "reason=bad-token" in server.log()


def test_the_sign_in_link_sets_a_strict_http_only_cookie(web_servers):
    server = web_servers.start()

    async def browser() -> None:
        response = await get(server.url)
        assert response.status == 303
        assert response.headers["Location"] == "/"  # the token leaves the address bar
        set_cookie = response.headers["Set-Cookie"]
        name, _, rest = set_cookie.partition("=")
        value = rest.split(";", 1)[0]
        attributes = {a.strip().lower() for a in set_cookie.split(";")[1:]}
        assert name == "cinema_session" and len(value) >= 40 and server.token not in value
        assert {"httponly", "samesite=strict", "path=/"} <= attributes

        page = await get(f"{server.base}/", cookie=f"cinema_session={value}")
        assert page.status == 200
        html = await page.text()
        assert "행복 Cinema box office" in html
        assert f"ws://127.0.0.1:{server.port}/ws" in html
        assert page.headers["X-Frame-Options"] == "DENY"
        assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
        # each opening of the link is a session of its own
        assert await sign_in(server) != f"cinema_session={value}"

    run(browser())
    assert server.apps() == []


@pytest.mark.parametrize("origin", [
    "https://evil.example", None, "null", "http://localhost:{port}",
    "https://127.0.0.1:{port}", "http://127.0.0.1:{port}.evil.example",
])
def test_a_foreign_or_missing_origin_is_refused_before_any_app_starts(web_servers, origin):
    server = web_servers.start()
    if origin is not None:
        origin = origin.format(port=server.port)

    async def attempt() -> int:
        return await handshake_status(server, await sign_in(server), origin)

    assert run(attempt()) == 403
    time.sleep(0.5)
    assert server.apps() == []
    assert "reason=origin" in server.log()


def test_a_page_for_another_host_name_is_refused(web_servers):
    """A site that points its name at 127.0.0.1 (DNS rebinding) gets nothing."""
    server = web_servers.start(demo=True)

    async def rebound() -> tuple[int, int]:
        page = await get(f"{server.base}/", Host=f"evil.example:{server.port}")
        async with aiohttp.ClientSession() as session:
            try:
                async with session.ws_connect(
                        f"{server.base}/ws", origin=f"http://evil.example:{server.port}",
                        headers={"Host": f"evil.example:{server.port}"}):
                    return page.status, 101
            except aiohttp.WSServerHandshakeError as exc:
                return page.status, exc.status

    assert run(rebound()) == (421, 421)
    assert server.apps() == []


def test_a_signed_in_browser_gets_a_live_box_office(web_servers):
    server = web_servers.start()

    async def clerk() -> None:
        async with Session(server, await sign_in(server)) as ws:
            screen = await read_until(ws, NOW_SHOWING)
            assert b"Now showing" in screen
            apps = server.apps()
            assert len(apps) == 1
            command = Path(f"/proc/{apps[0]}/cmdline").read_bytes().split(b"\0")
            assert b"--data-dir" in command and b"--demo" not in command

    run(clerk())
    server.wait_for_apps(0)  # closing the tab ends its app
    log = server.log()
    assert re.search(r"session start 127\.0\.0\.1 mode=clerk sessions=1/8", log)
    assert re.search(r"session end 127\.0\.0\.1 mode=clerk duration=[\d.]+s", log)


def test_the_demo_needs_no_sign_in_and_its_apps_get_no_cinema_settings(web_servers):
    server = web_servers.start(demo=True, data_dir="/nonexistent/real-cinema")
    assert server.token is None
    leaked = []

    async def visitor() -> None:
        page = await get(f"{server.base}/")
        assert page.status == 200
        # the page's websocket goes where the page came from, so it is the same origin
        assert f"ws://127.0.0.1:{server.port}/ws" in await page.text()
        by_name = await get(f"{server.base}/", Host=f"localhost:{server.port}")
        assert f"ws://localhost:{server.port}/ws" in await by_name.text()
        assert await handshake_status(server, origin="https://evil.example") == 403
        async with Session(server, None) as ws:
            await read_until(ws, NOW_SHOWING)
            (app,) = server.apps()
            command = Path(f"/proc/{app}/cmdline").read_bytes().split(b"\0")
            assert b"--demo" in command and b"--data-dir" not in command
            environ = Path(f"/proc/{app}/environ").read_bytes().split(b"\0")
            leaked.extend(v for v in environ if v.startswith(b"CINEMA_"))
            assert len(demo_dirs(server)) == 1  # the tab's own demo cinema

    run(visitor())
    assert leaked == []
    server.wait_for_apps(0)
    wait_until(lambda: demo_dirs(server) == [], what="the demo cinema to be removed")


def test_the_cap_refuses_another_session_while_the_first_lives(web_servers):
    server = web_servers.start(web_max_sessions=1)

    async def two_tabs() -> None:
        cookie = await sign_in(server)
        async with Session(server, cookie) as ws:
            await read_until(ws, NOW_SHOWING)
            assert await handshake_status(server, cookie) == 503
            page = await get(f"{server.base}/", cookie=cookie)
            assert page.status == 503 and "full" in await page.text()
            assert len(server.apps()) == 1
        server.wait_for_apps(0)
        async with Session(server, cookie) as ws:  # its slot is free again
            await read_until(ws, NOW_SHOWING)

    run(two_tabs())
    assert "reason=full" in server.log()


def test_the_rate_limit_refuses_the_extra_session(web_servers):
    server = web_servers.start(web_connections_per_minute=2)

    async def three_tabs() -> list[int]:
        cookie = await sign_in(server)
        return [await handshake_status(server, cookie) for _ in range(3)]

    assert run(three_tabs()) == [101, 101, 429]
    assert "reason=rate-limit" in server.log()
    server.wait_for_apps(0)


def test_log_lines_escape_what_clients_send(web_servers):
    server = web_servers.start()
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as raw:
        raw.sendall(b"GET /%0a2026-01-01%20forged%20line%1b[31m HTTP/1.1\r\n"
                    b"Host: 127.0.0.1\r\nConnection: close\r\n\r\n")
        assert raw.recv(100).startswith(b"HTTP/1.1 401")
    time.sleep(0.3)
    log = server.log()
    assert "\x1b" not in log
    assert not any(line.startswith("2026-01-01 forged") for line in log.splitlines())
    assert "path=/\\x0a2026-01-01\\x20forged\\x20line\\x1b[31m" in log


def test_a_malformed_message_is_one_log_line_and_ends_only_its_session(web_servers):
    """textual-serve logs the exception with its traceback: here it stays one line."""
    server = web_servers.start()

    async def broken_client() -> None:
        cookie = await sign_in(server)
        async with Session(server, cookie) as ws:
            await read_until(ws, NOW_SHOWING)
            await ws.send_str('["stdin", 5]')  # textual-serve expects text: it raises
            message = await ws.receive(timeout=30)
            while message.type == aiohttp.WSMsgType.BINARY:
                message = await ws.receive(timeout=30)
            assert message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)
        server.wait_for_apps(0)
        async with Session(server, cookie) as ws:  # the server serves on
            await read_until(ws, NOW_SHOWING)

    run(broken_client())
    lines = server.log().splitlines()
    assert all(re.match(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d ", line) for line in lines), lines
    (error,) = [line for line in lines if "AttributeError" in line]
    assert "Traceback" in error


def test_an_app_that_cannot_start_is_logged_not_printed(web_servers):
    """textual-serve copies a failed app's stderr to stdout; it becomes log lines."""
    config = web_servers.tmp_path / "config.toml"
    config.write_text("hold_minutes = 5\n")
    server = web_servers.start("--config", str(config))
    config.write_text('hold_minutes = "five"\n')  # broken after the server read it

    async def clerk() -> None:
        async with Session(server, await sign_in(server)):
            wait_until(lambda: "app output" in server.log(), what="the app's error")

    run(clerk())
    assert server.stop() == 0
    assert server.stdout_after_banner == ""
    assert re.search(r"app output: cinema-tui: \S+config\.toml, key hold_minutes: ",
                     server.log())


def test_a_non_loopback_host_needs_allow_remote(web_servers):
    log_path = web_servers.tmp_path / "refused.log"
    process = web_servers.popen("--host", "0.0.0.0", "--port", "0",
                                tmp_dir=web_servers.tmp_path, log_path=log_path)
    out, _ = process.communicate(timeout=60)
    assert process.returncode == 2
    assert out == ""
    error = log_path.read_text().strip()
    assert error == ("cinema-tui: serve-web listens only on a loopback address unless "
                     "told to: to serve on 0.0.0.0, give --allow-remote "
                     "(or set web_allow_remote).")


@pytest.mark.parametrize("demo", [False, True])
def test_allow_remote_warns_who_can_reach_it(web_servers, demo):
    """Bound to every address for a moment, sent nothing, then stopped."""
    server = web_servers.start("--host", "0.0.0.0", "--allow-remote", demo=demo)
    assert server.banner[0].endswith(f"on 0.0.0.0:{server.port} "
                                     f"({'demo' if demo else 'clerk'} mode)")
    # The warning goes to stderr just after the banner: stopping at once could beat it.
    wait_until(lambda: "warning: serving" in server.log(), what="the warning on stderr")
    server.stop()
    warning = server.log()
    assert f"warning: serving on 0.0.0.0:{server.port}" in warning
    assert "anyone who can reach this address and port can connect" in warning
    if demo:
        assert "anyone gets a demo cinema (at most 8 at once)" in warning
    else:
        assert "anyone who has the sign-in link can sell and refund" in warning


def test_stopping_the_server_ends_its_apps(web_servers):
    server = web_servers.start(demo=True)

    async def open_tab() -> list[int]:
        async with Session(server, None) as ws:
            await read_until(ws, NOW_SHOWING)
            apps = server.apps()
            assert server.stop() == 0
            return apps

    apps = run(open_tab())
    assert len(apps) == 1
    wait_until(lambda: not Path(f"/proc/{apps[0]}").exists(), what="the app to end")
    assert demo_dirs(server) == []
    assert "server stopped" in server.log()


def test_a_port_in_use_is_one_clear_line(web_servers):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        log_path = web_servers.tmp_path / "in-use.log"
        process = web_servers.popen("--port", str(port), tmp_dir=web_servers.tmp_path,
                                    log_path=log_path)
        process.communicate(timeout=60)
    assert process.returncode == 2
    assert log_path.read_text().strip() == (
        f"cinema-tui: cannot serve on 127.0.0.1:{port}: Address already in use.")


def test_children_of_finds_a_child():  # the helper the checks above rely on
    child = subprocess.Popen(["sleep", "30"])
    try:
        assert child.pid in children_of(os.getpid())
    finally:
        child.kill()
        child.wait()

