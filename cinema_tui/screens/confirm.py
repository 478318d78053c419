"""A yes/no question before anything that cannot be undone (a cancellation, a refund).

``ConfirmScreen(question)`` is a modal that dismisses with ``True`` (yes) or ``False``
(no). Keys: ``y`` yes, ``n`` or Escape no; Tab moves between the two buttons and Enter
presses the focused one. "No" has the focus at first, so a stray Enter changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from cinema_tui.app_text import AppText
from cinema_tui.messages import LanguageChanged


class ConfirmScreen(AppText, ModalScreen[bool]):
    """Ask a question; dismiss with True for yes and False for no."""

    CSS_PATH = Path(__file__).with_name("confirm.tcss")

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Yes", id="confirm_yes"),
        Binding("n,escape", "answer(False)", "No", id="confirm_no"),
        Binding("left,right", "app.focus_next", show=False),
    ]

    def __init__(self, question: str | Callable[[], str], *, title: str | None = None) -> None:
        """``question`` may be a function, so it is asked again after a language switch."""
        super().__init__()
        self.question = question
        self.heading = title

    def _question(self) -> str:
        return self.question() if callable(self.question) else self.question

    def compose(self) -> ComposeResult:
        t = self.tr
        with Vertical(id="confirm-box"):
            yield Static(self.heading or t("confirm.title"), id="confirm-title")
            yield Static(self._question(), id="confirm-question")
            with Horizontal(id="confirm-buttons"):
                yield Button(t("confirm.yes"), id="confirm-yes", variant="error")
                yield Button(t("confirm.no"), id="confirm-no", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#confirm-no", Button).focus()

    @on(Button.Pressed, "#confirm-yes")
    def _yes(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#confirm-no")
    def _no(self) -> None:
        self.dismiss(False)

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)

    def on_language_changed(self, message: LanguageChanged) -> None:
        """Relabel in place (the question is asked again in the new language)."""
        t = self.tr
        if self.heading is None:
            self.query_one("#confirm-title", Static).update(t("confirm.title"))
        self.query_one("#confirm-question", Static).update(self._question())
        self.query_one("#confirm-yes", Button).label = t("confirm.yes")
        self.query_one("#confirm-no", Button).label = t("confirm.no")
