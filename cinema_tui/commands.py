"""Command palette entries for every action: the app's and the current screen's.

The palette (Ctrl+P) is the clerk's way to find an action without remembering its key:
each entry is named once, in the current language, and its help line says which key
does the same and where ("F3 · Everywhere", "^s · Checkout"), after the settings'
``[keymap]``. The current screen's own actions (pay, cancel booking, next day...) are
offered next to the global ones; a screen binding that is only the global command
guarded (checkout's F2 asks first) is not offered twice, nor are cursor moves.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from textual.app import SystemCommand
from textual.command import CommandPalette
from textual.screen import Screen

from cinema_tui.keymap import (
    CURSOR_KEYS,
    KeyRow,
    current_keymap,
    key_rows,
    label,
    row_keys_shown,
    visible,
)
from cinema_tui.screens import binding_places

if TYPE_CHECKING:
    from cinema_tui.app import BoxOfficeApp

#: (binding id, app method) of the global commands, in the palette's order; each id has
#: its ``cmd.<id>`` name.
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


def open_palette(app: BoxOfficeApp) -> None:
    """Open the palette with its prompt in the clerk's language (Textual's own
    ``action_command_palette`` always says "Search for commands…")."""
    if app.use_command_palette and not CommandPalette.is_open(app):
        app.push_screen(CommandPalette(placeholder=app.t("cmd.placeholder"),
                                       id="--command-palette"))


def box_office_commands(app: BoxOfficeApp, screen: Screen[object]) -> Iterable[SystemCommand]:
    """Every action the clerk can take from here, each once."""
    keymap = current_keymap(app)
    places = binding_places(type(app))
    global_rows = {row.id: row for row in key_rows(places[0], keymap) if row.id}
    here = next((p for p in places if p.owner is type(screen)), None)
    screen_rows = visible(key_rows(here, keymap)) if here else []
    here_title = app.t(here.title_key) if here else ""
    everywhere = app.t("help.everywhere")
    for binding_id, method in GLOBAL:
        row = global_rows.get(binding_id)
        keys = row_keys_shown(app, row) if row else ""
        if row is not None and any(set(r.keys) & set(row.keys) and r.id != row.id
                                   for r in screen_rows if label(app, r.binding)):
            where = app.t("help.except", what=everywhere, places=here_title)
        else:
            where = everywhere
        yield SystemCommand(app.t(f"cmd.{binding_id}"),
                            app.t("cmd.key_where", keys=keys, where=where) if keys else where,
                            getattr(app, method))
    for row in screen_rows:
        title = label(app, row.binding)
        if title is None or row.id in global_rows or _moves_cursor(row):
            continue
        action = row.binding.action

        async def run(action: str = action) -> None:
            await screen.run_action(action)

        yield SystemCommand(
            title,
            app.t("cmd.key_where", keys=row_keys_shown(app, row), where=here_title),
            run,
        )


def _moves_cursor(row: KeyRow) -> bool:
    """A binding that only moves a cursor (seat left, row back): no use as a command.
    Judged by its declared keys, so a remap does not change what the palette offers."""
    declared = [b for b in key_rows(row.place) if b.id == row.id]
    return bool(declared) and all(k in CURSOR_KEYS for k in declared[0].keys)
