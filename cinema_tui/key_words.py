"""Keys in sentences: the key a clerk reads in a hint line or a message for a binding id.

A cinema can move any binding to other keys (``[keymap]``, docs/keymap.md). The help, the
palette and the footer follow; so must every sentence that tells the clerk to press a key,
or after a remap it would send the clerk to a key that no longer does it. So a catalogue
text names the binding, not the key: ``"{keys[find]}: find"``. ``i18n.t`` fills ``keys``
with a ``KeyWords`` mapping, which looks the id up in the bindings after the keymap the app
applied (``keymap.key_rows`` and ``current_keymap``) and answers with the binding's first
key as a person writes it: ``f5`` → ``F5``, ``ctrl+s`` → ``Ctrl+S``, ``escape`` → ``Esc``,
``left_square_bracket`` → ``[``, ``up`` → ``↑``, a letter as itself (``R`` is Shift+R, so
it stays ``R``). ``{keys[ticket_done]:all}`` names every key of the binding ("Enter/Esc"),
``{keys[confirm_yes]:cap}`` the key as on the keycap ("Y", for a button's label).

Keys that are not bindings of the box office (a table's own Enter, the ``1-9`` range of
best seats) cannot move, so the catalogues write them as plain text.
"""

from __future__ import annotations

import re
import string
import weakref
from collections.abc import Iterator, Mapping
from functools import lru_cache
from typing import Any, Self

from textual.keys import _character_to_key

#: Named keys as they are printed on the keyboard (or written in a manual).
NAMED = {
    "escape": "Esc", "enter": "Enter", "space": "Space", "delete": "Del",
    "backspace": "Backspace", "tab": "Tab", "insert": "Ins", "home": "Home", "end": "End",
    "pageup": "PgUp", "pagedown": "PgDn", "up": "↑", "down": "↓", "left": "←", "right": "→",
}
#: Modifiers as a person writes them before a key.
MODIFIER_NAMES = {"ctrl": "Ctrl", "shift": "Shift", "alt": "Alt", "meta": "Meta",
                  "super": "Super", "hyper": "Hyper"}
#: Textual's names of the punctuation keys (``slash``, ``plus``) -> the character.
CHARACTERS = {_character_to_key(c): c for c in string.punctuation}
#: A format spec that asks for all of a binding's keys, not only the first.
ALL = "all"
#: A format spec that writes a letter as on the keycap, for a button's "(Y)": ``y`` → ``Y``,
#: ``R`` → ``Shift+R`` (so it is not read as ``r``).
CAP = "cap"


def key_word(key: str) -> str:
    """A Textual key name as a clerk reads it in a sentence: ``ctrl+s`` → ``Ctrl+S``,
    ``shift+tab`` → ``Shift+Tab``, ``f5`` → ``F5``, ``slash`` → ``/``, ``R`` → ``R``."""
    if key in CHARACTERS or len(key) == 1:
        return CHARACTERS.get(key, key)
    *modifiers, base = key.split("+")
    if not base:  # "ctrl++" would be the plus key itself
        modifiers, base = modifiers[:-1], "+"
    if base in NAMED:
        word = NAMED[base]
    elif re.fullmatch(r"f\d{1,2}", base):
        word = base.upper()
    elif base in CHARACTERS:
        word = CHARACTERS[base]
    elif len(base) == 1:
        word = base.upper() if modifiers else base
    else:
        word = base.replace("_", " ").capitalize()
    return "+".join([*(MODIFIER_NAMES.get(m, m.capitalize()) for m in modifiers), word])


def keycap(key: str) -> str:
    """A key as printed on the keyboard: a letter in capitals, Shift written out
    (``y`` → ``Y``, ``R`` → ``Shift+R``); any other key as ``key_word`` writes it."""
    if len(key) == 1 and key.isalpha():
        return key.upper() if key.islower() else f"Shift+{key}"
    return key_word(key)


