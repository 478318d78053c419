"""Command palette entries for every action: the app's and the current screen's.

The palette (Ctrl+P) is the clerk's way to find an action without remembering its key:
each entry is named in the current language, and the current screen's own keys (select
seat, pay, cancel booking...) are offered next to the global ones.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from textual.app import SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from cinema_tui.i18n import has

if TYPE_CHECKING:
    from cinema_tui.app import BoxOfficeApp

GLOBAL = (
    ("home", "action_home"),
    ("find", "action_find"),
    ("history", "action_history"),
    ("ops", "action_ops"),
    ("help", "action_help"),
    ("language", "action_switch_language"),
    ("theme", "action_toggle_theme"),
    ("quit", "action_quit"),
)


def box_office_commands(app: "BoxOfficeApp", screen: Screen[object]) -> Iterable[SystemCommand]:
    """Every action the clerk can take from here."""
    for key, method in GLOBAL:
        yield SystemCommand(app.t(f"cmd.{key}"), app.t(f"cmd.{key}"), getattr(app, method))
    for binding in type(screen).BINDINGS:
        if not isinstance(binding, Binding) or not binding.description:
            continue
        title = app.t(f"key.{binding.id}") if binding.id and has(f"key.{binding.id}") else (
            binding.description
        )
        action = binding.action

        async def run(action: str = action) -> None:
            await screen.run_action(action)

        yield SystemCommand(f"{title} ({binding.key})", app.t("cmd.screen"), run)
