"""Shown when the box office cannot start: why, in one sentence, and how to leave."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Center, Middle
from textual.screen import Screen
from textual.widgets import Static

from cinema_tui.app_text import AppText
from cinema_tui.messages import LanguageChanged


class StartupFailedScreen(AppText, Screen[None]):
    """The backend could not start: say why, in one sentence, and how to leave."""

    BINDINGS = [Binding("q", "app.quit", "Quit", id="quit")]

    def __init__(self, message: str) -> None:
        super().__init__()
        self.message = message

    def compose(self) -> ComposeResult:
        with Middle():
            with Center():
                yield Static(self.tr("app.failed"), id="startup-failed-title")
            with Center():
                yield Static(self.message, id="startup-error")
            with Center():
                yield Static(self.tr("app.quit_hint"), id="startup-quit-hint")

    async def on_language_changed(self, message: LanguageChanged) -> None:
        await self.recompose()
