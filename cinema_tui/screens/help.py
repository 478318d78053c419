"""Every key of every screen, listed from the live bindings (so it never goes stale)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

from cinema_tui.app_text import AppText
from cinema_tui.i18n import has
from cinema_tui.messages import LanguageChanged


def _describe(binding: Binding) -> str:
    return binding.description or binding.action


class HelpScreen(AppText, ModalScreen[None]):
    """All keys: global ones and those of each screen the app has."""

    BINDINGS = [Binding("escape,f1,q", "dismiss", "Close", id="help-close")]

    def compose(self) -> ComposeResult:
        t = self.tr
        with VerticalScroll(id="help-body"):
            yield Static(t("help.title"), id="help-title")
            yield DataTable(id="help-keys", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        from cinema_tui.screens import all_screens

        t = self.tr
        table = self.query_one("#help-keys", DataTable)
        table.add_columns(t("help.key"), t("help.action"), "")
        rows: list[tuple[str, str, str]] = [("ctrl+p", t("help.palette"), t("help.everywhere"))]
        for b in self.app.BINDINGS:
            if isinstance(b, Binding):
                rows.append((b.key, _label(self, b), t("help.everywhere")))
        for title, screen_cls in all_screens(self.app):
            for b in getattr(screen_cls, "BINDINGS", []):
                if isinstance(b, Binding):
                    rows.append((b.key, _label(self, b), title))
                elif isinstance(b, tuple) and len(b) >= 3:
                    rows.append((b[0], b[2], title))
        for row in rows:
            table.add_row(*row)
        table.focus()

    async def on_language_changed(self, message: LanguageChanged) -> None:
        await self.recompose()


def _label(screen: HelpScreen, b: Binding) -> str:
    """A binding's description, translated when its id names a known key."""
    key = f"key.{b.id}" if b.id else ""
    if key and has(key):
        return screen.tr(key)
    return _describe(b)
