"""The box office's keys: what each binding is called, how its key is shown, and the
settings file's ``[keymap]`` section, which lets a cinema move a binding to other keys.

The help screen, the command palette and the footer all read the keys from here, so
what they show is what the keys do, also after a remap. ``install_keymap`` checks the
section when the app starts and hands Textual (``App.set_keymap``) only what is sound:
a mistyped id, an empty value, a key name Textual does not know or a key another
binding already uses on the same screen is reported in a sentence and left out (that
binding keeps its default key), so a bad line never takes the box office down.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from textual.binding import Binding, BindingsMap
from textual.keys import Keys, _character_to_key, key_to_character

from cinema_tui.i18n import has
from cinema_tui.screens import Place, binding_places

if TYPE_CHECKING:
    from cinema_tui.app import BoxOfficeApp

#: Modifiers Textual puts before a key name (``ctrl+s``).
MODIFIERS = frozenset({"ctrl", "shift", "alt", "meta", "super", "hyper"})
#: Key names Textual reports for keys that are not characters.
NAMED_KEYS = frozenset(
    {key.value.rpartition("+")[2] for key in Keys if not key.value.startswith("<")}
    | {"space", "enter", "tab", "escape", "backspace", "delete", "insert", "home", "end",
       "pageup", "pagedown", "up", "down", "left", "right"}
)
#: Keys that only move a cursor: not offered as commands in the palette.
CURSOR_KEYS = frozenset({"up", "down", "left", "right", "home", "end", "pageup", "pagedown"})


@dataclass(frozen=True)
class KeyRow:
    """One binding of one place, with all the keys that trigger it there."""

    place: Place
    binding: Binding  # the first of its keys (a binding id may have several keys)
    keys: tuple[str, ...]  # Textual key names, after the keymap

    @property
    def id(self) -> str | None:
        return self.binding.id


# --- how keys are shown ------------------------------------------------------------------


def current_keymap(app: Any) -> dict[str, str]:
    """The keymap Textual applies now (App keeps it in ``_keymap``; it has no getter)."""
    keymap = getattr(app, "_keymap", None)
    return dict(keymap) if isinstance(keymap, Mapping) else {}


def shown_key(app: Any, binding: Binding) -> str:
    """A key as the footer shows it (``[``, ``/``, ``+``, ``^s``), function keys as on the
    keyboard (``F5``, not ``f5``)."""
    return re.sub(r"\bf(\d{1,2})\b", r"F\1", app.get_key_display(binding))


def row_keys_shown(app: Any, row: KeyRow) -> str:
    """All the keys of a row, as the footer shows each ("⏎ c")."""
    if row.binding.key_display:
        return shown_key(app, row.binding)
    return " ".join(shown_key(app, row.binding.with_key(key)) for key in row.keys)


def label(app: Any, binding: Binding, *, long: bool = False) -> str | None:
    """What a binding does, in the clerk's language: ``key.<id>`` (short, the footer's),
    or with ``long`` the command's name ``cmd.<id>`` when there is one. None for a
    binding that has no text: plumbing the clerk never needs to read about."""
    if not binding.id:
        return None
    if long and has(f"cmd.{binding.id}"):
        return str(app.t(f"cmd.{binding.id}"))
    if has(f"key.{binding.id}"):
        return str(app.t(f"key.{binding.id}"))
    return None


# --- which keys are where ------------------------------------------------------------------


def key_rows(place: Place, keymap: Mapping[str, str] | None = None) -> list[KeyRow]:
    """Every binding of ``place`` after ``keymap``, one row per binding (its keys
    together), in the order they are declared."""
    bindings = BindingsMap(getattr(place.owner, "BINDINGS", []))
    if keymap:
        bindings.apply_keymap(dict(keymap))
    rows: dict[object, list[Binding]] = {}
    for _key, binding in bindings:
        group = binding.id or (binding.action, binding.description, binding.key)
        rows.setdefault(group, []).append(binding)
    return [KeyRow(place, found[0], tuple(dict.fromkeys(b.key for b in found)))
            for found in rows.values()]


def visible(rows: list[KeyRow]) -> list[KeyRow]:
    """``rows`` without those a key range covers: ``1-9`` (best seats) stands for the
    bindings of 2 … 9, which need no line of their own."""
    ranges = [_key_range(r.binding.key_display) for r in rows]
    return [
        row for row in rows
        if not any(span and row.binding is not other.binding and not row.binding.key_display
                   and all(len(k) == 1 and span[0] <= k <= span[1] for k in row.keys)
                   for span, other in zip(ranges, rows))
    ]


def _key_range(display: str | None) -> tuple[str, str] | None:
    match = re.fullmatch(r"(\w)-(\w)", display or "")
    return (match.group(1), match.group(2)) if match else None


def all_key_rows(app_class: type, keymap: Mapping[str, str] | None = None) -> list[KeyRow]:
    """Every binding of the app, place by place (global keys first)."""
    return [row for place in binding_places(app_class) for row in key_rows(place, keymap)]


def neighbours(place: Place, places: Iterable[Place]) -> set[str]:
    """The places whose keys can be pressed together with ``place``'s: the app's global
    keys, a screen and the widgets on it."""
    names = {place.name, "app"}
    for other in places:
        if place.screen is not None and other.name == place.screen:
            names.add(other.name)
        if other.screen is not None and other.screen == place.name:
            names.add(other.name)
    if place.is_global:
        names = {p.name for p in places}
    return names


def binding_ids(app_class: type) -> dict[str, list[KeyRow]]:
    """Every binding id the app has, with where it is and its default keys."""
    ids: dict[str, list[KeyRow]] = {}
    for row in all_key_rows(app_class):
        if row.id:
            ids.setdefault(row.id, []).append(row)
    return ids


# --- the [keymap] section ------------------------------------------------------------------


def normalise_key(text: str) -> str | None:
    """A key as Textual names it (``Ctrl+S`` → ``ctrl+s``, ``F6`` → ``f6``, ``/`` →
    ``slash``), or None when it is not a key Textual can report."""
    text = text.strip()
    if not text:
        return None
    if len(text) == 1:
        return _character_to_key(text) if text.isprintable() and text != " " else None
    mods_text, plus, base = text.rpartition("+")
    if plus and not base:  # "ctrl++": the plus key itself
        mods_text, base = mods_text.rstrip("+"), "+"
    modifiers = [m.strip().lower() for m in mods_text.split("+")] if plus else []
    if any(m not in MODIFIERS for m in modifiers):
        return None
    if len(base) == 1:
        if modifiers and base.isalpha():
            base = base.lower()
        elif not base.isalnum():
            base = _character_to_key(base)
    else:
        base = base.lower()
        if base not in NAMED_KEYS and key_to_character(base) is None:
            return None
    return "+".join([*modifiers, base])


def install_keymap(app: BoxOfficeApp) -> list[str]:
    """Apply the settings' ``[keymap]`` (binding id → keys) and say what was wrong with
    it, one sentence per problem in the clerk's language. Never raises: whatever cannot
    be applied keeps its default key."""
    try:
        return _install(app)
    except Exception as exc:  # noqa: BLE001 - a settings line must never stop a sale
        try:
            app.log.error(f"keymap not applied: {exc!r}")
            return [app.t("keymap.not_applied", error=str(exc) or type(exc).__name__)]
        except Exception:  # noqa: BLE001
            return []


def _install(app: BoxOfficeApp) -> list[str]:
    wanted = getattr(app.settings, "keymap", None) or {}
    if not isinstance(wanted, Mapping) or not wanted:
        return []
    t = app.t
    known = binding_ids(type(app))
    problems: list[str] = []
    candidate: dict[str, str] = {}
    for raw_id, raw_keys in wanted.items():
        binding_id = str(raw_id).strip()
        rows = known.get(binding_id)
        if rows is None:
            guess = difflib.get_close_matches(binding_id, list(known), n=1, cutoff=0.6)
            problems.append(t("keymap.unknown_guess", id=binding_id, guess=guess[0]) if guess
                            else t("keymap.unknown", id=binding_id))
            continue
        default = row_keys_shown(app, rows[0])
        typed = [k.strip() for k in str(raw_keys or "").split(",") if k.strip()]
        if not typed:
            problems.append(t("keymap.empty", id=binding_id, default=default))
            continue
        keys = [normalise_key(k) for k in typed]
        bad = next((k for k, n in zip(typed, keys) if n is None), None)
        if bad is not None:
            problems.append(t("keymap.bad_key", id=binding_id, name=bad, default=default))
            continue
        candidate[binding_id] = ",".join(dict.fromkeys(k for k in keys if k))
    while (clash := _first_clash(app, candidate, known)) is not None:
        binding_id, sentence = clash
        problems.append(sentence)
        del candidate[binding_id]
    for binding_id, keys in candidate.items():
        typed_key = next((k for k in keys.split(",") if key_to_character(k) is not None), None)
        if typed_key and any(row.place.is_global for row in known[binding_id]):
            shown = shown_key(app, Binding(typed_key, binding_id))
            problems.append(t("keymap.typed", id=binding_id, keys=shown))
    app.set_keymap(candidate)
    return problems


def _first_clash(
    app: BoxOfficeApp, candidate: Mapping[str, str], known: Mapping[str, list[KeyRow]]
) -> tuple[str, str] | None:
    """(id, sentence) for the first remapped binding whose new key another binding
    already answers to where both can be pressed, or None."""
    places = binding_places(type(app))
    # Textual's own keymap quietly drops a binding whose key is taken; so the keys are
    # worked out here: the defaults, with the candidate's keys in place of the remapped.
    rows = [KeyRow(row.place, row.binding, tuple(candidate[row.id].split(",")))
            if row.id in candidate else row for row in all_key_rows(type(app))]
    palette = Binding(app.COMMAND_PALETTE_BINDING, "command_palette", id="command_palette")
    rows.append(KeyRow(places[0], palette, (palette.key,)))
    for binding_id in candidate:
        for mine in known[binding_id]:
            scope = neighbours(mine.place, places)
            # its own default keys are no news (F5 is Ops and, on checkout, cash by design)
            new_keys = [k for k in candidate[binding_id].split(",") if k not in mine.keys]
            for other in rows:
                if other.place.name not in scope or other.id == binding_id:
                    continue
                taken = next((k for k in new_keys if k in other.keys), None)
                if taken is None:
                    continue
                what = (app.t("help.palette") if other.binding is palette
                        else label(app, other.binding) or app.t("keymap.internal"))
                where = app.t(other.place.title_key)
                sentence = app.t("keymap.taken", id=binding_id, what=what, where=where,
                                 keys=shown_key(app, other.binding.with_key(taken)),
                                 default=row_keys_shown(app, mine))
                return binding_id, sentence
    return None


# --- the reference in docs/keymap.md ---------------------------------------------------------


def reference_table(app_class: type | None = None) -> str:
    """The table of docs/keymap.md: every binding id, its default keys (as the settings
    file names them), where it works and what it does, in English. A test checks that
    the document holds exactly this; ``uv run python -m cinema_tui.keymap`` prints it."""
    from cinema_tui import i18n

    if app_class is None:
        from cinema_tui.app import BoxOfficeApp

        app_class = BoxOfficeApp

    class English:
        """Enough of an app for ``label``: the English texts."""

        @staticmethod
        def t(key: str, **fmt: object) -> str:
            return i18n.t(key, "en", **fmt)

    lines = ["| id | default keys | where | what it does |", "|---|---|---|---|"]
    for binding_id, rows in binding_ids(app_class).items():
        first = rows[0]
        keys = ", ".join(f"`{k}`" for k in first.keys)
        where = ", ".join(dict.fromkeys(English.t(r.place.title_key) for r in rows))
        what = label(English, first.binding, long=first.place.is_global) or (
            f"({first.binding.description or first.binding.action}; not shown in the help)")
        lines.append(f"| `{binding_id}` | {keys} | {where} | {what} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(reference_table(), end="")
