"""``lang`` and ``tr`` for the app's screens and widgets: text in the clerk's language.

One mixin instead of the same two accessors in every screen; the language lives on the
app (F8 switches it), so screens always ask the app.
"""

from __future__ import annotations


class AppText:
    """Mix into a Screen or Widget of ``BoxOfficeApp``."""

    @property
    def lang(self) -> str:
        return self.app.lang  # type: ignore[attr-defined]

    def tr(self, key: str, **fmt: object) -> str:
        """UI text of ``key`` in the current language."""
        return self.app.t(key, **fmt)  # type: ignore[attr-defined]
