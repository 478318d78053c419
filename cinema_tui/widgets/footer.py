"""A footer whose key labels follow the UI language.

Textual's footer shows each binding's fixed description; here a binding with an ``id``
whose ``key.<id>`` string is registered shows that string in the current language.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

from cinema_tui.app_text import AppText
from cinema_tui.i18n import has


class LocalFooter(AppText, Footer):
    """The footer, in Korean or English."""

    def compose(self) -> ComposeResult:
        ids = {
            binding.action: binding.id
            for (_node, binding, _enabled, _tip) in self.screen.active_bindings.values()
            if binding.id
        }
        for widget in super().compose():
            if isinstance(widget, FooterKey):
                binding_id = ids.get(widget.action)
                if binding_id and has(f"key.{binding_id}"):
                    widget.description = self.tr(f"key.{binding_id}")
            yield widget
