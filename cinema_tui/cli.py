"""``cinema-tui``: start the box office on the bundled demo cinema (or your own).

Argument and settings problems are printed as one sentence and exit with status 2;
a traceback never reaches the clerk's terminal.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from backend.errors import BoxOfficeError
from backend.settings import Settings, default_config_file, default_data_dir


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cinema-tui",
        description="행복 Cinema box office: sell seats, take payment, cancel and refund, "
        "and see every booking's history, from the keyboard.",
    )
    parser.add_argument(
        "--data-dir", type=Path, default=None,
        help=f"where all state is kept (default: {default_data_dir()})",
    )
    parser.add_argument(
        "--config", type=Path, default=None,
        help=f"settings file in TOML (default: {default_config_file()} if it exists)",
    )
    parser.add_argument("--lang", choices=("ko", "en"), default=None, help="language of the UI")
    return parser


def load_settings(args: argparse.Namespace) -> Settings:
    return Settings.load(args.config, data_dir=args.data_dir, language=args.lang)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings(args)
    except BoxOfficeError as exc:
        print(f"cinema-tui: {exc}", file=sys.stderr)
        return 2
    from cinema_tui.app import create_app

    app = create_app(settings)
    try:
        app.run()
    except KeyboardInterrupt:  # Textual has restored the terminal by now
        return 130
    return app.return_code or 0


if __name__ == "__main__":
    sys.exit(main())
