"""Every key of every screen, listed from the live bindings (so it never goes stale).

A clerk reads it as the footer speaks: each key as the footer shows it (``[``, ``/``,
``F5``, ``^s``), after the settings' ``[keymap]``, with what it does in the current
language, under a heading for the screen where it works; the keys that work everywhere
come first. A key listed under "Everywhere" that means something else on some screen
says so (F5 is Ops, except where checkout uses it for cash). Bindings without a
``key.<id>`` text are plumbing (focus moves, priority keys) and are not listed.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

from cinema_tui.app_text import AppText
from cinema_tui.keymap import (
    KeyRow,
    current_keymap,
    key_rows,
    label,
    row_keys_shown,
    shown_key,
    visible,
)
from cinema_tui.messages import LanguageChanged
from cinema_tui.screens import Place, binding_places

if TYPE_CHECKING:
    from cinema_tui.app import BoxOfficeApp

#: A heading and its (keys, what they do) lines.
Section = tuple[str, list[tuple[str, str]]]


class HelpScreen(AppText, ModalScreen[None]):
    """All keys: global ones, then those of each screen the app has."""

    CSS_PATH = Path(__file__).with_name("help.tcss")

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "dismiss", "Close", id="help_close"),
        # the key that opened it closes it too, also when the keymap moved it
        Binding("f1", "dismiss", "Close", id="help", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        #: what the table shows, section by section (headings in the clerk's language)
        self.sections: list[Section] = []

    def compose(self) -> ComposeResult:
        with Vertical(id="help-body"):
            yield Static(self.tr("help.title"), id="help-title")
            yield DataTable(id="help-keys", cursor_type="row", show_header=False)

    def on_mount(self) -> None:
        self._fill()

    async def on_language_changed(self, message: LanguageChanged) -> None:
        await self.recompose()
        self._fill()

    def _fill(self) -> None:
        self.sections = help_sections(self.app)
        table = self.query_one("#help-keys", DataTable)
        table.clear(columns=True)
        table.add_column(self.tr("help.key"), key="key")
        table.add_column(self.tr("help.action"), key="action")
        for n, (title, lines) in enumerate(self.sections):
            table.add_row(Text(title, style="bold underline"), "", key=f"section-{n}")
            for i, (keys, what) in enumerate(lines):
                table.add_row(Text(keys, style="bold"), what, key=f"section-{n}-{i}")
        table.focus()


def help_sections(app: BoxOfficeApp) -> list[Section]:
    """The help's content: (heading, [(keys as shown, what they do)]) per place."""
    keymap = current_keymap(app)
    places = binding_places(type(app))
    rows = {place.name: [r for r in visible(key_rows(place, keymap))
                         if label(app, r.binding) is not None]
            for place in places}
    global_ids = {r.id for r in rows["app"]}
    sections: list[Section] = []
    for place in places:
        lines = []
        for row in rows[place.name]:
            if not place.is_global and row.id in global_ids:
                continue  # the same command as the global key (checkout only asks first)
            what = label(app, row.binding, long=place.is_global) or ""
            if place.is_global:
                shadowed = _shadowed_on(app, row, places, rows)
                if shadowed:
                    what = app.t("help.except", what=what, places=", ".join(shadowed))
            lines.append((row_keys_shown(app, row), what))
        if place.is_global:
            palette = Binding(app.COMMAND_PALETTE_BINDING, "command_palette")
            lines.append((shown_key(app, palette), app.t("help.palette")))
        if lines:
            sections.append((app.t(place.title_key), lines))
    return sections


def _shadowed_on(
    app: BoxOfficeApp, row: KeyRow, places: list[Place], rows: dict[str, list[KeyRow]]
) -> list[str]:
    """The places where a global key means something else (a screen's own binding)."""
    return [
        app.t(place.title_key)
        for place in places
        if not place.is_global
        and any(other.id != row.id and set(other.keys) & set(row.keys)
                for other in rows[place.name])
    ]
