"""Shown when the box office cannot start: why, in one sentence, and how to leave."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Center, Middle
from textual.screen import Screen
from textual.widgets import Static


class StartupFailedScreen(Screen[None]):
    """The backend could not start: say why, in one sentence, and how to leave."""

    BINDINGS = [("q", "app.quit", "Quit")]

    def __init__(self, message: str) -> None:
        super().__init__()
        self.message = message

    def compose(self) -> ComposeResult:
        with Middle():
            with Center():
                yield Static(self.app.t("app.failed"), id="startup-failed-title")
            with Center():
                yield Static(self.message, id="startup-error")
            with Center():
                yield Static(self.app.t("app.quit_hint"), id="startup-quit-hint")
