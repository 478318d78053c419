"""``python -m cinema_tui``: the same as the ``cinema-tui`` command (the servers use it to
start one app per session with the interpreter they run on)."""

import sys

from cinema_tui.cli import main

sys.exit(main())
