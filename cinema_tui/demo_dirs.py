"""Throw-away demo cinemas: private temporary directories that are always cleaned up.

A demo cinema (``cinema-tui --demo``, each ``serve-ssh --mode demo`` session, each
``serve-web --demo`` tab) lives in its own directory under the system's temporary
folder, made with mode 700. Whoever made it removes it when the demo ends. A process that
is killed (SIGKILL, a power cut) cannot, so each directory carries a marker naming the
process that owns it; the next demo or demo server to start removes every marked
directory whose owner is gone. Only directories with our marker are ever removed, so a
stranger's ``cinema-demo-*`` folder is left alone.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

PREFIX = "cinema-demo-"
MARKER = ".cinema-demo-owner"


def make_demo_dir(owner_pid: int | None = None) -> Path:
    """A fresh private directory for one demo cinema, marked as ``owner_pid``'s
    (default: this process)."""
    path = Path(tempfile.mkdtemp(prefix=PREFIX))  # mkdtemp makes it 700
    marker = {"pid": owner_pid or os.getpid(), "uid": os.getuid()}
    fd = os.open(path / MARKER, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump(marker, fh)
    return path


def remove_demo_dir(path: Path | str) -> None:
    """Remove one demo cinema (nothing happens if it has gone already)."""
    shutil.rmtree(path, ignore_errors=True)


def _owner_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    try:  # a killed process its parent has not reaped yet (a zombie) has gone too
        stat = Path(f"/proc/{pid}/stat").read_text()
        return stat.rpartition(")")[2].split()[0] != "Z"
    except (OSError, IndexError):
        return True


def sweep_abandoned_demo_dirs(root: Path | None = None) -> list[Path]:
    """Remove the demo cinemas whose owner process has gone; returns what was removed."""
    root = Path(root or tempfile.gettempdir())
    removed = []
    try:
        candidates = list(root.glob(PREFIX + "*"))
    except OSError:
        return removed
    for path in candidates:
        try:
            if path.is_symlink() or not path.is_dir() or path.stat().st_uid != os.getuid():
                continue
            marker = json.loads((path / MARKER).read_text())
            pid = int(marker["pid"])
        except (OSError, ValueError, KeyError, TypeError):
            continue  # not ours, or not marked: leave it
        if pid != os.getpid() and not _owner_alive(pid):
            remove_demo_dir(path)
            removed.append(path)
    return removed
