"""Korean and English UI text: one catalogue per language, ``strings/ko.toml`` and
``strings/en.toml``.

Each catalogue has one table per screen or widget, holding the full keys that code asks
for (``t("seat.heading", lang)``); the tables only group the keys for the people editing
them. A catalogue is read once, the first time its language is asked for (a couple of
milliseconds), and kept. Both files have the same keys with the same ``{placeholders}``;
``tests/tui/test_strings.py`` checks that, that every key the code uses is there and that
none is left unused. A key that is missing anyway shows itself (``[key]``) rather than
crashing, so a forgotten string is visible on screen but never takes the app down.

Keys: a text names a movable key by its binding id, ``{keys[find]}``, and gets the key
the settings' ``[keymap]`` gave it (``cinema_tui.key_words``; docs/keymap.md).

Korean particles: a particle's form depends on the sound the word before it ends with
(예매 K7M2QX를, 좌석 E5은). A Korean text writes both forms in brackets right after the
word, consonant form first or not: ``"예매 {code}[을/를] 찾았습니다."``. ``t`` picks the
form once the placeholders are filled in (``with_particles``), reading the word as a
Korean speaker would say it aloud (``particle``): a digit by its Korean name (9 구 → 를),
a Latin letter by its Korean name (B 비 → 를, L 엘 → 을), an amount in won by 원.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
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


#: What fills ``{keys[<binding id>]}`` when a caller gives no ``keys``: the running app's
#: keys (``use_key_words``), or else the default keys (``key_words.KeyWords``).
_key_words: Mapping[str, str] | None = None


def use_key_words(words: Mapping[str, str] | None) -> None:
    """Name the keys of the running box office in every text from now on (the app calls
    this once; texts made without an app, such as ``errors.human_message``, use it)."""
    global _key_words
    _key_words = words


def key_words() -> Mapping[str, str]:
    """The mapping that fills ``{keys[...]}`` (see ``cinema_tui.key_words``)."""
    if _key_words is None:
        from cinema_tui.key_words import KeyWords

        return KeyWords()
    return _key_words


def t(key: str, lang: str, /, **fmt: object) -> str:
    """The text of ``key`` in ``lang`` ('ko' or 'en'), formatted with ``fmt``.

    A text may name a key by its binding id, ``{keys[find]}``, so it names the key the
    keymap gives (``cinema_tui.key_words``); a caller's own ``keys=`` comes first."""
    text = catalogue(lang).get(key)
    if text is None:
        return f"[{key}]"
    if "{keys[" in text and "keys" not in fmt:
        fmt["keys"] = key_words()
    try:
        text = text.format(**fmt) if fmt else text
    except (KeyError, IndexError, ValueError):
        pass
    return with_particles(text) if "[" in text else text


def has(key: str) -> bool:
    """Whether ``key`` is in the catalogues (both have the same keys: ask a loaded one)."""
    loaded = next(iter(_CATALOGUES.values()), None)
    return key in (loaded if loaded is not None else catalogue("en"))


def weekday(lang: str, index: int) -> str:
    """Short weekday name (Monday = 0)."""
    names = t("weekday", lang)
    return names[index] if lang == "ko" else names[index * 3:index * 3 + 3]


# --- Korean particles -------------------------------------------------------------------

#: Each particle's form after a final consonant -> its form after a vowel.
_AFTER_CONSONANT = {"을": "를", "이": "가", "은": "는", "과": "와", "아": "야", "으로": "로"}
_AFTER_VOWEL = {vowel: consonant for consonant, vowel in _AFTER_CONSONANT.items()}
#: The final consonant (jongseong) of how each digit is read: 영 일 이 삼 사 오 육 칠 팔 구.
#: A number ending in 0 ends in 영, 십, 백, 천 or 만 when read whole: a consonant either way.
_DIGIT_FINAL = {"0": 21, "1": 8, "2": 0, "3": 16, "4": 0, "5": 0, "6": 1, "7": 8, "8": 8, "9": 0}
#: The final consonant of each Latin letter's Korean name: 엘, 엠, 엔, 알; the rest
#: (에이, 비, 씨, 디, ...) end in a vowel.
_LETTER_FINAL = {"L": 8, "M": 16, "N": 4, "R": 8}
#: Keys as the hints name them (``cinema_tui.key_words``), read aloud: 탭, 홈, 페이지 업,
#: 페이지 다운 end in a consonant; 엔터, 이에스씨, 스페이스, 엔드, 델 as they sound.
_KEY_FINAL = {"Tab": 17, "Home": 16, "PgUp": 17, "PgDn": 4, "Enter": 0, "Esc": 0,
              "Space": 0, "End": 0, "Del": 8, "Ins": 0, "Backspace": 0}
