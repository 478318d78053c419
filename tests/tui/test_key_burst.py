"""Keys that arrive together land in the field they were typed for, in a real terminal
(issue #12, item 2).

A fast typist, a keyboard-wedge card reader or a lagging SSH link delivers a card number,
Tab, the expiry, Tab and the CVC in one read. Before, the expiry went into the card
number ("this one has 20 digits"): Tab moved the focus only once it had travelled to the
focused field and back, when the keys behind it were already on their way to the old
field. The pilot hands keys over one at a time, so this is tested where it happens: the
real app in tmux at 80×24, every key of the burst sent by ONE ``tmux send-keys``, which
writes them to the app's pty together.
"""

from __future__ import annotations

import os
import re
import subprocess

import pytest

from tests.terminal import TMUX, Terminal, cli

pytestmark = pytest.mark.skipif(
    TMUX is None and not os.environ.get("CI"), reason="needs tmux (.ci/run installs it)"
)


def send_together(terminal: Terminal, *keys: str) -> None:
    """Every key in one ``send-keys``: the app reads them from its pty as one burst."""
    assert TMUX is not None
    subprocess.run([TMUX, "-L", terminal.socket, "-f", "/dev/null", "send-keys",
                    "-t", terminal.name, *keys], check=True, timeout=20)


def at_checkout(terminal: Terminal, tmp_path) -> None:
    """The demo box office, tomorrow's first show, the best two seats, the checkout."""
    terminal.start([*cli(), "--demo", "--lang", "en"], tmp_path / "exit-status")
    terminal.wait_for("Now showing")
    terminal.wait_for("● Information")  # the services are up
    terminal.keys("]")  # tomorrow: nothing has started yet
    terminal.until_still()
    terminal.keys("Enter")
    terminal.wait_for("Choose seats")
    terminal.keys("2")
    terminal.wait_for(re.compile(r"Selected: [A-Z]\d"))
    terminal.keys("Enter")
    terminal.wait_for("Checkout")
    terminal.wait_for(re.compile(r"▸ [A-Z]\d+ +◀ Adult"))  # the first ticket row has the focus


def test_card_number_tab_expiry_tab_cvc_in_one_burst(terminals, tmp_path):
    terminal = terminals()
    at_checkout(terminal, tmp_path)
    terminal.keys("F7")  # card: the cursor goes to the card number
    terminal.wait_for("▸ Card no.")

    send_together(terminal, "4242 4242 4242 4242", "Tab", "12/30", "Tab", "123")
    screen = terminal.wait_for("▸ CVC")
    screen = terminal.wait_for("•••• •••• •••• 4242")
    assert re.search(r"Expiry +12/30 ", screen), screen
    assert "digits" not in screen and "not valid" not in screen, screen

    terminal.keys("C-s")
    terminal.wait_for("Booking code")
    terminal.wait_for("VISA •••• 4242")


def test_a_whole_sale_typed_in_one_burst(terminals, tmp_path):
    """Ticket type, phone, both method keys, card, expiry, CVC and the Enter that pays:
    every key that moves the focus (→ and ↓ on a row, Enter in a field, F6/F7) acts
    before the next key of the burst is read."""
    terminal = terminals()
    at_checkout(terminal, tmp_path)
    send_together(terminal, "Right", "Down", "Down", "01012345678", "Enter", "F6", "F7",
                  "4242424242424242", "Enter", "1230", "Enter", "123", "Enter")
    terminal.wait_for("Booking code")
    screen = terminal.wait_for("010-1234-5678")  # the ticket's details are drawn
    assert "VISA •••• 4242" in screen
    tickets = next(line for line in screen.splitlines() if "Tickets" in line)
    assert "Adult" in tickets and "Youth" in tickets, screen  # → made one seat youth
