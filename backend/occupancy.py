"""Whether a box office is running on a data directory: a shared lock every one holds.

Each running box office holds a shared ``flock`` on ``<data dir>/.in-use`` for as long as
it is open; any number can hold it at once. ``cinema-tui restore`` needs it exclusively,
so it cannot replace the databases under a running box office. The kernel drops the lock
when a process dies, however it dies, so a crash never leaves a data directory "busy".
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

LOCK_NAME = ".in-use"


class InUse:
    """A running box office's claim on its data directory (shared with the others)."""

    def __init__(self, data_dir: Path) -> None:
        self.path = Path(data_dir) / LOCK_NAME
        self._fd: int | None = None

    def acquire(self) -> None:
        """Take the shared claim (never waits: only ``restore`` takes it exclusively, and
        only for a moment)."""
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            if os.fstat(fd).st_uid == os.getuid():
                os.fchmod(fd, 0o600)  # private like every file of the data directory
            fcntl.flock(fd, fcntl.LOCK_SH)
        except OSError:
            os.close(fd)
            raise
        self._fd = fd

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)  # closing the file drops the lock


def exclusive(data_dir: Path) -> int | None:
    """The exclusive claim on a data directory (an fd to close when done), or None while
    a box office is running on it."""
    fd = os.open(Path(data_dir) / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    return fd
