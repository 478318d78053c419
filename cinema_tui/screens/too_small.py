"""Shown instead of a broken layout when the terminal is smaller than the minimum."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Center, Middle
from textual.screen import ModalScreen
from textual.widgets import Static

from cinema_tui.app_text import AppText
from cinema_tui.messages import LanguageChanged


class TooSmallScreen(AppText, ModalScreen[None]):
    """Please enlarge the terminal; goes away by itself once it is big enough."""

    def __init__(self, min_width: int, min_height: int) -> None:
        super().__init__()
        self.min_width = min_width
        self.min_height = min_height

    def compose(self) -> ComposeResult:
        with Middle():
            with Center():
                yield Static(self._text(), id="too-small-message")

    def _text(self) -> str:
        return self.tr(
            "app.too_small",
            width=self.app.size.width,
            height=self.app.size.height,
            min_width=self.min_width,
            min_height=self.min_height,
        )

    def on_resize(self) -> None:
        self.query_one("#too-small-message", Static).update(self._text())

    async def on_language_changed(self, message: LanguageChanged) -> None:
        await self.recompose()
