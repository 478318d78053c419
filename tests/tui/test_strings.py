"""The UI text catalogues (``cinema_tui/strings/ko.toml`` and ``en.toml``) against each
other and against the code.

* both catalogues have the same groups and, in each group, the same keys;
* a key's ``{placeholders}`` are the same in both languages;
* every key the code names exists: the string literals given to ``t``/``tr``/``has``/
  ``say``..., every key-shaped literal anywhere in ``cinema_tui`` (keys kept in tables,
  such as column headers or ``why_not_cancellable``'s answers), and every key the code
  builds from a prefix (``f"service.{name}"``, ``"rating." + show.rating``) for each value
  it can take (``FAMILIES``: a new prefix in the code fails until it is listed there);
* every ``key=`` a ``backend`` error carries has its ``err.<key>`` sentence, whose
  placeholders the error's parameters fill;
* no key is left unused.

The checks are plain functions over plain data, so the ``*_can_fail`` tests at the end
can show each of them failing on a small broken example.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import re
import string
from collections.abc import Iterable
from pathlib import Path

import pytest

from cinema_tui import i18n

ROOT = Path(__file__).resolve().parents[2]
CODE = ROOT / "cinema_tui"
BACKEND = ROOT / "backend"

#: Calls whose first argument is a string key.
KEY_FUNCTIONS = frozenset({"t", "tr", "_t", "has", "say", "say_key", "_say"})
#: A literal that looks like a key: ``group.rest`` (``reason.cancelled by customer`` too).
KEY_SHAPE = re.compile(r"[a-z][a-z_]*\.[A-Za-z0-9_][A-Za-z0-9_. \-]*")
#: The constant start of a key built at run time: ``"seat.legend."``.
PREFIX_SHAPE = re.compile(r"[a-z][a-z_]*\.([A-Za-z0-9_\-]+\.)*")

Groups = dict[str, dict[str, str]]


def catalogue_groups(lang: str) -> Groups:
    return i18n.read_groups(i18n.STRINGS_DIR / f"{lang}.toml")


# --- the checks ------------------------------------------------------------------------


def structure_differences(ko: Groups, en: Groups) -> list[str]:
    """Groups or keys one catalogue has and the other has not (or has in another group)."""
    problems = [f"[{g}] only in {'ko' if g in ko else 'en'}" for g in sorted(set(ko) ^ set(en))]
    for group in sorted(set(ko) & set(en)):
        for key in sorted(set(ko[group]) - set(en[group])):
            problems.append(f"{key} ([{group}]) is missing in en")
        for key in sorted(set(en[group]) - set(ko[group])):
            problems.append(f"{key} ([{group}]) is missing in ko")
    return problems


def placeholders(text: str) -> set[str]:
    """The names ``str.format`` fills in ``text``."""
    names = set()
    for _literal, field, _spec, _conversion in string.Formatter().parse(text):
        if field is not None:
            names.add(re.split(r"[.\[]", field, maxsplit=1)[0])
    return names


def placeholder_differences(ko: dict[str, str], en: dict[str, str]) -> list[str]:
    return [
        f"{key}: ko {sorted(placeholders(ko[key]))} en {sorted(placeholders(en[key]))}"
        for key in sorted(set(ko) & set(en))
        if placeholders(ko[key]) != placeholders(en[key])
    ]


def python_files(folder: Path) -> list[tuple[str, str]]:
    return [(str(p.relative_to(ROOT)), p.read_text(encoding="utf-8"))
            for p in sorted(folder.rglob("*.py"))]


def _function_name(call: ast.Call) -> str | None:
    func = call.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def _prefix(node: ast.expr) -> str | None:
    """The constant start of a string built at run time (an f-string or ``"a." + x``)."""
    if isinstance(node, ast.JoinedStr) and node.values:
        first = node.values[0]
        return first.value if isinstance(first, ast.Constant) else None
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left = node.left
        return left.value if isinstance(left, ast.Constant) and isinstance(left.value, str) else None
    return None


def keys_in_code(
    files: Iterable[tuple[str, str]], groups: Iterable[str], actions: Iterable[str] = ()
) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """(literal keys, prefixes of built keys), each with where it is used.

    ``groups`` are the first parts of the catalogue's keys (``seat``, ``err``...): a
    literal or a prefix counts when it starts with one. ``actions`` are the app's action
    names, so ``"app.quit"`` (an action, not a text) is not taken for a key.
    """
    groups, actions = frozenset(groups), frozenset(actions)
    literal: dict[str, list[str]] = {}
    built: dict[str, list[str]] = {}

    def ours(text: str) -> bool:
        return text.split(".", 1)[0] in groups

    for name, source in files:
        tree = ast.parse(source)
        in_fstring = {id(v) for n in ast.walk(tree) if isinstance(n, ast.JoinedStr)
                      for v in n.values}
        for node in ast.walk(tree):
            where = f"{name}:{getattr(node, 'lineno', 0)}"
            if isinstance(node, ast.Call) and _function_name(node) in KEY_FUNCTIONS and node.args:
                first = node.args[0]
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    literal.setdefault(first.value, []).append(where)
            elif (isinstance(node, ast.Constant) and isinstance(node.value, str)
                  and id(node) not in in_fstring and KEY_SHAPE.fullmatch(node.value)
                  and ours(node.value) and not node.value.endswith(".")):
                group, _, rest = node.value.partition(".")
                if not (group == "app" and rest in actions) and not node.value.endswith(".tcss"):
                    literal.setdefault(node.value, []).append(where)
            elif isinstance(node, (ast.JoinedStr, ast.BinOp)):
                prefix = _prefix(node)
                if prefix and PREFIX_SHAPE.fullmatch(prefix) and ours(prefix):
                    built.setdefault(prefix, []).append(where)
    return literal, built


def backend_error_keys(files: Iterable[tuple[str, str]]) -> tuple[dict[str, set[str]], set[str]]:
    """(key -> the parameters given with it, prefixes of keys built at run time) of every
    error ``key`` in ``files``: ``key="..."`` arguments, ``x.key = "..."`` and the
    positional argument of a function that passes its ``key`` parameter on (``key=key``)."""
    keys: dict[str, set[str]] = {}
    built: set[str] = set()
    trees = [ast.parse(source) for _, source in files]

    def forwards_key(function: ast.FunctionDef) -> bool:
        """Whether ``function`` passes its ``key`` parameter on as ``key=key``."""
        return any(isinstance(n, ast.keyword) and n.arg == "key" and isinstance(n.value, ast.Name)
                   and n.value.id == "key" for n in ast.walk(function))

    takes_key = {
        node.name: [a.arg for a in node.args.args].index("key")
        for tree in trees for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef) and "key" in [a.arg for a in node.args.args]
        and forwards_key(node)
    }

    def found(value: ast.expr, params: set[str]) -> None:
        if isinstance(value, ast.Constant) and isinstance(value.value, str):
            keys.setdefault(value.value, set()).update(params)
        elif (prefix := _prefix(value)) is not None:
            built.add(prefix)

    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                params = {k.arg for k in node.keywords if k.arg not in (None, "key")}
                for keyword in node.keywords:
                    if keyword.arg == "key":
                        found(keyword.value, params)
                index = takes_key.get(_function_name(node) or "")
                if index is not None and len(node.args) > index:
                    found(node.args[index], set())
            elif isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Attribute) and t.attr == "key" for t in node.targets
            ):
                found(node.value, set())
    return keys, built


def missing_keys(wanted: Iterable[str], catalogue: dict[str, str]) -> list[str]:
    return sorted(set(wanted) - set(catalogue))


def unused_keys(catalogue: dict[str, str], used: Iterable[str]) -> list[str]:
    return sorted(set(catalogue) - set(used))


# --- what the code can build -------------------------------------------------------------


def binding_ids() -> set[str]:
    """The id of every key binding of the app and of every screen and widget."""
    from textual.binding import Binding

    ids: set[str] = set()
    modules = ["cinema_tui.app"] + [
        f"cinema_tui.{folder}.{p.stem}"
        for folder in ("screens", "widgets") for p in sorted((CODE / folder).glob("*.py"))
        if p.stem != "__init__"
    ]
    for module in map(importlib.import_module, modules):
        for _, cls in inspect.getmembers(module, inspect.isclass):
            for binding in getattr(cls, "BINDINGS", []):
                if isinstance(binding, Binding) and binding.id:
                    ids.add(binding.id)
    return ids


def families() -> dict[str, tuple[set[str], bool]]:
    """prefix -> (every value the code may append to it, whether each must have a text).

    Not strict: a binding's ``key.<id>`` is optional (without it the footer, the help and
    the palette show the binding's own description).
    """
    from backend.api import SERVICE_NAMES, BreakerState
    from backend.hall_layout import SEAT_KINDS
    from backend.pricing import TYPE_ORDER
    from backend.services.payment.simulator import DECLINE_MESSAGES
    from cinema_tui.commands import GLOBAL
    from cinema_tui.screens.booking_detail import STATUS_STYLE
    from cinema_tui.screens.now_showing import RATING_STYLE
    from cinema_tui.widgets import seat_map, status_line, timeline
    from cinema_tui.widgets.booking_progress import FAILURES, STEPS

    error_keys, built = backend_error_keys(python_files(BACKEND))
    not_cancellable = {s.lower() for s in STATUS_STYLE} - {"paid", "completed"}
    assert built == {"cancel."}, f"a backend error key is built in a new way: {built}"
    return {
        "service.": (set(SERVICE_NAMES), True),
        "state.": (set(status_line.SYMBOLS), True),
        "status.": (set(STATUS_STYLE), True),
        "rating.": (set(RATING_STYLE), True),
        "ticket.": (set(TYPE_ORDER), True),
        "seat.legend.": (set(seat_map.SYMBOLS), True),
        "seat.kind.": (set(SEAT_KINDS), True),
        "progress.": ({step for step, _ in STEPS} | set(FAILURES), True),
        "cmd.": ({name for name, _ in GLOBAL}, True),
        "key.": (binding_ids(), False),
        "ops.breaker.": ({state.value for state in BreakerState}, True),
        # BookingDetailScreen.live_state, when it is not "paused" (a key of its own)
        "detail.": ({"live", "rested"}, True),
        "tl.": (set(timeline.REASON_STEPS) | set(timeline.SEAT_STEPS), True),
        "tl.HoldReleased.": ({"released", "expired"}, True),
        "tl.method.": ({"card", "cash"}, True),
        # the reasons put into words; any other is shown as it is (reason_text)
        "reason.": ({"card_declined", "insufficient_funds", "processing_error", "voided",
                     "declined", "cancelled by customer"}, True),
        "err.": (set(error_keys) | {"payment.down"}
                 | {f"cancel.{status}" for status in not_cancellable | {"started"}}, True),
        "err.declined.": (set(DECLINE_MESSAGES), True),
    }


# --- the real catalogues ----------------------------------------------------------------


@pytest.fixture(scope="module")
def ko() -> Groups:
    return catalogue_groups("ko")


@pytest.fixture(scope="module")
def en() -> Groups:
    return catalogue_groups("en")


@pytest.fixture(scope="module")
def keys() -> dict[str, str]:
    return i18n.catalogue("en")


@pytest.fixture(scope="module")
def code_keys(keys: dict[str, str]) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    from cinema_tui.app import BoxOfficeApp

    actions = {name.removeprefix("action_") for name in dir(BoxOfficeApp)
               if name.startswith("action_")}
    return keys_in_code(python_files(CODE), {k.split(".", 1)[0] for k in keys}, actions)


def test_both_languages_have_the_same_groups_and_keys(ko: Groups, en: Groups):
    assert structure_differences(ko, en) == []
    assert i18n.catalogue("ko").keys() == i18n.catalogue("en").keys()


def test_no_key_is_in_two_groups(ko: Groups, en: Groups):
    for groups in (ko, en):
        i18n.flatten(groups)  # raises on a key in two groups


def test_placeholders_match_between_languages():
    assert placeholder_differences(i18n.catalogue("ko"), i18n.catalogue("en")) == []


def test_no_text_is_empty():
    for lang in i18n.LANGUAGES:
        assert [k for k, text in i18n.catalogue(lang).items() if not text.strip()] == []


def test_every_literal_key_in_the_code_exists(code_keys, keys: dict[str, str]):
    literal, _ = code_keys
    assert {k: literal[k] for k in missing_keys(literal, keys)} == {}


def test_every_built_key_is_a_known_family(code_keys):
    """Each prefix the code builds keys from is listed in FAMILIES with its values, and
    each listed family is still built somewhere."""
    _, built = code_keys
    assert set(built) == set(families()), {p: built.get(p, "not in the code") for p in
                                           set(built) ^ set(families())}


def test_every_key_the_code_can_build_exists(keys: dict[str, str]):
    wanted = [prefix + value for prefix, (values, strict) in families().items() if strict
              for value in values]
    assert missing_keys(wanted, keys) == []


def test_every_backend_error_key_has_a_sentence_its_parameters_fill(keys: dict[str, str]):
    error_keys, _ = backend_error_keys(python_files(BACKEND))
    assert missing_keys((f"err.{k}" for k in error_keys), keys) == []
    derived = {"service": "service_name", "state": "state_name"}  # see errors._keyed
    unfilled = {}
    for key, params in error_keys.items():
        given = params | {derived[p] for p in params if p in derived} | {"keys"}  # i18n fills {keys[...]}
        for lang in i18n.LANGUAGES:
            left = placeholders(i18n.catalogue(lang)[f"err.{key}"]) - given
            if left:
                unfilled[f"{lang} err.{key}"] = left
    assert unfilled == {}


def test_no_key_is_unused(code_keys, keys: dict[str, str]):
    literal, _ = code_keys
    built = {prefix + value for prefix, (values, _) in families().items() for value in values}
    assert unused_keys(keys, set(literal) | built) == []


def test_a_missing_key_shows_itself_and_bad_formatting_keeps_the_text():
    assert i18n.t("no.such.key", "en") == "[no.such.key]"
    assert i18n.t("minutes", "ko", n=5) == "5분"
    assert i18n.t("minutes", "en", wrong=5) == "{n} min"
    assert i18n.has("app.title") and not i18n.has("no.such.key")


# --- each check can fail ---------------------------------------------------------------


def test_structure_check_can_fail():
    ko = {"seat": {"seat.a": "가", "seat.b": "나"}, "ko_only": {"x.y": "다"}}
    en = {"seat": {"seat.a": "A", "seat.c": "C"}}
    assert structure_differences(ko, en) == [
        "[ko_only] only in ko", "seat.b ([seat]) is missing in en", "seat.c ([seat]) is missing in ko",
    ]
    with pytest.raises(ValueError, match="more than one group"):
        i18n.flatten({"one": {"a.b": "x"}, "two": {"a.b": "y"}})


def test_placeholder_check_can_fail():
    ko = {"a.one": "{n}석", "a.two": "{code} 취소", "a.three": "{x.y} {z[0]}"}
    en = {"a.one": "{count} seats", "a.two": "Cancel {code}", "a.three": "{x} {z}"}
    assert placeholder_differences(ko, en) == ["a.one: ko ['n'] en ['count']"]


SOURCE = '''
from cinema_tui.i18n import t
COLUMNS = (("code", "shop.col.code", 6),)
def draw(self, state):
    self.tr("shop.heading")
    t("shop.missing", "en")
    self.app.t(f"shop.state.{state}")
    label = "shop.kind." + state
    self.notify("shop heading")  # not a key: a sentence
    self.run_action("app.quit")  # an action
'''


def test_code_key_checks_can_fail():
    catalogue = {"shop.heading": "Shop", "shop.col.code": "Code", "shop.state.open": "open",
                 "shop.kind.big": "big", "shop.spare": "never used"}
    literal, built = keys_in_code([("shop.py", SOURCE)], {"shop", "app"}, {"quit"})
    assert set(literal) == {"shop.col.code", "shop.heading", "shop.missing"}
    assert set(built) == {"shop.state.", "shop.kind."}
    assert missing_keys(literal, catalogue) == ["shop.missing"]
    used = set(literal) | {"shop.state.open", "shop.kind.big"}
    assert unused_keys(catalogue, used) == ["shop.spare"]
    # A family value the catalogue lacks is a missing key too.
    assert missing_keys(["shop.state.open", "shop.state.closed"], catalogue) == [
        "shop.state.closed"
    ]


def test_backend_key_check_can_fail():
    backend = '''
raise InvalidInput("Choose seats.", key="seats.none")
raise InvalidInput("Too many.", key="seats.max", n=8)
raise NotCancellable("No.", key=f"cancel.{status}", code=code)
refusal.key = "payment.down"
def lookup(table, key): return table[key]
def _typed(value, what, key):
    raise InvalidInput(what, key=key)
_typed(number, "The card number", "card.chars")
lookup(table, "not.a.key")
'''
    keys, built = backend_error_keys([("errors.py", backend)])
    assert keys == {"seats.none": set(), "seats.max": {"n"}, "payment.down": set(),
                    "card.chars": set()}
    assert built == {"cancel."}
    assert missing_keys((f"err.{k}" for k in keys), {"err.seats.none": "x"}) == [
        "err.card.chars", "err.payment.down", "err.seats.max",
    ]

