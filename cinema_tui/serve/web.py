"""``cinema-tui serve-web``: the box office in a browser, through textual-serve.

Each browser tab runs its own app process. In clerk mode (the default) every tab works
on the configured data directory, and only a browser that has opened the sign-in link
printed at start may use it; with ``--demo`` anyone may, and each tab gets a fresh demo
cinema (``cinema-tui --demo``: no settings file, no ``CINEMA_*`` variable). The checks
are in ``web_guard``; ``web_server`` fits them into textual-serve. Listening on anything
but a loopback address needs ``web_allow_remote`` (``--allow-remote``).
"""

from __future__ import annotations

import ipaddress
import os
import secrets
import shlex
import socket
import sys
from pathlib import Path

from backend.api import Settings
from cinema_tui.serve.app_process import app_command
from cinema_tui.serve.web_guard import WebGuard, is_loopback_name

TITLE = "행복 Cinema box office"


def web_app_command(settings: Settings, config_file: Path | None, demo: bool) -> str:
    """The shell command textual-serve runs per tab (``exec``: the app is the child)."""
    if demo:
        args = ["--demo", "--lang", settings.language]
    else:
        args = ["--data-dir", str(settings.data_dir)]
        if config_file is not None:
            args += ["--config", str(config_file)]
        args += ["--lang", settings.language]
    return "exec " + shlex.join(app_command(*args))


def is_loopback_host(host: str) -> bool:
    """True when every address ``host`` stands for is a loopback one ("" is all)."""
    if not host:
        return False
    if is_loopback_name(host):
        return True
    try:
        ipaddress.ip_address(host)
        return False  # a literal address that is not loopback
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except OSError:
        return False
    return bool(infos) and all(is_loopback_name(info[4][0]) for info in infos)


def listen(host: str, port: int) -> socket.socket:
    """A listening socket on ``host``:``port`` (0 = any free port)."""
    family, _, _, _, address = socket.getaddrinfo(
        host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)[0]
    return socket.create_server(address, family=family, backlog=128)


def browser_url(host: str, port: int) -> str:
    """Where a browser on this machine (or, for a specific address, anywhere) opens it."""
    if host in ("", "0.0.0.0"):
        host = "127.0.0.1"
    elif host == "::":
        host = "::1"
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}/"


def remote_warning(host: str, port: int, demo: bool, max_sessions: int) -> str:
    who = (f"anyone gets a demo cinema (at most {max_sessions} at once)" if demo else
           "anyone who has the sign-in link can sell and refund tickets")
    return (f"cinema-tui: warning: serving on {host}:{port}, so anyone who can reach this "
            f"address and port can connect, and {who}. There is no TLS: on a network you "
            f"do not trust, the link and the cookie can be read on the way.")


def serve_web(settings: Settings, config_file: Path | None = None, demo: bool = False) -> int:
    """Serve until interrupted. A refused host or a port in use: one line, status 2."""
    host, port = settings.web_host, settings.web_port
    local = is_loopback_host(host)
    if not local and not settings.web_allow_remote:
        print(f"cinema-tui: serve-web listens only on a loopback address unless told to: "
              f"to serve on {host or 'every address'}, give --allow-remote "
              f"(or set web_allow_remote).", file=sys.stderr)
        return 2
    try:
        sock = listen(host, port)
    except OSError as exc:
        why = os.strerror(exc.errno) if exc.errno else str(exc)
        print(f"cinema-tui: cannot serve on {host}:{port}: {why}.", file=sys.stderr)
        return 2
    port = sock.getsockname()[1]

    from cinema_tui.serve.web_server import GuardedServer

    token = None if demo else secrets.token_urlsafe(32)
    guard = WebGuard(token=token, max_sessions=settings.web_max_sessions,
                     per_minute=settings.web_connections_per_minute,
                     loopback_only=local)
    if demo:  # textual-serve gives each app this environment: nothing of the real cinema
        for name in [name for name in os.environ if name.startswith("CINEMA_")]:
            del os.environ[name]
    server = GuardedServer(web_app_command(settings, config_file, demo), sock=sock,
                           guard=guard, title=TITLE)
    url = browser_url(host, port)
    mode = "demo" if demo else "clerk"
    print(f"{TITLE} in a browser on {host}:{port} ({mode} mode)")
    if token is None:
        print(f"open: {url}")
    else:  # the link last: it is what the operator (and a script) looks for
        print("anyone with the link below can sell and refund until the server stops: "
              "keep it like a password")
        print(f"open: {url}?token={token}")
    sys.stdout.flush()
    if not local:
        print(remote_warning(host, port, demo, settings.web_max_sessions), file=sys.stderr,
              flush=True)
    server.serve()
    return 0
