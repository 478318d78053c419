"""``cinema-tui serve-web``: a real textual-serve server as a child process, asked over HTTP
for the page and over its websocket for a live app."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import aiohttp
import pytest

from tests.serve.conftest import clean_environment, cli

pytestmark = pytest.mark.timeout(120)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def fetch(url: str, deadline: float) -> tuple[int, str]:
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return response.status, response.read().decode()
        except (urllib.error.URLError, ConnectionError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


@pytest.fixture
def web_server(tmp_path: Path):
    port = free_port()
    env = clean_environment()
    env.update(TMPDIR=str(tmp_path), CINEMA_LANGUAGE="en")
    process = subprocess.Popen(
        [*cli(), "serve-web", "--data-dir", str(tmp_path / "data"),
         "--port", str(port), "--demo"],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
        stderr=(tmp_path / "web.log").open("w"), env=env,
    )
    yield port, tmp_path
    process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()


def test_serve_web_answers_with_the_apps_page(web_server):
    port, _ = web_server
    status, page = fetch(f"http://127.0.0.1:{port}/", time.monotonic() + 60)
    assert status == 200
    assert "행복 Cinema box office" in page
    assert f"ws://127.0.0.1:{port}/ws" in page


def test_a_browser_tab_gets_a_live_box_office(web_server):
    """What the page's script does: open the websocket and receive the app's screen."""
    port, tmp_path = web_server
    fetch(f"http://127.0.0.1:{port}/", time.monotonic() + 60)

    async def first_screen() -> bytes:
        received = b""
        async with aiohttp.ClientSession() as session:
            async with session.ws_connect(f"ws://127.0.0.1:{port}/ws?width=80&height=24") as ws:
                deadline = time.monotonic() + 60
                while "Now showing".encode() not in received:
                    left = deadline - time.monotonic()
                    assert left > 0, f"no now-showing screen; got {received[-500:]!r}"
                    message = await ws.receive(timeout=left)
                    if message.type == aiohttp.WSMsgType.BINARY:
                        received += message.data
                    elif message.type == aiohttp.WSMsgType.TEXT:
                        received += message.data.encode()
                    elif message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED):
                        break
        return received

    screen = asyncio.run(first_screen())
    assert "Now showing".encode() in screen
