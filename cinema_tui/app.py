"""The box office app: builds with its backend injected, starts it in the background.

``create_app`` is the one factory the CLI, the SSH server and the tests use. The app
owns the box office (a ``BoxOfficeAPI``: the real ``BoxOffice`` or a fake one); screens
reach it as ``self.app.office`` (typed, through ``cinema_tui.app_text.AppText``) and call
it only from workers, so the interface never waits on the backend. Any failure in a
worker becomes a notification in the clerk's language (``show_error``) and never takes
the app down. When the backend is up and when the language changes, every screen on the
stack is told with a message (``cinema_tui.messages``).
"""

from __future__ import annotations

import asyncio
import gc
import signal
import time
from collections.abc import Iterable
from typing import Any
from zoneinfo import ZoneInfo

from textual import events, on
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.events import Resize
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from backend import BoxOffice
from backend.api import Booking, BoxOfficeAPI, BoxOfficeError, Clock, Settings
from cinema_tui import i18n, wide_text
from cinema_tui.errors import human_message
from cinema_tui.format import won
from cinema_tui.messages import BackendReady, LanguageChanged
from cinema_tui.session_limits import SessionLimits

MIN_WIDTH = 80
MIN_HEIGHT = 24


class BoxOfficeApp(App[int]):
    """A keyboard-first box office."""

    CSS_PATH = "styles.tcss"
    TITLE = "행복 Cinema"
    ENABLE_COMMAND_PALETTE = True
    BINDINGS = [
        Binding("f1", "help", "Help", id="help"),
        Binding("f2", "home", "Showing", id="home"),
        Binding("f3", "find", "Find", id="find"),
        Binding("f4", "history", "History", id="history"),
        Binding("f5", "ops", "Ops", id="ops"),
        Binding("f8", "switch_language", "Language", id="language"),
        Binding("ctrl+t", "toggle_theme", "Theme", id="theme", show=False),
        Binding("ctrl+q", "quit", "Quit", id="quit", priority=True),
        Binding("ctrl+c", "quit", "Quit", id="quit-ctrl-c", show=False, priority=True),
    ]

    def __init__(
        self,
        settings: Settings,
        *,
        clock: Clock | None = None,
        office: BoxOfficeAPI | None = None,
    ) -> None:
        super().__init__()
        wide_text.install()  # Hangul in toasts and menus must not lose letters
        if "sqlite_inline" not in settings.model_fields_set:
            # The services share this event loop with the screen: their transactions go
            # to the stores' threads, so a key press never queues behind them (with them
            # inline, key-to-repaint under a siege went from 10 ms to 900 ms).
            settings = settings.model_copy(update={"sqlite_inline": False})
        self.settings = settings
        self.lang = settings.language
        self.office: BoxOfficeAPI = office or BoxOffice(settings, clock=clock)
        #: Set once the backend is running; testers can ``await app.backend_ready.wait()``.
        self.backend_ready = asyncio.Event()
        #: Why the backend could not start (shown full screen; None while all is well).
        self.startup_error: str | None = None
        self._too_small_shown = False
        self.theme = "textual-dark"
        #: set when served over SSH: the limits the server will enforce (we warn first)
        self.session_limits = SessionLimits.from_environment()
        self._last_input = time.monotonic()

    # --- text -----------------------------------------------------------------------------

    def t(self, key: str, **fmt: object) -> str:
        """UI text in the current language."""
        return i18n.t(key, self.lang, **fmt)

    def won(self, amount: int | None) -> str:
        return won(amount)

    @property
    def tz(self) -> ZoneInfo:
        return self.office.catalog.timezone

    # --- start and stop -------------------------------------------------------------------

    def on_mount(self) -> None:
        """Show the programme at once (it is only files); start the services meanwhile."""
        from cinema_tui.screens.loading import StartupFailedScreen
        from cinema_tui.screens.now_showing import NowShowingScreen

        self.title = self.t("app.title")
        try:
            self.office.catalog  # noqa: B018 - loads and checks the data files now
        except BoxOfficeError as exc:
            self.push_screen(StartupFailedScreen(human_message(exc, self.lang)))
            return
        self.push_screen(NowShowingScreen())
        self._check_size(self.size.width, self.size.height)
        if self.session_limits is not None:
            self.set_interval(1.0, self._warn_of_session_limits, name="session-limits")
        self._quit_on_terminate()
        self.run_worker(self._start_backend(), name="backend-start", exit_on_error=False)

    def _quit_on_terminate(self) -> None:
        """SIGTERM quits like Ctrl+Q: the terminal is restored and the backend closed,
        instead of the process dying mid-screen. (SIGHUP, a terminal that has gone, is
        left to its default: there is no screen left to restore; see ``cli``.)"""
        if self.is_headless:
            return
        try:
            asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, self.exit)
        except (NotImplementedError, RuntimeError, ValueError):
            pass

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, (events.Key, events.MouseDown, events.Paste)):
            self._last_input = time.monotonic()
            if self.session_limits is not None:
                self.session_limits.input_seen()
        await super().on_event(event)

    def _warn_of_session_limits(self) -> None:
        assert self.session_limits is not None
        message = self.session_limits.warning(time.monotonic() - self._last_input, self.lang)
        if message:
            self.notify(message, severity="warning", timeout=30)

    async def _start_backend(self) -> None:
        if not self.office.running:
            await self.office.start()  # loads its machinery off the loop: keys stay quick
        gc.freeze()  # what start-up built lives for the whole session: keep it out of GC passes
        self.backend_ready.set()
        for screen in self.screen_stack:
            screen.post_message(BackendReady())

    async def on_unmount(self) -> None:
        await self.office.close()

    @on(Worker.StateChanged)
    def _worker_failed(self, event: Worker.StateChanged) -> None:
        """One place where a failing worker turns into a message (never a crash)."""
        if event.state is not WorkerState.ERROR:
            return
        error = event.worker.error
        if event.worker.name == "backend-start":
            from cinema_tui.screens.loading import StartupFailedScreen

            message = human_message(error, self.lang) if error else "?"
            self.startup_error = message
            self.switch_screen(StartupFailedScreen(message))
            return
        if error is not None:
            self.show_error(error)

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """The command palette offers every action, named in the current language."""
        from cinema_tui.commands import box_office_commands

        return box_office_commands(self, screen)

    def show_error(self, exc: BaseException) -> None:
        """Tell the clerk what went wrong, in words."""
        if not isinstance(exc, BoxOfficeError):
            self.log.error(f"unexpected error: {exc!r}")
        self.notify(human_message(exc, self.lang), severity="error", timeout=8)

    # --- size -------------------------------------------------------------------------------

    def on_resize(self, event: Resize) -> None:
        self._check_size(event.size.width, event.size.height)

    def _check_size(self, width: int, height: int) -> None:
        from cinema_tui.screens.too_small import TooSmallScreen

        small = width < MIN_WIDTH or height < MIN_HEIGHT
        if small and not isinstance(self.screen, TooSmallScreen):
            self.push_screen(TooSmallScreen(MIN_WIDTH, MIN_HEIGHT))
        elif not small and isinstance(self.screen, TooSmallScreen):
            self.pop_screen()

    # --- actions ------------------------------------------------------------------------------

    def _backend_up(self) -> bool:
        return self.backend_ready.is_set()

    async def action_home(self) -> None:
        """Back to the programme, leaving whatever flow was open."""
        if not self._backend_up():
            return
        from cinema_tui.screens.now_showing import NowShowingScreen

        while len(self.screen_stack) > 2 and not isinstance(self.screen, NowShowingScreen):
            await self.pop_screen()

    async def action_find(self) -> None:
        if not self._backend_up():
            return
        from cinema_tui.screens.find_cancel import FindCancelScreen

        if not isinstance(self.screen, FindCancelScreen):
            await self.push_screen(FindCancelScreen())

    async def action_history(self) -> None:
        if not self._backend_up():
            return
        from cinema_tui.screens.history import HistoryScreen

        if not isinstance(self.screen, HistoryScreen):
            await self.push_screen(HistoryScreen())

    async def action_ops(self) -> None:
        if not self._backend_up():
            return
        from cinema_tui.screens.ops import OpsScreen

        if not isinstance(self.screen, OpsScreen):
            await self.push_screen(OpsScreen())

    async def action_help(self) -> None:
        from cinema_tui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            await self.push_screen(HelpScreen())

    async def action_switch_language(self) -> None:
        """Korean ⇄ English, everywhere at once."""
        self.lang = "en" if self.lang == "ko" else "ko"
        self.title = self.t("app.title")
        for screen in list(self.screen_stack):
            screen.post_message(LanguageChanged(self.lang))
        self.notify(self.t("lang.switched"), timeout=2)

    def action_toggle_theme(self) -> None:
        self.theme = "textual-light" if self.theme == "textual-dark" else "textual-dark"

    async def action_quit(self) -> None:
        # A box office that could not start ends with a failure status (the CLI also
        # leaves the reason on stderr), so scripts and service managers see it.
        self.exit(1 if self.startup_error else 0)

    async def show_ticket(self, booking: Booking) -> None:
        """After a sale: leave the selling flow and show the ticket."""
        from cinema_tui.screens.now_showing import NowShowingScreen
        from cinema_tui.screens.ticket import TicketScreen

        with self.batch_update():  # no glimpse of the seat map on the way out
            while len(self.screen_stack) > 2 and not isinstance(self.screen, NowShowingScreen):
                await self.pop_screen()
            await self.push_screen(TicketScreen(booking))


def create_app(
    settings: Settings | None = None,
    *,
    clock: Clock | None = None,
    office: BoxOfficeAPI | None = None,
) -> BoxOfficeApp:
    """Build the app (the backend starts when the app mounts)."""
    return BoxOfficeApp(settings or Settings(), clock=clock, office=office)


__all__ = ["MIN_HEIGHT", "MIN_WIDTH", "BoxOfficeApp", "create_app"]
