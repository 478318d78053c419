"""A footer that speaks the clerk's language and puts each screen's own keys first.

Textual's footer shows each binding's fixed English description in the order the
bindings were found, and cuts whatever does not fit. Here a binding with an ``id`` whose
``key.<id>`` string is registered shows that string in the current language; the keys
of the screen (and of the focused widget) come first, then the global keys by
importance, each only if it fits whole (none is cut in the middle of its label); a
global key for the screen the clerk is already on (F2 on the programme) is left out.
Keys are shown as on the keyboard (``F5``), the style is compact, and below ``WIDE``
columns the palette key goes without its label (F1's help names it). F1 lists them all.
"""

from __future__ import annotations

from collections.abc import Mapping

from rich.cells import cell_len
from textual.app import ComposeResult
from textual.binding import ActiveBinding
from textual.events import Resize
from textual.widget import Widget
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

from cinema_tui.app_text import AppText
from cinema_tui.keymap import label, shown_key

#: The global keys by importance: when the footer is narrow, the last ones are left out
#: (the palette key between the last two).
GLOBAL_ORDER = ("help", "find", "history", "ops", "language", "home", "palette", "quit")
#: The order the chosen global keys are shown in: as on the keyboard.
SHOWN_ORDER = ("help", "home", "find", "history", "ops", "language", "quit", "palette")
#: A global key that only opens the screen it names: not shown on that screen.
OPENS = {"home": "NowShowingScreen", "find": "FindCancelScreen", "history": "HistoryScreen",
         "ops": "OpsScreen"}
#: From this width on, the palette key has its label.
WIDE = 100


class LocalFooter(AppText, Footer):
    """The footer, in Korean or English, the screen's own keys first."""

    def __init__(self, *, compact: bool = True, id: str | None = None) -> None:
        super().__init__(compact=compact, id=id)
        self._wide: bool | None = None

    def compose(self) -> ComposeResult:
        active = self.screen.active_bindings
        width = self.app.size.width
        self._wide = width >= WIDE
        here = type(self.screen).__name__
        own: list[Widget] = []
        shared: list[tuple[int, FooterKey]] = []
        rest: list[Widget] = []
        for widget in super().compose():
            found = active.get(widget.key) if isinstance(widget, FooterKey) else None
            if not isinstance(widget, FooterKey) or found is None:
                rest.append(widget)
                continue
            binding = found.binding
            widget.key_display = shown_key(self.app, binding)
            if widget.has_class("-command-palette"):
                widget.description = self.tr("cmd.palette_key") if self._wide else ""
                shared.append((_rank(GLOBAL_ORDER, "palette"), widget))
                continue
            widget.description = label(self.app, binding) or widget.description
            if found.node is not self.app:
                own.append(widget)
            elif OPENS.get(binding.id or "") != here:
                shared.append((_rank(GLOBAL_ORDER, binding.id), widget))
        used = sum(_width(w) for w in own if isinstance(w, FooterKey))
        chosen: list[FooterKey] = []
        for _rank_of, widget in sorted(shared, key=lambda pair: pair[0]):
            if used + _width(widget) <= width:
                used += _width(widget)
                chosen.append(widget)
        yield from own
        yield from rest
        yield from sorted(chosen, key=lambda w: _rank(SHOWN_ORDER, _id_of(w, active)))

    def on_resize(self, event: Resize) -> None:
        """Another width may fit other keys (and the palette key's label)."""
        self.call_after_refresh(self.recompose)


def _rank(order: tuple[str, ...], binding_id: str | None) -> int:
    return order.index(binding_id) if binding_id in order else len(order)


def _id_of(key: FooterKey, active: Mapping[str, ActiveBinding]) -> str | None:
    if key.has_class("-command-palette"):
        return "palette"
    found = active.get(key.key)
    return found.binding.id if found is not None else None


def _width(key: FooterKey) -> int:
    """The cells a key takes in the compact footer: key, space, label, margin (the
    palette key: its border and the key, and its label if it has one)."""
    if key.has_class("-command-palette"):
        return 1 + cell_len(key.key_display) + (1 + cell_len(key.description)
                                                 if key.description else 0)
    return cell_len(key.key_display) + (1 + cell_len(key.description)
                                        if key.description else 0) + 1