_KEY_WORD = re.compile(r"(?<![A-Za-z])(" + "|".join(_KEY_FINAL) + r")$")
#: Arrow keys are read 화살표: a vowel.
_ARROWS = "←→↑↓"
_RIEUL = 8  # ㄹ: takes 로, not 으로
_NIEUN = 4  # ㄴ, the end of 원
#: What is not read aloud at the end of a word: closing quotes and brackets, stops.
_SILENT_TAIL = " \t\n\"'”’»」』》〉)]}.,!?…·:;"
_WON = re.compile(r"₩[0-9][0-9,.]*$")
_MARKER = re.compile(r"\[(을/를|를/을|이/가|가/이|은/는|는/은|과/와|와/과|아/야|야/아|으로/로|로/으로)\]")


def final_consonant(word: str) -> int | None:
    """The final consonant (jongseong index, 0 for none) of ``word`` read aloud in
    Korean, or None when it cannot be told (a symbol, Hanja, nothing)."""
    word = word.rstrip(_SILENT_TAIL)
    if not word:
        return None
    if _WON.search(word):
        return _NIEUN  # ₩14,000: 만 사천 원
    last = word[-1]
    if key := _KEY_WORD.search(word):
        return _KEY_FINAL[key.group(1)]
    if last in _ARROWS:
        return 0
    if "가" <= last <= "힣":
        return (ord(last) - ord("가")) % 28
    if last in _DIGIT_FINAL:
        return _DIGIT_FINAL[last]
    if last.isascii() and last.isalpha():
        return _LETTER_FINAL.get(last.upper(), 0)
    return None


def particle(word: str, pair: str) -> str:
    """The form of the particle ``pair`` (``"을/를"``, ``"이/가"``, ``"은/는"``, ``"과/와"``,
    ``"으로/로"``, ``"아/야"``, either order) that follows ``word``.

    ``particle("6JND49", "을/를")`` is ``"를"`` (9 is 구); ``particle("E5L", "을/를")``
    is ``"을"`` (L is 엘); ``particle("1관", "으로/로")`` is ``"으로"``. When the word's
    last sound cannot be told, both forms are given the old way: ``"을(를)"``.
    """
    first, _, second = pair.partition("/")
    if first in _AFTER_CONSONANT:
        consonant, vowel = first, _AFTER_CONSONANT[first]
    elif first in _AFTER_VOWEL:
        consonant, vowel = _AFTER_VOWEL[first], first
    else:
        raise ValueError(f"not a Korean particle pair: {pair!r}")
    if second not in (consonant, vowel) or second == first:
        raise ValueError(f"not a Korean particle pair: {pair!r}")
    final = final_consonant(word)
    if final is None:
        return f"{consonant}({vowel})"
    if consonant == "으로":  # ㄹ takes 로 like a vowel does
        return consonant if final not in (0, _RIEUL) else vowel
    return consonant if final else vowel


def with_particles(text: str) -> str:
    """Every ``[을/를]``-style marker in ``text`` replaced by the form that fits the word
    before it (see ``particle``)."""
    if "[" not in text:
        return text
    parts: list[str] = []
    done = 0
    for match in _MARKER.finditer(text):
        parts.append(text[done:match.start()])
        parts.append(particle("".join(parts), match.group(1)))
        done = match.end()
    parts.append(text[done:])
    return "".join(parts)
