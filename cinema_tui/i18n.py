"""Korean and English UI text: one catalogue per language, ``strings/ko.toml`` and
``strings/en.toml``.

Each catalogue has one table per screen or widget, holding the full keys that code asks
for (``t("seat.heading", lang)``); the tables only group the keys for the people editing
them. A catalogue is read once, the first time its language is asked for (a couple of
milliseconds), and kept. Both files have the same keys with the same ``{placeholders}``;
``tests/tui/test_strings.py`` checks that, that every key the code uses is there and that
none is left unused. A key that is missing anyway shows itself (``[key]``) rather than
crashing, so a forgotten string is visible on screen but never takes the app down.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

LANGUAGES = ("ko", "en")
#: Where the catalogues are: ``<lang>.toml``.
STRINGS_DIR = Path(__file__).with_name("strings")

_CATALOGUES: dict[str, dict[str, str]] = {}


def read_groups(path: Path) -> dict[str, dict[str, str]]:
    """A catalogue file as it is written: group -> key -> text."""
    with path.open("rb") as file:
        data = tomllib.load(file)
    for group, strings in data.items():
        if not isinstance(strings, dict) or not all(
            isinstance(text, str) for text in strings.values()
        ):
            raise ValueError(f"{path.name}: [{group}] must hold only key = \"text\" lines")
    return data


def flatten(groups: dict[str, dict[str, str]], name: str = "catalogue") -> dict[str, str]:
    """key -> text over all groups; a key may be in one group only."""
    flat: dict[str, str] = {}
    for group, strings in groups.items():
        for key, text in strings.items():
            if key in flat:
                raise ValueError(f"{name}: {key!r} is in more than one group (again in [{group}])")
            flat[key] = text
    return flat


def catalogue(lang: str) -> dict[str, str]:
    """Every text of ``lang`` ('ko'; anything else is English), read on first use."""
    lang = "ko" if lang == "ko" else "en"
    strings = _CATALOGUES.get(lang)
    if strings is None:
        path = STRINGS_DIR / f"{lang}.toml"
        strings = _CATALOGUES[lang] = flatten(read_groups(path), path.name)
    return strings


def t(key: str, lang: str, /, **fmt: object) -> str:
    """The text of ``key`` in ``lang`` ('ko' or 'en'), formatted with ``fmt``."""
    text = catalogue(lang).get(key)
    if text is None:
        return f"[{key}]"
    try:
        return text.format(**fmt) if fmt else text
    except (KeyError, IndexError, ValueError):
        return text


def has(key: str) -> bool:
    """Whether ``key`` is in the catalogues (both have the same keys: ask a loaded one)."""
    loaded = next(iter(_CATALOGUES.values()), None)
    return key in (loaded if loaded is not None else catalogue("en"))


def weekday(lang: str, index: int) -> str:
    """Short weekday name (Monday = 0)."""
    names = t("weekday", lang)
    return names[index] if lang == "ko" else names[index * 3:index * 3 + 3]
