"""Help (F1), the command palette, the footer and the settings' ``[keymap]``: the keys as
a clerk reads them.

The help lists each key as the footer shows it with what it does in the clerk's language,
once per place, under a heading per screen, in 80 columns; the palette offers each action
once with its key and where it works; the footer puts the screen's own keys first and
cuts none; a ``[keymap]`` line moves a key, and help, palette and footer follow; a bad
line is told in a sentence. All on FakeOffice at 80×24 unless said otherwise.
"""

from __future__ import annotations

import importlib
import inspect
import re
from pathlib import Path

from textual.binding import Binding
from textual.command import CommandInput, CommandPalette
from textual.widgets import DataTable

from cinema_tui.app import BoxOfficeApp
from cinema_tui.keymap import binding_ids, install_keymap, reference_table
from cinema_tui.screens.checkout import CheckoutScreen
from cinema_tui.screens.find_cancel import FindCancelScreen
from cinema_tui.screens.help import HelpScreen
from cinema_tui.screens.history import HistoryScreen
from cinema_tui.screens.now_showing import NowShowingScreen
from cinema_tui.screens.ops import OpsScreen
from cinema_tui.screens.seat_select import SeatSelectScreen
from tests.tui.conftest import Notifications, started, wait_for

ROOT = Path(__file__).resolve().parents[2]
HANGUL = re.compile(r"[\uac00-\ud7a3]")
#: Key names as Textual spells them, which a clerk should never read.
RAW_KEY = re.compile(r"^(?:.*_.*|slash|plus|minus|escape|enter|backspace|delete|ctrl\+.*"
                     r"|f\d+)$")


async def open_help(pilot) -> HelpScreen:
    await pilot.press("f1")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, HelpScreen)
                   and pilot.app.screen.sections)
    return pilot.app.screen


async def open_checkout(pilot) -> CheckoutScreen:
    app = pilot.app
    shows = await app.office.showtimes(app.office.days()[1])
    show = next(s for s in shows if s.starts_at.hour >= 10)
    hold = await app.office.hold(show.id, ["E5", "E6"])
    await app.push_screen(CheckoutScreen(show, hold))
    await wait_for(pilot, lambda: isinstance(app.screen, CheckoutScreen))
    await pilot.pause()
    return app.screen


def every_action(app) -> set[str]:
    """The action strings of every binding the help could list (``leave('home')``...)."""
    actions = {b.action for b in app.BINDINGS if isinstance(b, Binding)}
    for rows in binding_ids(type(app)).values():
        actions |= {row.binding.action for row in rows}
    return actions


def assert_help_reads_well(screen: HelpScreen, actions: set[str]) -> None:
    """No raw action or key name, each key once per place, nothing cut at 80 columns."""
    assert screen.sections, "the help is empty"
    for title, lines in screen.sections:
        seen: list[str] = []
        for keys, what in lines:
            assert what and what not in actions and "(" + "'" not in what, (title, keys, what)
            assert not RAW_KEY.match(keys), (title, keys)
            seen += keys.split(" ")
        assert len(seen) == len(set(seen)), (title, seen)
    body = screen.query_one("#help-body")
    table = screen.query_one("#help-keys", DataTable)
    assert body.region.right <= 80
    assert table.virtual_size.width <= table.scrollable_content_region.width  # no column cut


def footer(app) -> list:
    return list(app.screen.query("FooterKey"))


def assert_footer_puts_own_keys_first(app, own: set[str]) -> None:
    """The screen's own keys before the global ones, each whole inside the screen, and
    every one of ``own`` (descriptions) shown."""
    keys = [k for k in footer(app) if not k.has_class("-command-palette")]
    active = app.screen.active_bindings
    is_global = [active[k.key].node is app for k in keys]
    assert is_global == sorted(is_global), [(k.key_display, k.description) for k in keys]
    assert own <= {k.description for k in keys}, [k.description for k in keys]
    width = app.screen.size.width
    for key in footer(app):
        assert key.region.x >= 0 and key.region.right <= width, (key.key_display, key.region)


