"""Ctrl+Q in a real terminal, mid-sale: the box office asks before it quits.

A pty, not the pilot: what matters is what a clerk at a real keyboard gets (Ctrl+C as
the terminal sends it, the question on screen, the shell's exit status).
"""

from __future__ import annotations

import os
import re

import pytest

from tests.terminal import TMUX, cli

pytestmark = pytest.mark.skipif(
    TMUX is None and not os.environ.get("CI"), reason="needs tmux (.ci/run installs it)"
)


def test_ctrl_q_mid_sale_asks_and_ctrl_c_never_quits(terminals, tmp_path):
    terminal = terminals()
    exit_file = tmp_path / "exit-status"
    terminal.start([*cli(), "--demo", "--lang", "en"], exit_file)
    terminal.wait_for("Now showing")
    terminal.wait_for("● Information")
    terminal.keys("]")  # tomorrow: nothing has started yet
    terminal.until_still()
    terminal.keys("Enter")
    terminal.wait_for("Choose seats")
    terminal.keys("2")  # the two best seats
    terminal.wait_for(re.compile(r"Selected: [A-Z]\d"))
    terminal.keys("Enter")
    terminal.wait_for("Checkout")
    terminal.wait_for("Hold ")

    terminal.keys("C-c")  # the shell's reflex: never quits
    terminal.wait_for("Ctrl+Q")
    assert not exit_file.exists()

    terminal.keys("C-q")
    screen = terminal.wait_for("Quit the box office?")
    assert "given back" in screen or "released" in screen, screen
    terminal.keys("Enter")  # No has the focus: the sale stays
    terminal.wait_for("Checkout")
    assert not exit_file.exists()

    terminal.keys("C-q")
    terminal.wait_for("Quit the box office?")
    terminal.keys("y")
    assert terminal.exit_status() == 0
