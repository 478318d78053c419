"""The cinema's files are its owner's alone: directories 700, files 600, whatever the umask.

The data directory holds phone numbers and booking codes, and a booking code is all it
takes to cancel and refund a booking, so nobody else on the machine may read it. A
umask is the process's business and differs between a login shell, a service manager
and an SSH server, so every directory and file the box office makes gets its mode
explicitly; one made by an earlier version with looser modes is tightened when the box
office starts on it.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

DIRECTORY_MODE = 0o700
FILE_MODE = 0o600


def _tighten(path: Path, mode: int) -> None:
    """Take away every permission beyond ``mode`` from a path we own."""
    try:
        info = path.lstat()
    except FileNotFoundError:
        return
    if stat.S_ISLNK(info.st_mode) or info.st_uid != os.getuid():
        return  # not ours to change: a link's target, or another user's file
    if stat.S_IMODE(info.st_mode) & ~mode:
        path.chmod(stat.S_IMODE(info.st_mode) & mode)


def private_directory(path: Path) -> Path:
    """Make ``path`` (and missing parents) if needed, and make ``path`` itself 700.

    A directory shared by everyone (sticky bit, like ``/tmp``) is never changed: a data
    directory pointed at one by mistake must not lock the machine's other users out.
    """
    path.mkdir(mode=DIRECTORY_MODE, parents=True, exist_ok=True)
    if not path.stat().st_mode & stat.S_ISVTX:
        _tighten(path, DIRECTORY_MODE)
    return path


def tighten_database_files(database: Path) -> None:
    """A SQLite database and its companions (WAL, shared memory, journal) made 600.

    Called once SQLite has made the files: later WAL and journal files get the
    database file's mode from SQLite itself.
    """
    for suffix in ("", "-wal", "-shm", "-journal"):
        _tighten(database.with_name(database.name + suffix), FILE_MODE)


def write_private_text(path: Path, text: str) -> Path:
    """Write ``text`` to ``path`` atomically (a temporary file, then a rename), mode 600."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.chmod(tmp, FILE_MODE)  # O_CREAT's mode is ignored when the file existed
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path