# --- help --------------------------------------------------------------------------------


async def test_help_speaks_box_office(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await started(pilot)
        screen = await open_help(pilot)
        assert_help_reads_well(screen, every_action(app))
        titles = [title for title, _ in screen.sections]
        assert titles[0] == "Everywhere"  # the global keys first, then screen by screen
        assert {"Now showing", "Choose seats", "Checkout", "Find", "Ops"} <= set(titles)
        everywhere = dict(screen.sections[0][1])
        assert everywhere["F1"] == "Help: every key"
        assert everywhere["F3"] == "Find or cancel a booking"
        assert everywhere["^p"].startswith("Command palette")
        assert everywhere["^q"] == "Quit the box office"
        places = dict(screen.sections)
        assert ("[", "Previous day") in places["Now showing"]
        assert ("/", "Search box") in places["Find"]
        assert ("+", "Slower") in places["Ops"]
        assert ("1-9", "Best seats") in places["Choose seats"]
        # F5 is listed once: a screen that only guards a global key adds no line of its own
        ops_lines = [(t, what) for t, lines in screen.sections for k, what in lines if k == "F5"]
        assert ops_lines == [("Everywhere", everywhere["F5"])]
        # a global key that a screen uses for something else says where it does not apply
        for title, lines in screen.sections[1:]:
            for keys, _what in lines:
                if keys in everywhere:
                    assert title in everywhere[keys], (keys, title)
        # the table shows the same: headings, then keys and descriptions
        table = screen.query_one("#help-keys", DataTable)
        cells = [tuple(str(c) for c in table.get_row_at(i)) for i in range(table.row_count)]
        assert cells[0] == ("Everywhere", "")
        assert ("F8", "Switch language: 한국어") in cells
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, NowShowingScreen))


async def test_help_in_korean_fits_80_columns(make_app):
    app = make_app(language="ko")
    async with app.run_test(size=(80, 24)) as pilot:
        await started(pilot)
        screen = await open_help(pilot)
        assert_help_reads_well(screen, every_action(app))
        assert screen.sections[0][0] == "어디서나"
        for title, lines in screen.sections:
            assert HANGUL.search(title), title
            for keys, what in lines:
                assert HANGUL.search(what), (title, keys, what)
        assert "도움말" in str(screen.query_one("#help-title").render())


# --- palette -----------------------------------------------------------------------------


async def test_palette_offers_each_action_once_with_its_key(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await started(pilot)
        for reach in (None, "seat_select", "checkout", "find", "ops"):
            if reach == "seat_select":
                show = (await app.office.showtimes(app.office.days()[1]))[0]
                await app.push_screen(SeatSelectScreen(show))
                await wait_for(pilot, lambda: isinstance(app.screen, SeatSelectScreen))
            elif reach == "checkout":
                await open_checkout(pilot)
            elif reach == "find":
                await app.push_screen(FindCancelScreen())
                await wait_for(pilot, lambda: isinstance(app.screen, FindCancelScreen))
            elif reach == "ops":
                await pilot.press("f5")
                await wait_for(pilot, lambda: isinstance(app.screen, OpsScreen))
            commands = list(app.get_system_commands(app.screen))
            titles = [c.title for c in commands]
            assert len(titles) == len(set(titles)), titles
            for command in commands:
                assert command.title != command.help, command.title
                assert "(" not in command.title and "_" not in command.help, command
                assert " · " in command.help, command.help
        helps = {c.title: c.help for c in app.get_system_commands(app.screen)}
        assert helps["Find or cancel a booking"] == "F3 · Everywhere"
        assert helps["Slower"] == "+ · Ops"


async def test_palette_in_korean_and_it_runs_an_action(make_app):
    app = make_app(language="ko")
    async with app.run_test(size=(80, 24)) as pilot:
        await started(pilot)
        helps = {c.title: c.help for c in app.get_system_commands(app.screen)}
        assert helps["예매 내역"] == "F4 · 어디서나"
        assert helps["다음 날짜"] == "] · 상영 시간표"
        assert all(HANGUL.search(title) for title in helps)
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: CommandPalette.is_open(app))
        await pilot.press(*"예매 내역")
        await wait_for(pilot, lambda: app.screen.query("CommandList")
                       and app.screen.query_one("CommandList").option_count > 0)
        await pilot.press("down", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, HistoryScreen))