class KeyWord(str):
    """A binding's first key in words. Formatted with ``:all`` it is all its keys
    ("Enter/Esc"); with ``:cap`` the first as on the keycap ("Y", for a button)."""

    keys: tuple[str, ...]

    def __new__(cls, keys: tuple[str, ...]) -> Self:
        word = super().__new__(cls, key_word(keys[0]) if keys else "")
        word.keys = keys
        return word

    def __format__(self, spec: str) -> str:
        if spec == ALL:
            return "/".join(dict.fromkeys(key_word(k) for k in self.keys))
        if spec == CAP:
            return keycap(self.keys[0]) if self.keys else ""
        return format(str(self), spec)


@lru_cache(maxsize=16)
def _places_of(app_class: type, keymap: tuple[tuple[str, str], ...]
               ) -> dict[str, list[tuple[str, str | None, tuple[str, ...]]]]:
    """binding id -> [(place, the screen a widget place is on, keys after ``keymap``)]."""
    from cinema_tui.keymap import all_key_rows

    found: dict[str, list[tuple[str, str | None, tuple[str, ...]]]] = {}
    for row in all_key_rows(app_class, dict(keymap)):
        if row.id:
            found.setdefault(row.id, []).append((row.place.name, row.place.screen, row.keys))
    return found


def binding_keys(app_class: type, keymap: Mapping[str, str] | None = None,
                 ) -> dict[str, list[tuple[str, str | None, tuple[str, ...]]]]:
    """Every binding id of ``app_class`` with, per place it works in, its keys after
    ``keymap`` (worked out once per keymap: it changes only when the app starts)."""
    return _places_of(app_class, tuple(sorted((keymap or {}).items())))


def keys_for(app: Any, binding_id: str, place: str | None = None) -> tuple[str, ...]:
    """The keys (Textual names) of ``binding_id`` in ``app`` after the keymap it applied,
    those of ``place`` (a screen's class name) when the binding works there, else those of
    the global keys, else of the first place that has it; () for an unknown id."""
    from cinema_tui.keymap import current_keymap

    app_class = app if isinstance(app, type) else type(app)
    keymap = {} if isinstance(app, type) else current_keymap(app)
    rows = binding_keys(app_class, keymap).get(binding_id)
    if not rows:
        return ()
    for name, screen, keys in rows:
        if place is not None and place in (name, screen):
            return keys
    return next((keys for name, _screen, keys in rows if name == "app"), rows[0][2])


def key_for(app: Any, binding_id: str, place: str | None = None) -> str | None:
    """The key a clerk presses for ``binding_id`` now, in words ("Ctrl+S"), or None when
    the app has no such binding. See ``keys_for`` for which place is asked."""
    keys = keys_for(app, binding_id, place)
    return key_word(keys[0]) if keys else None


class KeyWords(Mapping[str, str]):
    """The keys of a running box office for its sentences: ``{keys[find]}`` in a catalogue
    text. Read at the moment a text is made, so it shows the keymap the app applied; it
    prefers the bindings of the screen the clerk is on (``place``, by default the app's
    current screen). An id the app does not have reads ``[id]``, as a missing text does:
    visible, never a crash (``tests/tui/test_hint_keys.py`` fails on it)."""

    def __init__(self, app: Any = None, place: str | None = None) -> None:
        self._app = weakref.ref(app) if app is not None else None
        self._place = place

    def _target(self) -> tuple[Any, str | None]:
        app = self._app() if self._app is not None else None
        if app is None:
            from cinema_tui.app import BoxOfficeApp

            return BoxOfficeApp, self._place
        place = self._place
        if place is None:
            try:
                place = type(app.screen).__name__
            except Exception:  # noqa: BLE001 - no screen yet: the global keys
                place = None
        return app, place

    def __getitem__(self, binding_id: str) -> str:
        app, place = self._target()
        keys = keys_for(app, binding_id, place)
        return KeyWord(keys) if keys else f"[{binding_id}]"

    def __contains__(self, binding_id: object) -> bool:
        app, _place = self._target()
        return isinstance(binding_id, str) and bool(keys_for(app, binding_id))

    def __iter__(self) -> Iterator[str]:
        app, _place = self._target()
        return iter(binding_keys(app if isinstance(app, type) else type(app)))

    def __len__(self) -> int:
        return sum(1 for _ in self)


__all__ = ["KeyWord", "KeyWords", "binding_keys", "key_for", "key_word", "keycap", "keys_for"]
