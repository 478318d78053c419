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
from cinema_tui.key_words import KeyWords
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
        # Tab moves focus before the next key is routed: keys that arrive together (a fast
        # typist, a card reader, a lagging SSH link) land in the field they were typed for.
        # (Without priority, Tab travels to the focused field and back before it acts, and
        # the keys behind it are already on their way to the old field.)
        Binding("tab", "focus_next", show=False, priority=True, id="focus_next"),
        Binding("shift+tab", "focus_previous", show=False, priority=True, id="focus_previous"),
        Binding("ctrl+q", "quit", "Quit", id="quit", priority=True),
        # Ctrl+C never quits (a reflex from the shell would abandon a sale): in a text field
        # it copies, elsewhere it says which key quits.
        Binding("ctrl+c", "quit_hint", show=False, id="quit_hint"),
    ]

    def __init__(
        self,
        settings: Settings,
        *,
        clock: Clock | None = None,
        office: BoxOfficeAPI | None = None,
        demo: bool = False,
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
        #: The keys as sentences name them (``{keys[find]}``), after the applied keymap;
        #: also for texts made without the app at hand (``errors.human_message``).
        self.key_words = KeyWords(self)
        i18n.use_key_words(self.key_words)
        #: a throw-away demo cinema: every heading carries a DEMO mark
        self.demo = demo
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
        """UI text in the current language (a demo's title carries the DEMO mark, so every
        screen's heading says it is not the real box office)."""
        if key == "app.title" and self.demo:
            key = "app.title_demo"
        fmt.setdefault("keys", self.key_words)  # {keys[find]}: the key the keymap gives
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
            # Kept, so quitting ends with a failure status and the sentence on the shell.
            self.startup_error = human_message(exc, self.lang)
            self.push_screen(StartupFailedScreen(self.startup_error))
            return
        self._install_keymap()
        self.push_screen(NowShowingScreen())
        if self.demo:
            self.notify(self.t("app.demo_notice"), timeout=10)
        self._check_size(self.size.width, self.size.height)
        if self.session_limits is not None:
            self.set_interval(1.0, self._warn_of_session_limits, name="session-limits")
        self._quit_on_terminate()
        self.run_worker(self._start_backend(), name="backend-start", exit_on_error=False)

    def _install_keymap(self) -> None:
        """The settings file's ``[keymap]``; a mistake in it is said, never fatal."""
        from cinema_tui.keymap import install_keymap

        for problem in install_keymap(self):
            self.notify(self.t("app.keymap_problem", problem=problem), severity="warning",
                        timeout=15)

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

    def action_command_palette(self) -> None:
        """The palette, its prompt in the clerk's language."""
        from cinema_tui.commands import open_palette

        open_palette(self)

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
        """Whether the screens that need the backend can open yet. A key pressed before
        (the programme is drawn from the catalog while the services start) is answered
        with the same sentence as Enter on a show, so it is never silently dropped. A box
        office that could not start shows why on its own screen: nothing to add."""
        if self.backend_ready.is_set():
            return True
        if not self.startup_error:
            self.notify(self.t("now.starting"), timeout=3)
        return False

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
        """Quit, after asking when a screen would lose work (a hold, typed payment).

        A box office that could not start ends with a failure status (the CLI also leaves
        the reason on stderr), so scripts and service managers see it.
        """
        from cinema_tui.screens.confirm import ConfirmScreen

        if self.startup_error:
            self.exit(1, return_code=1)
            return
        if isinstance(self.screen, ConfirmScreen):
            return  # a question is open: it is answered first (No is its default)
        work = self.unsaved_work()
        if work is None:
            self.exit(0)
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.exit(0)

        self.push_screen(
            ConfirmScreen(lambda: self.t("app.quit_question", work=self.unsaved_work() or ""),
                          title=self.t("app.quit_title")),
            answered,
        )

    def unsaved_work(self) -> str | None:
        """What quitting now would lose, in a sentence, or None.

        A screen that holds work (checkout with seats held or payment typed) says so with
        ``unsaved_work() -> str | None``; the topmost one that answers is asked.
        """
        for screen in reversed(self.screen_stack):
            ask = getattr(screen, "unsaved_work", None)
            if callable(ask):
                work = ask()
                if work:
                    return str(work)
        return None

    def action_quit_hint(self) -> None:
        """Ctrl+C outside a text field: say which key quits (it never quits itself)."""
        self.notify(self.t("app.ctrl_c"), timeout=5)

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
    demo: bool = False,
) -> BoxOfficeApp:
    """Build the app (the backend starts when the app mounts); ``demo`` marks every
    heading DEMO (``cinema-tui --demo``: a throw-away cinema)."""
    return BoxOfficeApp(settings or Settings(), clock=clock, office=office, demo=demo)


__all__ = ["MIN_HEIGHT", "MIN_WIDTH", "BoxOfficeApp", "create_app"]
