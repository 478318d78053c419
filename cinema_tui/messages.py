"""What the app tells every screen on its stack: the backend is up, the language changed.

The app posts one of these to each screen (``BoxOfficeApp._tell_screens``); a screen
that cares handles it like any Textual message (``on_backend_ready``,
``on_language_changed``). Neither bubbles: each screen gets its own, and the app does
not hear them back from every screen.
"""

from __future__ import annotations

from textual.message import Message


class BackendReady(Message, bubble=False):
    """The services are running: data that needed them can be loaded now."""


class LanguageChanged(Message, bubble=False):
    """F8: the clerk switched language; draw the screen's text again in ``lang``."""

    def __init__(self, lang: str) -> None:
        super().__init__()
        self.lang = lang


__all__ = ["BackendReady", "LanguageChanged"]
