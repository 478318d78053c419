"""``serve-web`` sessions that end: an app killed under its tab, an app half-ended (its
process gone but its output held open, or the other way round), and an app quitting
normally. A session's end gives its slot back at once, says in the log whether the app
ended unexpectedly, and (in demo mode) leaves no throw-away cinema behind.

The server is the real one, as a child process (``tests/serve/web_server.py``); the
tabs are scripted websockets (``tests/serve/test_web.py``'s helpers).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal

import aiohttp
import pytest
from textual_serve.app_service import AppService
from textual_serve.download_manager import DownloadManager

from cinema_tui.serve import web_server
from tests.serve.conftest import wait_until
from tests.serve.test_web import (
    NOW_SHOWING,
    Session,
    demo_dirs,
    handshake_status,
    read_until,
    run,
    services_up,
    sign_in,
)

pytestmark = pytest.mark.timeout(180)


async def closing_frame(ws: aiohttp.ClientWebSocketResponse, timeout: float = 30.0
                        ) -> aiohttp.WSMessage:
    """The message that ends ``ws`` (what the app drew before it is skipped). One
    deadline for the whole wait: ``receive(timeout=)`` starts again at each ping."""
    try:
        async with asyncio.timeout(timeout):
            message = await ws.receive()
            while message.type in (aiohttp.WSMsgType.BINARY, aiohttp.WSMsgType.TEXT):
                message = await ws.receive()
            return message
    except TimeoutError:
        raise AssertionError(f"the server did not close the websocket in "
                             f"{timeout:.0f} s") from None


def test_a_crashed_app_gives_its_slot_back_at_once_and_ends_only_its_session(web_servers):
    """An app killed under an open tab: the server closes that tab's websocket (the
    page then offers to restart), says so in its log, and its slot is free at once,
    while the other tab goes on. Two slots, both taken when the app dies: the third tab
    is admitted only if the dead app's slot was given back."""
    server = web_servers.start(web_max_sessions=2)

    async def tabs() -> None:
        cookie = await sign_in(server)
        async with Session(server, cookie) as doomed:
            await read_until(doomed, NOW_SHOWING)
            (doomed_app,) = server.apps()
            async with Session(server, cookie) as survivor:
                await services_up(survivor)
                assert await handshake_status(server, cookie) == 503  # both slots taken
                os.kill(doomed_app, signal.SIGKILL)

                ended = await closing_frame(doomed)
                assert ended.type == aiohttp.WSMsgType.CLOSE
                assert ended.data == aiohttp.WSCloseCode.INTERNAL_ERROR
                assert "ended unexpectedly" in ended.extra
                async with Session(server, cookie) as late:  # the slot is free again
                    await read_until(late, NOW_SHOWING)
                    assert len(server.apps()) == 2
                await survivor.send_str('["stdin", "\\u001bOS"]')  # F4: bookings
                await read_until(survivor, "No booking matches these filters.")

    run(tabs())
    server.wait_for_apps(0)
    log = server.log()
    (crash,) = [line for line in log.splitlines() if "ended unexpectedly" in line]
    assert re.search(r"app ended unexpectedly 127\.0\.0\.1 mode=clerk "
                     r"status=-9 signal=SIGKILL$", crash), crash
    assert log.count("session end 127.0.0.1") == 3
    assert "Traceback" not in log and "reason=full" in log  # stopping the dead app is quiet


def test_a_demo_app_killed_under_its_tab_leaves_no_demo_cinema_behind(web_servers):
    """A demo app removes its throw-away cinema when it quits; one that is killed cannot,
    so the server sweeps it away when that session ends (not only at the next start)."""
    server = web_servers.start(demo=True, web_max_sessions=1)

    async def tab() -> None:
        async with Session(server, None) as ws:
            await read_until(ws, NOW_SHOWING)
            assert len(demo_dirs(server)) == 1
            (app,) = server.apps()
            os.kill(app, signal.SIGKILL)
            ended = await closing_frame(ws)
            assert ended.type == aiohttp.WSMsgType.CLOSE

    run(tab())
    wait_until(lambda: demo_dirs(server) == [], what="the dead app's demo cinema to go")


#: The "app" waits for the test's go (textual-serve's reading tasks must have started:
#: output that ends before they do makes ``AppService.run`` end cancelled).
WAIT_FOR_GO = 'while [ ! -e "$GO" ]; do sleep 0.05; done; '


@pytest.mark.parametrize("command", [
    # the app is killed, but a child it started keeps its output open
    pytest.param(WAIT_FOR_GO + 'sleep 60 & echo $! > "$CHILD"; kill -9 $$',
                 id="a-child-holds-its-output"),
    # the app closes its output and lives on
    pytest.param(WAIT_FOR_GO + 'echo $$ > "$CHILD"; exec >&-; exec sleep 60',
                 id="output-closed-app-lives"),
])
def test_a_half_ended_app_is_made_to_end_and_stopping_it_is_quiet(
        command, tmp_path, monkeypatch):
    """The server waits for neither half of an app's end: the session ends (with the
    app killed if it lived on), and textual-serve's ``stop()`` after it neither hangs
    nor raises, even called twice as textual-serve does."""
    monkeypatch.setattr(web_server, "APP_END_GRACE_S", 0.5)
    monkeypatch.setenv("CHILD", str(tmp_path / "child.pid"))
    monkeypatch.setenv("GO", str(tmp_path / "go"))

    async def ignore(data: object = None) -> None:
        pass

    class OpenWebsocket:
        closed = False

    async def session() -> str | None:
        service = AppService(command, write_bytes=ignore, write_str=ignore, close=ignore,
                             download_manager=DownloadManager())
        await service.start(80, 24)
        for _ in range(3):  # its output task starts, and starts reading stderr
            await asyncio.sleep(0)
        (tmp_path / "go").touch()
        browser_stays = asyncio.get_running_loop().create_future()
        status = await asyncio.wait_for(
            web_server.unexpected_end(OpenWebsocket(), service, browser_stays), 30)
        await asyncio.wait_for(service.stop(), 10)
        await asyncio.wait_for(service.stop(), 10)
        end_child()
        # the pipes close with the child; then the process's transport closes itself
        await asyncio.wait_for(service._process.stdout.read(), 10)  # type: ignore[union-attr]
        return status

    def end_child() -> None:
        child = int((tmp_path / "child.pid").read_text())
        with contextlib.suppress(ProcessLookupError):
            os.kill(child, signal.SIGKILL)

    try:
        assert run(session()) == "status=-9 signal=SIGKILL"
    finally:
        if (tmp_path / "child.pid").exists():
            end_child()


def test_quitting_the_app_ends_its_session_as_a_goodbye(web_servers):
    """Ctrl+Q: the app says goodbye and textual-serve closes the websocket normally;
    that is not a crash."""
    server = web_servers.start(demo=True, web_max_sessions=1)

    async def tab() -> None:
        async with Session(server, None) as ws:
            await services_up(ws)
            await ws.send_str('["stdin", "\\u0011"]')  # Ctrl+Q
            ended = await closing_frame(ws)
            assert (ended.type, ended.data) == (aiohttp.WSMsgType.CLOSE,
                                                aiohttp.WSCloseCode.OK)
        server.wait_for_apps(0)
        async with Session(server, None) as ws:  # its slot is free again
            await read_until(ws, NOW_SHOWING)

    run(tab())
    wait_until(lambda: demo_dirs(server) == [], what="the demo cinemas to be removed")
    assert "ended unexpectedly" not in server.log()
