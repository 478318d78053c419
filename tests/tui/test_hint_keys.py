"""Hint lines and sentences name the keys the keymap gives, not fixed text.

A ``[keymap]`` line moves a binding (docs/keymap.md); every hint and message that tells
the clerk to press that binding's key must then name the new key, in both languages,
and at the default keys say what it always said. The catalogues name a binding by its
id (``{keys[find]}``); a test over them makes sure every id exists, both languages use
the same ones, and no text names a movable key as fixed text. FakeOffice, 80×24.
"""

from __future__ import annotations

import re
import string

import pytest
from rich.cells import cell_len
from textual.widgets import Button, Static

from backend.api import BoxOfficeError
from cinema_tui import i18n
from cinema_tui.app import BoxOfficeApp
from cinema_tui.errors import human_message
from cinema_tui.key_words import KeyWords, key_for, key_word
from cinema_tui.keymap import binding_ids
from cinema_tui.screens.ops import OpsScreen
from cinema_tui.screens.ticket import TicketScreen
from tests.tui.conftest import started, wait_for
from tests.tui.test_help_keys import open_checkout
from tests.tui.test_ticket_text import mixed_sale

#: The keymap of these tests: a cinema that moved the keys its clerks use most.
MOVED = {"find": "f11", "next_day": "n", "prev_day": "p", "checkout_pay": "f12,ctrl+s",
         "save_ticket": "w", "ops-start": "o", "quit": "ctrl+x", "back": "ctrl+b"}
#: ``{keys[<id>]}`` or ``{keys[<id>]:all}`` in a catalogue text.
KEY_FIELD = re.compile(r"\{keys\[([^\]]+)\](?::([^}]*))?\}")
#: A movable key written as fixed text (a function key, a Ctrl chord, Esc, the day keys).
FIXED_KEY = re.compile(r"\bF\d{1,2}\b|\bCtrl\+[A-Z]\b|\bEsc\b|\[ \]|\((?:[A-Z])\)")
#: Fixed key text that is right as it is: Ctrl+C is the terminal's copy, not a binding.
FIXED_ON_PURPOSE = {"app.ctrl_c": {"Ctrl+C"}}
#: The hint lines: one screen line each, at most 80 columns at the default keys.
HINTS = ("now.hint", "seat.hint", "ticket.hint", "find.hint", "detail.hint", "history.hint",
         "help.title", "ops.services", "ops.breaker", "ops.dead", "checkout.pay",
         "checkout.tickets", "status.start_hint", "status.start_hint_many", "app.quit_hint")


