"""Backing up a running box office, and putting a backup back.

**One moment for all four databases.** Each service has its own database, and a saga's
steps land in them one after another, so copying them one by one while clerks sell would
copy, say, a payment whose booking is not in the reservation copy. The backup therefore
takes the write lock of all four databases at once (in a fixed order; clerks' writes wait
a few milliseconds), opens a read snapshot on each, lets the writers go, and then copies
each snapshot with SQLite's online backup API while selling continues. The four copies
are the books as they stood at one instant, a state from which the box office can always
carry on.

**Restore** refuses while a box office is running on the data directory (see
``backend.occupancy``), moves the databases it replaces aside (never deletes them), and
copies the backup in.

Only SQLite databases are copied; a service on PostgreSQL is backed up with the server's
own tools (``pg_dump``), and the command says so.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from backend.errors import StorageError
from backend.messaging.messages import SERVICES
from backend.occupancy import exclusive
from backend.private_files import private_directory, tighten_database_files
from backend.settings import Settings
from backend.storage import where_of

MANIFEST = "backup.json"

#: ``progress(service, pages_done, pages_total)`` while a database is copied.
Progress = Callable[[str, int, int], None]


@dataclass
class BackupResult:
    destination: Path
    services: list[str]
    seconds: float


def _sqlite_path(settings: Settings, service: str) -> Path:
    url = settings.database_url(service)
    if not url.startswith("sqlite:///"):
        raise StorageError(
            f"The {service} database is on a database server ({where_of(url)}); back it up "
            "with the server's own tools (for PostgreSQL: pg_dump)."
        )
    return Path(url.split("///", 1)[1])


def backup(settings: Settings, destination: Path, progress: Progress | None = None) -> BackupResult:
    """Copy the four databases, as they are at one instant, into ``destination`` (a new or
    empty directory), while the box office keeps selling."""
    started = time.monotonic()
    sources = {service: _sqlite_path(settings, service) for service in SERVICES}
    for service, path in sources.items():
        if not path.exists():
            raise StorageError(f"There is no {service} database at {path} to back up.")
    destination = Path(destination)
    if destination.exists() and any(destination.iterdir()):
        raise StorageError(f"{destination} is not empty: choose a new directory for the backup.")
    private_directory(destination)
    writers = {s: sqlite3.connect(p, timeout=30, isolation_level=None) for s, p in sources.items()}
    readers = {s: sqlite3.connect(p, timeout=30, isolation_level=None) for s, p in sources.items()}
    try:
        for service in SERVICES:  # the same order as every other taker of all four
            writers[service].execute("BEGIN IMMEDIATE")
        for service in SERVICES:  # a read snapshot of each, at this one instant
            readers[service].execute("BEGIN")
            readers[service].execute("SELECT count(*) FROM sqlite_master").fetchone()
        for service in SERVICES:
            writers[service].execute("ROLLBACK")
        for service in SERVICES:
            target_path = destination / f"{service}.db"
            target = sqlite3.connect(target_path)
            try:
                readers[service].backup(
                    target,
                    progress=(lambda status, remaining, total, s=service:
                              progress(s, total - remaining, total)) if progress else None,
                )
                target.execute("PRAGMA journal_mode=DELETE")
            finally:
                target.close()
            tighten_database_files(target_path)
            if progress:
                progress(service, 1, 1)
    except sqlite3.Error as exc:
        raise StorageError(f"The backup into {destination} failed: {exc}.") from exc
    finally:
        for conn in (*writers.values(), *readers.values()):
            conn.close()
    manifest = destination / MANIFEST
    manifest.write_text(json.dumps({
        "made_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "data_dir": str(Path(settings.data_dir).resolve()),
        "services": list(SERVICES),
    }, indent=2))
    tighten_database_files(manifest)
    return BackupResult(destination, list(SERVICES), time.monotonic() - started)


@dataclass
class RestoreResult:
    set_aside: Path | None
    services: list[str]


def restore(settings: Settings, source: Path) -> RestoreResult:
    """Put the backup in ``source`` in place of the data directory's databases."""
    source = Path(source)
    missing = [s for s in SERVICES if not (source / f"{s}.db").is_file()]
    if missing:
        raise StorageError(
            f"{source} is not a complete backup: it has no {', '.join(missing)} database."
        )
    for service in SERVICES:
        try:
            with sqlite3.connect(f"file:{source / f'{service}.db'}?mode=ro", uri=True) as conn:
                conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlite3.Error as exc:
            raise StorageError(f"The {service} database in {source} is damaged ({exc}).") from exc
    targets = {service: _sqlite_path(settings, service) for service in SERVICES}
    data_dir = private_directory(Path(settings.data_dir))
    claim = exclusive(data_dir)
    if claim is None:
        raise StorageError(
            f"A box office is running on {data_dir}: quit every box office using it (and stop "
            "serve-ssh and serve-web) before restoring."
        )
    try:
        aside = data_dir / f"replaced-{time.strftime('%Y%m%d-%H%M%S')}"
        moved = False
        for service, target in targets.items():
            for path in sorted(target.parent.glob(target.name + "*")):
                aside.mkdir(mode=0o700, exist_ok=True)
                shutil.move(str(path), aside / path.name)
                moved = True
        for service, target in targets.items():
            target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            shutil.copyfile(source / f"{service}.db", target)
            tighten_database_files(target)
    finally:
        os.close(claim)
    return RestoreResult(aside if moved else None, list(SERVICES))
