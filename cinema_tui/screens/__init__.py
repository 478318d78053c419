"""The app's screens, one per file, and where each key binding of the app lives.

The help screen, the command palette, the footer and the ``[keymap]`` check all need the
same map: which bindings the app has, on which screen (or widget of a screen) each one
applies, and what that place is called. It is kept here, next to the screens, so a new
screen is added to it in the same place it is written.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any

#: (module, class, i18n title key) of every screen with keys of its own, in help order
#: (a test fails if a screen or widget has a binding id and is not listed here).
SCREENS = (
    ("now_showing", "NowShowingScreen", "now.heading"),
    ("seat_select", "SeatSelectScreen", "screen.seat_select"),
    ("checkout", "CheckoutScreen", "screen.checkout"),
    ("ticket", "TicketScreen", "screen.ticket"),
    ("find_cancel", "FindCancelScreen", "key.find"),
    ("history", "HistoryScreen", "key.history"),
    ("booking_detail", "BookingDetailScreen", "screen.booking_detail"),
    ("ops", "OpsScreen", "key.ops"),
    ("confirm", "ConfirmScreen", "confirm.title"),
    ("help", "HelpScreen", "key.help"),
)

#: (module, class, i18n title key, screen class) of every widget with keys of its own:
#: its keys work while it has the focus, on that screen.
WIDGETS = (
    ("cinema_tui.widgets.payment_fields", "TicketTypeRow", "help.on_ticket_type",
     "CheckoutScreen"),
    ("cinema_tui.widgets.timeline", "TimelineView", "help.on_timeline", "BookingDetailScreen"),
)


@dataclass(frozen=True)
class Place:
    """Where a group of bindings applies: the whole app, one screen, or one widget."""

    name: str  # the class name ("CheckoutScreen"), or "app" for the global keys
    title_key: str  # its name for the clerk (an i18n key)
    owner: type  # the class whose BINDINGS these are
    screen: str | None = None  # for a widget: the screen it is on

    @property
    def is_global(self) -> bool:
        return self.name == "app"


def all_screens(app: Any) -> list[tuple[str, type]]:
    """Every screen class with its title, in help order."""
    return [
        (app.t(title), getattr(importlib.import_module(f"cinema_tui.screens.{module}"), name))
        for module, name, title in SCREENS
    ]


def binding_places(app_class: type) -> list[Place]:
    """Every place with bindings: the app's global keys first, then each screen in help
    order, each followed by the widgets on it that have keys of their own."""
    places = [Place("app", "help.everywhere", app_class)]
    widgets = [
        Place(name, title, getattr(importlib.import_module(module), name), screen)
        for module, name, title, screen in WIDGETS
    ]
    for module, name, title in SCREENS:
        cls = getattr(importlib.import_module(f"cinema_tui.screens.{module}"), name)
        places.append(Place(name, title, cls))
        places.extend(w for w in widgets if w.screen == name)
    return places
