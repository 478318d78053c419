"""Command palette entries for every action: the app's and the current screen's.

The palette (Ctrl+P) is the clerk's way to find an action without remembering its key:
each entry is named in the current language, and the current screen's own keys (select
seat, pay, cancel booking...) are offered next to the global ones.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from textual.app import SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from cinema_tui.i18n import has, register

if TYPE_CHECKING:
    from cinema_tui.app import BoxOfficeApp

register(
    {
        "cmd.home": ("상영 시간표로 가기 (F2)", "Go to now showing (F2)"),
        "cmd.find": ("예매 조회·취소 (F3)", "Find or cancel a booking (F3)"),
        "cmd.history": ("예매 내역 (F4)", "Booking history (F4)"),
        "cmd.ops": ("운영: 서비스·차단기·장애 주입 (F5)", "Ops: services, breaker, faults (F5)"),
        "cmd.help": ("도움말: 모든 키 (F1)", "Help: every key (F1)"),
        "cmd.language": ("언어 바꾸기: English (F8)", "Switch language: 한국어 (F8)"),
        "cmd.theme": ("밝은/어두운 테마 (Ctrl+T)", "Light/dark theme (Ctrl+T)"),
        "cmd.quit": ("종료 (Ctrl+Q)", "Quit (Ctrl+Q)"),
        "cmd.screen": ("이 화면", "This screen"),
    }
)

GLOBAL = (
    ("home", "action_home"),
    ("find", "action_find"),
    ("history", "action_history"),
    ("ops", "action_ops"),
    ("help", "action_help"),
    ("language", "action_switch_language"),
    ("theme", "action_toggle_theme"),
    ("quit", "action_quit"),
)


def box_office_commands(app: "BoxOfficeApp", screen: Screen[object]) -> Iterable[SystemCommand]:
    """Every action the clerk can take from here."""
    for key, method in GLOBAL:
        yield SystemCommand(app.t(f"cmd.{key}"), app.t(f"cmd.{key}"), getattr(app, method))
    for binding in type(screen).BINDINGS:
        if not isinstance(binding, Binding) or not binding.description:
            continue
        title = app.t(f"key.{binding.id}") if binding.id and has(f"key.{binding.id}") else (
            binding.description
        )
        action = binding.action

        async def run(action: str = action) -> None:
            await screen.run_action(action)

        yield SystemCommand(f"{title} ({binding.key})", app.t("cmd.screen"), run)