async def test_palette_prompt_is_korean(make_app):
    app = make_app(language="ko")
    async with app.run_test(size=(80, 24)) as pilot:
        await started(pilot)
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: CommandPalette.is_open(app) and app.screen.query(CommandInput))
        assert app.screen.query_one(CommandInput).placeholder == "동작 검색…"


# --- footer ------------------------------------------------------------------------------


async def test_footer_at_80_columns_puts_the_screens_keys_first(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await started(pilot)
        await wait_for(pilot, lambda: footer(app))
        assert [k.key_display for k in footer(app)][:2] == ["[", "]"]
        assert_footer_puts_own_keys_first(app, {"Previous day", "Next day"})
        shown = {k.key_display for k in footer(app)}
        assert {"F1", "F3", "F4", "F5", "F8"} <= shown  # cut at 80 columns before
        assert "F2" not in shown  # the programme is where F2 leads: no use here
        checkout = await open_checkout(pilot)
        global_ids = {b.id for b in app.BINDINGS if isinstance(b, Binding)}
        own = {app.t(f"key.{b.id}") for b in CheckoutScreen.BINDINGS
               if isinstance(b, Binding) and b.show and b.description and b.id
               and b.id not in global_ids}
        await wait_for(pilot, lambda: checkout.query("FooterKey"))
        assert_footer_puts_own_keys_first(app, own)
        assert "F1" in {k.key_display for k in footer(app)}


async def test_footer_in_korean_names_the_palette_when_wide(make_app):
    app = make_app(language="ko")
    async with app.run_test(size=(120, 30)) as pilot:
        await started(pilot)
        palette = lambda: app.screen.query_one("FooterKey.-command-palette")
        await wait_for(pilot, lambda: app.screen.query("FooterKey.-command-palette"))
        assert palette().description == "명령 팔레트"
        assert {"이전 날짜", "다음 날짜", "도움말", "종료"} <= {k.description for k in footer(app)}
        await pilot.resize_terminal(80, 24)
        await wait_for(pilot, lambda: app.screen.query("FooterKey.-command-palette")
                       and palette().description == "")
        assert_footer_puts_own_keys_first(app, {"이전 날짜", "다음 날짜"})


# --- keymap ------------------------------------------------------------------------------


async def test_keymap_moves_keys_and_help_palette_footer_follow(make_app):
    notes = Notifications()
    app = make_app(keymap={"next_day": "n", "find": "Ctrl+F"})
    async with app.run_test(size=(80, 24), message_hook=notes) as pilot:
        await started(pilot)
        screen = app.screen
        await pilot.press("n")
        await wait_for(pilot, lambda: screen.day_index == 1)
        await pilot.press("right_square_bracket", "left_square_bracket")  # ] does nothing now
        await wait_for(pilot, lambda: screen.day_index == 0)
        await wait_for(pilot, lambda: ("n", "Next day") in
                       {(k.key_display, k.description) for k in footer(app)})
        assert "]" not in {k.key_display for k in footer(app)}
        assert ("^f", "Find") in {(k.key_display, k.description) for k in footer(app)}
        helps = {c.title: c.help for c in app.get_system_commands(app.screen)}
        assert helps["Next day"] == "n · Now showing"
        assert helps["Find or cancel a booking"] == "^f · Everywhere"
        help_screen = await open_help(pilot)
        places = dict(help_screen.sections)
        assert ("n", "Next day") in places["Now showing"]
        assert "]" not in dict(places["Now showing"])
        assert dict(places["Everywhere"])["^f"] == "Find or cancel a booking"
        assert "F3" not in dict(places["Everywhere"])
        await pilot.press("escape")
        await pilot.press("ctrl+f")
        await wait_for(pilot, lambda: isinstance(app.screen, FindCancelScreen))
        assert "keymap" not in str(notes)  # nothing to complain about


async def test_keymap_mistakes_are_sentences_and_keep_the_defaults(make_app):
    notes = Notifications()
    app = make_app(keymap={"checkout_py": "f12", "prev_day": "f3", "next_day": " , ",
                           "best_5": "ctrl+shfit+x", "help": "question_mark"})
    async with app.run_test(size=(80, 24), message_hook=notes) as pilot:
        await started(pilot)
        said = str(notes)
        assert "there is no binding called “checkout_py”; did you mean “checkout_pay”?" in said
        assert "“prev_day”: F3 is already “Find” (Everywhere), so it keeps [." in said
        assert "“next_day” is given no key, so it keeps ]." in said
        assert "“best_5”: “ctrl+shfit+x” is not a key name" in said
        assert "“help” = ?: while a text field has the focus" in said  # applied, but warned
        screen = app.screen
        await pilot.press("right_square_bracket")  # kept its default
        await wait_for(pilot, lambda: screen.day_index == 1)
        await pilot.press("left_square_bracket")
        await wait_for(pilot, lambda: screen.day_index == 0)
        await pilot.press("question_mark")  # the warned one is applied
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
        await pilot.press("escape")
        await pilot.press("f3")  # still Find
        await wait_for(pilot, lambda: isinstance(app.screen, FindCancelScreen))


async def test_keymap_sentences_in_korean_and_never_an_exception(make_app, monkeypatch):
    app = make_app(language="ko", keymap={"checkout_py": "f12"})
    async with app.run_test(size=(80, 24)) as pilot:
        await started(pilot)
        assert install_keymap(app) == [
            "“checkout_py”라는 키 설정 이름은 없습니다. 혹시 “checkout_pay”의 오타인가요?"]
        app.settings = app.settings.model_copy(update={"keymap": {7: None, "next_day": None}})
        problems = install_keymap(app)
        assert len(problems) == 2 and all(isinstance(p, str) for p in problems)

        def broken(*_args):
            raise RuntimeError("the screens could not be listed")

        monkeypatch.setattr("cinema_tui.keymap.binding_places", broken)
        assert install_keymap(app) == [
            "적용하지 못했습니다 (the screens could not be listed). 모든 키가 기본값 그대로입니다."]


def test_every_binding_id_can_be_remapped():
    """Each id on a screen or widget of the app is in the map the keymap checks against
    (a new screen must be listed in ``cinema_tui.screens.SCREENS``)."""
    declared: set[str] = {b.id for b in BoxOfficeApp.BINDINGS if isinstance(b, Binding) and b.id}
    for folder in ("screens", "widgets"):
        for path in sorted((ROOT / "cinema_tui" / folder).glob("*.py")):
            if path.stem == "__init__":
                continue
            module = importlib.import_module(f"cinema_tui.{folder}.{path.stem}")
            for _, cls in inspect.getmembers(module, inspect.isclass):
                if cls.__module__ == module.__name__:
                    declared |= {b.id for b in cls.__dict__.get("BINDINGS", [])
                                 if isinstance(b, Binding) and b.id}
    assert declared - set(binding_ids(BoxOfficeApp)) == set()


def test_docs_keymap_lists_every_id():
    doc = (ROOT / "docs" / "keymap.md").read_text(encoding="utf-8")
    assert "[keymap]" in doc
    listed = set(re.findall(r"^\| `([^`]+)` \|", doc, flags=re.MULTILINE))
    assert listed == set(binding_ids(BoxOfficeApp))
    assert reference_table() in doc, "run: uv run python -m cinema_tui.keymap"
