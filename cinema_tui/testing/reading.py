"""Reading what the app shows: a widget's text, what it draws, and its toasts.

Always the current screen (``app.screen``), by the documented ids. These never wait:
for something a worker is still filling in, use ``waits.wait_for_text``.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import App
from textual.content import Content
from textual.geometry import Region
from textual.message import Message
from textual.notifications import Notify
from textual.widgets import Input


def shown(app: App[object], selector: str) -> str:
    """What a widget of the current screen draws, line by line (right-trimmed): for
    widgets that hold a Rich renderable such as ``#ticket-details`` (a table)."""
    widget = app.screen.query_one(selector)
    lines = widget.render_lines(Region(0, 0, widget.region.width, widget.region.height))
    return "\n".join(strip.text.rstrip() for strip in lines).rstrip("\n")


def text(app: App[object], selector: str) -> str:
    """The text a widget of the current screen holds: an ``Input``'s value, a
    ``Static``'s or ``Label``'s plain text, and for anything else what it draws."""
    widget = app.screen.query_one(selector)
    if isinstance(widget, Input):
        return widget.value
    rendered = widget.render()
    if isinstance(rendered, Content | Text):
        return rendered.plain
    if isinstance(rendered, str):
        return rendered
    return shown(app, selector)


class Notifications:
    """Every ``notify()`` of an app, in order: pass it as ``run_test(message_hook=...)``.

    ``notifications.messages`` holds each message's text, and stays once the toast is
    gone (``run_test`` draws no toasts unless ``notifications=True``).
    """

    def __init__(self) -> None:
        self.messages: list[str] = []

    def __call__(self, message: Message) -> None:
        if isinstance(message, Notify):
            self.messages.append(message.notification.message)

    def __str__(self) -> str:
        return " | ".join(self.messages)


__all__ = ["Notifications", "shown", "text"]
