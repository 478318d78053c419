"""``cinema-tui``: start the box office on the bundled demo cinema (or your own).

``cinema-tui serve-ssh`` and ``cinema-tui serve-web`` serve it to other terminals and to
browsers. Argument and settings problems are printed as one sentence and exit with
status 2; a traceback never reaches the clerk's terminal. Without a terminal the app does
not draw: it says why on stderr (``headless``). A box office that could not open exits
non-zero with the reason on stderr.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from pathlib import Path

from backend.api import BoxOfficeError, ConfigError, Settings
from backend.maintenance import default_config_file, default_data_dir
from cinema_tui.demo_dirs import make_demo_dir, remove_demo_dir, sweep_abandoned_demo_dirs


def _common(parser: argparse.ArgumentParser, default: object = None) -> None:
    """The options every command takes; a subcommand's copies default to SUPPRESS so that
    ``cinema-tui --data-dir X serve-ssh`` keeps X."""
    parser.add_argument(
        "--data-dir", type=Path, default=default,
        help=f"where all state is kept (default: {default_data_dir()})",
    )
    parser.add_argument(
        "--config", type=Path, default=default,
        help=f"settings file in TOML (default: {default_config_file()} if it exists)",
    )
    parser.add_argument("--lang", choices=("ko", "en"), default=default,
                        help="language of the UI")


def _server(commands: argparse._SubParsersAction, name: str, summary: str, description: str,
            port_help: str) -> argparse.ArgumentParser:
    server = commands.add_parser(name, help=summary, description=description)
    _common(server, argparse.SUPPRESS)
    server.add_argument("--host", default=None, help="address to listen on (default 127.0.0.1)")
    server.add_argument("--port", type=int, default=None, help=port_help)
    return server


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cinema-tui",
        description="행복 Cinema box office: sell seats, take payment, cancel and refund, "
        "and see every booking's history, from the keyboard.",
    )
    _common(parser)
    parser.add_argument(
        "--demo", action="store_true",
        help="a fresh demo cinema in a private temporary directory, removed when the app "
             "quits; it reads no settings file and no CINEMA_* variable",
    )
    commands = parser.add_subparsers(
        dest="command", metavar="{serve-ssh,serve-web,check,backup,restore,migrate}")
    ssh = _server(commands, "serve-ssh", "serve the box office over SSH",
                  "Serve the box office to SSH clients: each session gets its own app.",
                  "port (default 2222; 0 = any free)")
    ssh.add_argument("--mode", choices=("clerk", "demo"), default=None,
                     help="clerk: keys from the authorized-keys file, shared data; "
                          "demo: anyone, a fresh private cinema per session")
    web = _server(commands, "serve-web", "serve the box office to a browser (textual-serve)",
                  "Serve the box office to web browsers, for demos.", "port (default 8000)")
    web.add_argument("--demo", action="store_true",
                     help="each browser tab gets its own fresh demo cinema")
    web.add_argument("--allow-remote", action="store_true", default=None,
                     help="allow listening on an address other than loopback (anyone who "
                          "can reach it and has the token can sell and refund)")
    for name, summary in OPERATOR_COMMANDS.items():
        command = commands.add_parser(name, help=summary, description=summary)
        _common(command, argparse.SUPPRESS)
        if name == "backup":
            command.add_argument("destination", type=Path,
                                 help="a new (or empty) directory for the backup")
        elif name == "restore":
            command.add_argument("source", type=Path, help="a directory made by backup")
        elif name == "migrate":
            command.add_argument("--dry-run", action="store_true",
                                 help="only list what would change")
    return parser


#: The operator's commands (cinema_tui.operator_commands), with their one-line help.
OPERATOR_COMMANDS = {
    "check": "check the data directory: schemas, identity, and every invariant of the books",
    "backup": "back up the data directory while the box office keeps selling",
    "restore": "put a backup in place of the data directory's databases (box office stopped)",
    "migrate": "bring the databases to this version's schema (the box office also does it "
               "when it starts)",
}


def load_settings(args: argparse.Namespace) -> Settings:
    overrides: dict[str, object] = {}
    if args.command == "serve-ssh":
        overrides = {"ssh_host": args.host, "ssh_port": args.port, "ssh_mode": args.mode}
    elif args.command == "serve-web":
        overrides = {"web_host": args.host, "web_port": args.port,
                     "web_allow_remote": args.allow_remote}
    return Settings.load(
        args.config, data_dir=args.data_dir, language=args.lang, **overrides
    )


def demo_settings(args: argparse.Namespace, demo_dir: Path) -> Settings:
    """A demo's settings: its own directory and language, and nothing else.

    Hermetic on purpose: a demo is what strangers get (over SSH, in a browser), so it
    must not pick up the operator's settings file or ``CINEMA_*`` variables, which may
    name the real cinema's data directory or databases.
    """
    if args.config is not None:
        raise ConfigError("--demo reads no settings file: leave out --config.")
    return Settings.hermetic(data_dir=demo_dir, language=args.lang)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    # Everything the box office writes (databases, tickets, keys) is its owner's alone,
    # whatever umask it was started with.
    os.umask(0o077)
    demo_dir = None
    demo = args.command is None and args.demo
    if demo and args.data_dir is None:  # given a directory, its maker removes it
        sweep_abandoned_demo_dirs()
        demo_dir = make_demo_dir()
        _remove_on_hangup(demo_dir)
    try:
        try:
            if demo:
                settings = demo_settings(args, demo_dir or args.data_dir)
            else:
                settings = load_settings(args)
        except BoxOfficeError as exc:
            print(f"cinema-tui: {exc}", file=sys.stderr)
            return 2
        if args.command == "serve-ssh":
            from cinema_tui.serve.ssh_server import serve_ssh

            return serve_ssh(settings, args.config)
        if args.command == "serve-web":
            from cinema_tui.serve.web import serve_web

            return serve_web(settings, args.config, demo=args.demo)
        if args.command in OPERATOR_COMMANDS:
            from cinema_tui.operator_commands import run

            return run(args.command, args, settings)
        from cinema_tui.headless import has_terminal, refuse_without_terminal

        if not has_terminal():  # a script or a pipe: no full screen, one sentence
            return refuse_without_terminal(settings)
        return run_app(settings, demo=demo)
    finally:
        if demo_dir is not None:
            remove_demo_dir(demo_dir)


def _remove_on_hangup(demo_dir: Path) -> None:
    """A closed terminal (SIGHUP) ends the app at once, as it always has; a throw-away
    demo cinema is removed first. Nothing is lost: every sale is committed already."""

    def hangup(signum: int, frame: object) -> None:
        remove_demo_dir(demo_dir)
        os._exit(128 + signum)

    signal.signal(signal.SIGHUP, hangup)


def run_app(settings: Settings, *, demo: bool = False) -> int:
    """Run the full-screen app; its exit status. A box office that could not open showed
    why full screen; the same sentence is left on the shell (stderr) once it quits."""
    from cinema_tui.app import create_app

    app = create_app(settings, demo=demo)
    try:
        app.run()
    except KeyboardInterrupt:  # Textual has restored the terminal by now
        return 130
    if app.startup_error:  # shown full screen; left on the shell too, once it is back
        print(f"cinema-tui: {app.startup_error}", file=sys.stderr)
        return app.return_code or 1
    return app.return_code or 0


if __name__ == "__main__":
    sys.exit(main())
