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


class AppText:
    """Mix into a Screen or Widget of ``BoxOfficeApp``."""

    app = getters.app(BoxOfficeApp)

    @property
    def lang(self) -> str:
        return self.app.lang

    def tr(self, key: str, **fmt: object) -> str:
        """UI text of ``key`` in the current language."""
        return self.app.t(key, **fmt)
