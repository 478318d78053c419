"""The operator's commands: ``check``, ``backup``, ``restore`` and ``migrate``.

Each prints what it did in plain sentences and returns the process exit status (0: all
is well; 1: something is wrong, said in a sentence; 2: it could not run). Work that
takes longer than a second shows a progress bar (rich) on a terminal.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from rich.console import Console
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn

from backend import maintenance
from backend.api import SERVICE_NAMES, BoxOfficeError, Settings

if TYPE_CHECKING:
    from backend.maintenance import AuditReport

T = TypeVar("T")
#: How long work runs before a progress bar appears.
QUIET_S = 1.0


def with_progress(title: str, work: Callable[[Callable[[str, int, int], None]], T],
                  console: Console) -> T:
    """Run ``work(report)`` in a thread; after ``QUIET_S`` show a bar that follows what
    ``report(step, done, total)`` last said."""
    state: dict[str, Any] = {"step": "", "done": 0, "total": 1}
    outcome: dict[str, Any] = {}

    def report(step: str, done: int, total: int) -> None:
        state.update(step=step, done=done, total=max(total, 1))

    def run() -> None:
        try:
            outcome["value"] = work(report)
        except BaseException as exc:  # noqa: BLE001 (raised again in the caller's thread)
            outcome["error"] = exc

    thread = threading.Thread(target=run, name=title, daemon=True)
    thread.start()
    thread.join(QUIET_S)
    if thread.is_alive() and console.is_terminal:
        with Progress(TextColumn("{task.description}"), BarColumn(), TaskProgressColumn(),
                      console=console, transient=True) as progress:
            task = progress.add_task(title, total=1)
            while thread.is_alive():
                progress.update(task, description=f"{title}: {state['step']}",
                                completed=state["done"], total=state["total"])
                thread.join(0.1)
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def _databases_exist(settings: Settings) -> bool:
    return any(settings.database_url(s) != f"sqlite:///{settings.data_dir / (s + '.db')}"
               or (Path(settings.data_dir) / f"{s}.db").exists() for s in SERVICE_NAMES)


def check(settings: Settings, console: Console) -> int:
    """The full check: schemas, identity and agreement, then the audit of every invariant."""
    if not _databases_exist(settings):
        console.print(f"There is no box office in {settings.data_dir} (no databases).")
        return 2
    console.print(f"Checking the box office in {settings.data_dir}")
    try:
        plans = with_progress("schemas and identity",
                              lambda report: maintenance.check_only(settings), console)
    except BoxOfficeError as exc:
        console.print(f"[bold red]✗[/] {exc}")
        return 1
    pending = [p for p in plans.values() if p.pending]
    empty = [p.service for p in plans.values() if p.current is None and not p.adopt]
    for plan in plans.values():
        if plan.service in empty:
            state = f"empty (no tables); the next start creates them at {plan.head}"
        elif plan.pending:
            state = f"at {plan.current or 'v0.1.0'}; the next start migrates it to {plan.head}"
        else:
            state = f"at {plan.head}, the code's schema"
        console.print(f"  {plan.service}: {state}")
    if not pending:
        console.print("  identity and agreement: the four databases belong to this cinema "
                      "and none is behind the others")
    if empty:
        # Nothing to audit in a database without tables (and nothing sold in it to lose).
        console.print(f"  audit: skipped, the {', '.join(empty)} database(s) have no tables "
                      "yet (cinema-tui migrate, or starting the box office, creates them)")
        return 0
    try:
        report = with_progress("audit", lambda report: maintenance.audit(settings), console)
    except BoxOfficeError as exc:
        console.print(f"[bold red]✗[/] {exc}")
        return 1
    counts = report.counts
    console.print(f"  audit: {counts['bookings']:,} bookings, {counts['payments']:,} payments, "
                  f"{counts['tickets']:,} tickets")
    if report.ok:
        console.print("[bold green]✓[/] No problem found.")
        return 0
    if report.sound:
        return _work_on_its_way(report, console)
    waiting = set(report.unfinished)
    for violation in report.violations:
        if violation not in waiting:
            console.print(f"[bold red]✗[/] {violation}")
    if waiting:
        console.print(f"  (and {report.found['unfinished']:,} findings of work still on its "
                      "way, which the box office finishes when it runs)")
    if report.counts["dead letters"]:
        console.print("Messages were given up on (dead letters): the sales behind them stand "
                      "still. Fix the cause, then retry them on the Ops screen (F5); restoring "
                      "a backup would lose those sales.")
    console.print("Something is wrong (see above). If the box office was running, let it "
                  "settle and check again; otherwise restore a backup (cinema-tui restore).")
    return 1


def _work_on_its_way(report: AuditReport, console: Console) -> int:
    """Nothing is damaged; some sales were left midway (the box office was stopped while
    they waited, say for the cinema). Told apart from damage, because the advice for
    damage (restore a backup) would throw those very sales away."""
    for line in report.unfinished:
        console.print(f"[bold yellow]…[/] {line}")
    more = report.found["unfinished"] - len(report.unfinished)
    if more > 0:
        console.print(f"[bold yellow]…[/] and {more:,} more")
    console.print("[bold green]✓[/] Nothing is damaged. Some work is still on its way: the "
                  "box office finishes it when it runs (start it, let it settle, and check "
                  "again to see the books square). Nothing is lost; do not restore a backup "
                  "for this.")
    return 0


def backup(settings: Settings, destination: Path, console: Console) -> int:
    try:
        result = with_progress(
            "backup", lambda report: maintenance.backup(settings, destination, report), console)
    except BoxOfficeError as exc:
        console.print(f"cinema-tui: {exc}")
        return 1
    console.print(f"Backed up the {', '.join(result.services)} databases of "
                  f"{settings.data_dir} into {result.destination} ({result.seconds:.1f} s).")
    console.print(f"To put it back: cinema-tui restore {result.destination}")
    return 0


def restore(settings: Settings, source: Path, console: Console) -> int:
    try:
        result = with_progress("restore", lambda report: maintenance.restore(settings, source), console)
    except BoxOfficeError as exc:
        console.print(f"cinema-tui: {exc}")
        return 1
    console.print(f"Restored {source} into {settings.data_dir}.")
    if result.set_aside is not None:
        console.print(f"The databases it replaced are kept in {result.set_aside}.")
    return check(settings, console)


def migrate(settings: Settings, console: Console, dry_run: bool) -> int:
    if not _databases_exist(settings):
        console.print(f"There is no box office in {settings.data_dir} (no databases).")
        return 2
    try:
        plans = with_progress("migrate", lambda report: (maintenance.check_only if dry_run
                                                          else maintenance.migrate)(settings),
                              console)
    except BoxOfficeError as exc:
        console.print(f"cinema-tui: {exc}")
        return 1
    for plan in plans.values():
        if not plan.pending:
            console.print(f"  {plan.service}: at {plan.head}, nothing to do")
            continue
        done = ["adopt the v0.1.0 tables"] if plan.adopt else []
        done += [f"migrate to {step}" for step in plan.steps]
        console.print(f"  {plan.service}: {'would ' if dry_run else ''}{', then '.join(done)}"
                      f"{'' if dry_run else ': done'}")
    return 0


def run(command: str, args: Any, settings: Settings) -> int:
    """Run one operator command from the parsed arguments."""
    console = Console(file=sys.stdout, highlight=False, soft_wrap=True)
    if command == "check":
        return check(settings, console)
    if command == "backup":
        return backup(settings, args.destination, console)
    if command == "restore":
        return restore(settings, args.source, console)
    return migrate(settings, console, dry_run=args.dry_run)
