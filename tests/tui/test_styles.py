"""Screens' stylesheets: each screen's ``CSS_PATH`` is a ``.tcss`` file beside it that
Textual can parse, and no ``.tcss`` file there is left without a screen.

(The files reach an installed box office because the wheel takes every file of the
``cinema_tui`` package, not only its Python modules: ``uv build`` and look inside.)
"""

from __future__ import annotations

import importlib
import inspect
from pathlib import Path

from textual.app import App
from textual.css.stylesheet import Stylesheet
from textual.screen import Screen

SCREENS = Path(__file__).resolve().parents[2] / "cinema_tui" / "screens"


def screen_css_paths() -> dict[str, Path]:
    """Screen class name -> its stylesheet, for every screen defined in cinema_tui.screens."""
    found = {}
    for module_path in sorted(SCREENS.glob("*.py")):
        module = importlib.import_module(f"cinema_tui.screens.{module_path.stem}")
        for name, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, Screen) and cls.__module__ == module.__name__:
                css_path = cls.__dict__.get("CSS_PATH")
                if css_path is not None:  # relative: to the module's file, as Textual does
                    found[name] = Path(inspect.getfile(cls)).parent / css_path
    return found


def test_every_screen_stylesheet_is_beside_it_and_parses():
    paths = screen_css_paths()
    assert paths, "no screen has a CSS_PATH"
    variables = App().get_css_variables()  # $primary, $text-muted... of the default theme
    for name, path in paths.items():
        assert path.parent == SCREENS, (name, path)
        assert path.is_file(), (name, path)
        stylesheet = Stylesheet(variables=variables)
        stylesheet.read(path)
        stylesheet.parse()  # raises StylesheetParseError on a mistake


def test_no_stylesheet_is_left_without_a_screen():
    used = {path.name for path in screen_css_paths().values()}
    assert sorted(p.name for p in SCREENS.glob("*.tcss") if p.name not in used) == []
