"""``cinema-tui serve-web``: the box office in a browser, for demos, via textual-serve.

textual-serve starts one app process per browser tab with the command given here; with
``demo`` each tab gets its own fresh demo cinema (``cinema-tui --demo``), otherwise every
tab works on the configured data directory like a clerk's terminal.
"""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

from backend.settings import Settings
from cinema_tui.serve.app_process import app_command


def web_app_command(settings: Settings, config_file: Path | None, demo: bool) -> str:
    args = ["--lang", settings.language]
    if demo:
        args.append("--demo")
    else:
        args += ["--data-dir", str(settings.data_dir)]
        if config_file is not None:
            args += ["--config", str(config_file)]
    return shlex.join(app_command(*args))


def serve_web(settings: Settings, config_file: Path | None = None, demo: bool = False) -> int:
    """Serve until interrupted; a port already taken is one clear line and status 2."""
    from textual_serve.server import Server

    server = Server(
        web_app_command(settings, config_file, demo),
        host=settings.web_host,
        port=settings.web_port,
        title="행복 Cinema box office",
    )
    try:
        server.serve()
    except OSError as exc:
        print(f"cinema-tui: cannot serve on {settings.web_host}:{settings.web_port}: "
              f"{exc.strerror or exc}.", file=sys.stderr)
        return 2
    return 0
