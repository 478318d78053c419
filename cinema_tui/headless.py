"""``cinema-tui`` without a terminal: no full-screen UI, one sentence instead.

Started from a script, a service manager or a pipe, the box office's screen would be
escape sequences in a log, with nobody to press a key. So ``cinema-tui`` checks, before
it draws, that it has a terminal; without one it checks the data directory the way the
app would when it starts (the data files, then the directory, then the databases, as
``cinema-tui check`` reads them) and says in one sentence either what is wrong with it
or that the box office needs a terminal. The sentence is in the clerk's language.

textual-serve runs the app with pipes and its own driver (``TEXTUAL_DRIVER``): that is a
screen too, in a browser, so it is let through.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TextIO

from backend.api import SERVICE_NAMES, Settings
from cinema_tui.errors import human_message
from cinema_tui.i18n import t

#: Exit status when the app was started without a terminal (as for a usage error).
NO_TERMINAL = 2
#: Exit status when the data directory cannot be used (as when the app could not start).
UNUSABLE = 1


def has_terminal(streams: tuple[TextIO, ...] | None = None) -> bool:
    """Whether the app can draw and read keys: stdin, stdout and stderr (Textual draws on
    stderr) are a terminal, or Textual was given another driver (a browser's)."""
    if os.environ.get("TEXTUAL_DRIVER"):
        return True
    streams = streams or (sys.stdin, sys.stdout, sys.stderr)
    return all(stream is not None and stream.isatty() for stream in streams)


def data_dir_problem(settings: Settings) -> str | None:
    """Why the app could not open on these settings, in a sentence, or None.

    Nothing is made or changed: a directory without databases yet is only checked for
    being one the app could make them in (the app makes them when it starts, with its
    own modes, and empty files made here would be neither migrated nor private).
    """
    from backend import BoxOffice
    from backend.maintenance import check_only

    lang = settings.language
    try:
        BoxOffice(settings).catalog  # noqa: B018 - the data files, read as the app reads them
        if not _has_databases(settings):
            return _directory_problem(Path(settings.data_dir), lang)
        check_only(settings)
    except Exception as exc:  # noqa: BLE001 - whatever it is, one sentence, no traceback
        return human_message(exc, lang)
    return None


def _has_databases(settings: Settings) -> bool:
    """Whether any service's database exists (one on a database server always may)."""
    for service in SERVICE_NAMES:
        url = settings.database_url(service)
        if not url.startswith("sqlite:///") or Path(url.removeprefix("sqlite:///")).exists():
            return True
    return False


def _directory_problem(directory: Path, lang: str) -> str | None:
    """Why files could not be kept in ``directory`` (or made there, for one that does not
    exist yet: its nearest existing parent decides), without making anything."""
    existing = directory
    while not os.path.lexists(existing) and existing.parent != existing:
        existing = existing.parent
    if existing.is_dir() and os.access(existing, os.W_OK | os.X_OK):
        return None
    if existing == directory:
        key = "cli.not_writable" if existing.is_dir() else "cli.not_a_directory"
    else:
        key = "cli.parent_not_writable" if existing.is_dir() else "cli.parent_not_a_directory"
    reason = t(key, lang, path=existing)
    return t("cli.data_dir_unusable", lang, path=directory, reason=reason)


def refuse_without_terminal(settings: Settings) -> int:
    """Say on stderr why the box office does not open here; the exit status."""
    problem = data_dir_problem(settings)
    if problem is not None:
        print(f"cinema-tui: {problem}", file=sys.stderr)
        return UNUSABLE
    print(f"cinema-tui: {t('cli.needs_terminal', settings.language)}", file=sys.stderr)
    return NO_TERMINAL


__all__ = ["NO_TERMINAL", "UNUSABLE", "data_dir_problem", "has_terminal",
           "refuse_without_terminal"]
