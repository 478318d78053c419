"""Typed access to the app for its screens and widgets, and their text in the clerk's
language (``lang``, ``tr``).

``app`` is Textual's ``getters.app(BoxOfficeApp)``: the same running app as Textual's own
``app`` property, typed as ``BoxOfficeApp``, so ``self.app.office`` is a
``BoxOfficeAPI`` and ``self.app.t`` is known without a ``type: ignore``. The language
lives on the app (F8 switches it), so screens always ask the app.
"""

from __future__ import annotations

from textual import getters

from cinema_tui.app import BoxOfficeApp
from cinema_tui.messages import LanguageChanged


class AppText:
    """Mix into a Screen or Widget of ``BoxOfficeApp``."""

    app = getters.app(BoxOfficeApp)

    @property
    def lang(self) -> str:
        return self.app.lang

    def tr(self, key: str, **fmt: object) -> str:
        """UI text of ``key`` in the current language."""
        return self.app.t(key, **fmt)

    async def on_language_changed(self, message: LanguageChanged) -> None:
        """A bridge for the one screen that still relabels in a ``refresh_language``
        method (``OpsScreen``: its owner moves it to handling ``LanguageChanged`` itself;
        then this goes). Every other screen handles the message itself and has no
        ``refresh_language``."""
        relabel = getattr(self, "refresh_language", None)
        if relabel is not None:
            await relabel()
