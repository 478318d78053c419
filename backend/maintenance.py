"""The operator's door: checking, migrating, backing up and restoring a data directory.

``backend.api`` is what a clerk's screens may ask of a running box office; this module
is what the operator commands (``cinema-tui check|backup|restore|migrate``) may do to a
data directory while no box office, or any number of them, runs on it. Both are public:
``cinema_tui`` imports from ``backend``, ``backend.api`` and this module only (a test
holds it to that). Each function loads its machinery (SQLAlchemy, Alembic) on first
call, so importing this module costs nothing at start-up.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from backend.settings import Settings, default_config_file, default_data_dir

if TYPE_CHECKING:
    from backend.audit import AuditReport
    from backend.backup import BackupResult, RestoreResult
    from backend.schema.migrations import MigrationPlan


def check_only(settings: Settings) -> dict[str, MigrationPlan]:
    """Each database's migration plan and the identity/agreement checks, changing nothing."""
    from backend.integrity import check_only as run

    return run(settings)


def migrate(settings: Settings) -> dict[str, MigrationPlan]:
    """Bring every database to the code's schema (what a start does first)."""
    from backend.integrity import check_at_start

    return check_at_start(settings)


def audit(settings: Settings) -> AuditReport:
    """Check every invariant of the stored data (no seat sold twice, money adds up, ...)."""
    from backend.audit import audit as run
    from backend.bootstrap import load_settings_catalog

    return run(settings, load_settings_catalog(settings))


def backup(settings: Settings, destination: Path,
           report: Callable[[str], Any] | None = None) -> BackupResult:
    """A consistent copy of all four databases, taken while box offices keep selling."""
    from backend.backup import backup as run

    return run(settings, destination, report)


def restore(settings: Settings, source: Path) -> RestoreResult:
    """Put a backup back (no box office may be running); the replaced files are kept."""
    from backend.backup import restore as run

    return run(settings, source)


__all__ = [
    "Settings", "audit", "backup", "check_only", "default_config_file", "default_data_dir",
    "migrate", "restore",
]
