"""The app's screens, one per file."""

from __future__ import annotations

import importlib
from typing import Any

#: (module, class, i18n title key) of every screen a clerk can reach, in help order.
SCREENS = (
    ("now_showing", "NowShowingScreen", "key.home"),
    ("seat_select", "SeatSelectScreen", "screen.seat_select"),
    ("checkout", "CheckoutScreen", "screen.checkout"),
    ("ticket", "TicketScreen", "screen.ticket"),
    ("find_cancel", "FindCancelScreen", "key.find"),
    ("history", "HistoryScreen", "key.history"),
    ("booking_detail", "BookingDetailScreen", "screen.booking_detail"),
    ("ops", "OpsScreen", "key.ops"),
)


def all_screens(app: Any) -> list[tuple[str, type]]:
    """Every screen class with its title (for the help screen)."""
    return [
        (app.t(title), getattr(importlib.import_module(f"cinema_tui.screens.{module}"), name))
        for module, name, title in SCREENS
    ]