def text(app, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


# --- keys in words --------------------------------------------------------------------------


@pytest.mark.parametrize("key, word", [
    ("f5", "F5"), ("ctrl+s", "Ctrl+S"), ("shift+tab", "Shift+Tab"), ("escape", "Esc"),
    ("enter", "Enter"), ("space", "Space"), ("delete", "Del"), ("left_square_bracket", "["),
    ("slash", "/"), ("plus", "+"), ("minus", "-"), ("up", "↑"), ("down", "↓"),
    ("left", "←"), ("right", "→"), ("R", "R"), ("s", "s"), ("ctrl+e", "Ctrl+E"),
    ("alt+f4", "Alt+F4"), ("home", "Home"), ("pagedown", "PgDn"),
])
def test_a_key_is_written_as_a_clerk_reads_it(key, word):
    assert key_word(key) == word


def test_the_first_key_of_a_binding_after_the_keymap_and_all_of_them_on_request():
    words = KeyWords()  # no app running: the default keys
    assert words["ticket_done"] == "Enter"
    assert f"{words['ticket_done']:all}" == "Enter/Esc"
    assert words["prev_day"] == "[" and words["ops-restart"] == "R"
    # a button's "(Y)": the keycap, with Shift written out so R is not read as r
    assert f"{words['confirm_yes']:cap}" == "Y" and f"{words['ops-restart']:cap}" == "Shift+R"
    assert f"{words['find']:cap}" == "F3"
    assert "find" in words and "checkout_py" not in words
    assert words["checkout_py"] == "[checkout_py]"  # visible, never an exception
    assert key_for(BoxOfficeApp, "checkout_py") is None


# --- on screen, after a remap -----------------------------------------------------------------


async def test_programme_hint_names_the_moved_keys(make_app):
    app = make_app(language="en", keymap=MOVED)
    async with app.run_test(size=(80, 24)) as pilot:
        await started(pilot)
        hint = text(app, "#now-hint")
        assert "p n: change day" in hint and "F11: find" in hint
        assert "F3" not in hint and "[" not in hint and "]" not in hint
        assert "F4: history" in hint and "F1: help" in hint  # not moved
        await pilot.press("f8")  # the other language, the same keys
        await wait_for(pilot, lambda: "날짜 이동" in text(app, "#now-hint"))
        assert "p n: 날짜 이동" in text(app, "#now-hint")
        assert "F11: 예매 조회" in text(app, "#now-hint")


async def test_checkout_pay_names_the_moved_key(make_app):
    app = make_app(language="en", keymap=MOVED)
    async with app.run_test(size=(80, 24)) as pilot:
        await started(pilot)
        screen = await open_checkout(pilot)
        assert str(screen.query_one("#pay", Button).label) == "Pay  F12"
        assert "Ctrl+S" not in str(screen.query_one("#pay", Button).label)


async def test_ticket_hint_names_the_moved_key(make_app):
    app = make_app(language="en", keymap=MOVED)
    async with app.run_test(size=(80, 24)) as pilot:
        await started(pilot)
        booking = await mixed_sale(app, {"adult": 1})
        await app.push_screen(TicketScreen(booking))
        await wait_for(pilot, lambda: isinstance(app.screen, TicketScreen))
        await pilot.pause()
        assert text(app, "#ticket-hint") == "W: save as text   Enter/Esc: done"


async def test_status_line_and_ops_name_the_moved_start_key(make_app):
    app = make_app(language="en", keymap=MOVED)
    async with app.run_test(size=(80, 24)) as pilot:
        await started(pilot)
        await app.office.stop_service("reservation")
        line = lambda: text(app, "#status-line")
        await wait_for(pilot, lambda: "stopped by an operator" in line())
        assert "— F5 Ops, o starts it" in line() and "g starts" not in line()
        await pilot.press("f5")
        await wait_for(pilot, lambda: isinstance(app.screen, OpsScreen))
        await pilot.pause()
        assert "o start" in text(app, "#ops-services-title")
        assert "g start" not in text(app, "#ops-services-title")
        stopped = BoxOfficeError("stopped", key="service.stopped", service="reservation",
                                 state="stopped")
        assert human_message(stopped, "en").endswith("on the Ops screen (F5, then o).")
        assert human_message(stopped, "ko").endswith("운영 화면(F5)에서 o를 눌러 다시 시작하세요.")
        assert app.t("ops.ask.stop_cinema", service="Cinema").endswith("(F5 Ops, then o).")
        assert app.t("app.ctrl_c").endswith("To quit, press Ctrl+X.")
        assert app.t("help.title") == "Help — keys (Esc: close)"  # help_close has its own
        assert app.t("find.hint").endswith("/: search  Ctrl+B: back")


async def test_korean_sentences_take_the_particle_of_the_moved_key(make_app):
    app = make_app(language="ko", keymap={"ops-start": "o", "quit": "ctrl+x",
                                          "focus_next": "ctrl+n"})
    async with app.run_test(size=(80, 24)) as pilot:
        await started(pilot)
        assert app.t("status.start_hint") == "— F5 운영에서 o로 시작"
        assert app.t("app.ctrl_c").endswith("종료하려면 Ctrl+X를 누르세요.")
        assert "휴대폰 번호는 Ctrl+N으로 휴대폰 칸에" in app.t("checkout.not_a_type")


async def test_at_the_default_keys_the_texts_say_what_they_said(make_app):
    app = make_app(language="en")
    async with app.run_test(size=(80, 24)) as pilot:
        await started(pilot)
        assert text(app, "#now-hint") == (
            "Enter: choose seats   [ ]: change day   F3: find   F4: history   F1: help")
        assert app.t("checkout.pay") == "Pay  Ctrl+S"
        assert app.t("ticket.hint") == "S: save as text   Enter/Esc: done"
        assert app.t("confirm.yes") == "Yes (Y)" and app.t("confirm.no") == "No (N)"
        assert app.t("find.button.reprint") == "Reprint ticket (R)"
        assert app.t("find.hint") == (
            "Enter: find  x: cancel  r: reprint  t: timeline  /: search  Esc: back")
        assert app.t("detail.hint") == (
            "↑↓: move through steps   Home/End: first/last step   Esc: back")
        assert app.t("history.hint") == "Enter: timeline   Tab: filters ⇄ table   Esc: back"
        assert app.t("ops.dead", n=2) == "Dead letters: 2 — Enter/r retry"
        assert app.t("status.start_hint") == "— F5 Ops, g starts it"
        assert app.t("ops.knobs", latency=5, failure=0, capacity=9) == (
            "Simulator latency 5 ms (+/-)\nfailures 0% (f) · capacity 9")
        assert app.t("checkout.not_a_type") == (
            "Ticket types change with ←/→ only. For a phone number, Tab to the phone field.")
        app.lang = "ko"
        assert app.t("checkout.not_a_type") == (
            "권종은 ←/→로만 바꿉니다. 휴대폰 번호는 Tab으로 휴대폰 칸에 가서 입력하세요.")
        assert app.t("status.start_hint") == "— F5 운영에서 g로 시작"


# --- the catalogues ---------------------------------------------------------------------------


def test_catalogues_name_keys_by_binding_ids_that_exist_the_same_in_both_languages():
    ids = set(binding_ids(BoxOfficeApp))
    ko, en = i18n.catalogue("ko"), i18n.catalogue("en")
    problems = []
    for key in sorted(en):
        named = {lang: sorted(KEY_FIELD.findall(cat[key])) for lang, cat in (("ko", ko), ("en", en))}
        if named["ko"] != named["en"]:
            problems.append(f"{key}: ko names {named['ko']}, en {named['en']}")
        for lang, cat in (("ko", ko), ("en", en)):
            for binding_id, spec in named[lang]:
                if binding_id not in ids:
                    problems.append(f"{lang} {key}: no binding called {binding_id!r}")
                if spec not in ("", "all", "cap"):
                    problems.append(f"{lang} {key}: {{keys[{binding_id}]:{spec}}} (:all, :cap)")
            fields = {f for _, f, _, _ in string.Formatter().parse(cat[key]) if f}
            if "keys" in fields and any(f.startswith("keys[") for f in fields):
                problems.append(f"{lang} {key}: uses {{keys}} both as a text and as the keys")
            fixed = set(FIXED_KEY.findall(cat[key])) - FIXED_ON_PURPOSE.get(key, set())
            if fixed:
                problems.append(f"{lang} {key}: names {sorted(fixed)} as fixed text")
    assert problems == []
    assert KEY_FIELD.search(en["now.hint"]) and KEY_FIELD.search(ko["status.start_hint"])


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_every_hint_line_fits_80_columns_at_the_default_keys(lang):
    for key in HINTS:
        line = i18n.t(key, lang, n=99, keys=KeyWords())
        assert "{" not in line and "keys[" not in line, (key, line)
        assert cell_len(line) <= 80, (key, cell_len(line), line)
