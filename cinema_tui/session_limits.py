"""Warnings before a served session is cut off (idle too long, or at its time limit).

The SSH server enforces the limits; it tells the app about them in the environment
(``CINEMA_SESSION_IDLE_TIMEOUT_S``, ``CINEMA_SESSION_ENDS_AT``) so the clerk is warned in
the app, in their language, while there is still time to press a key or finish a sale.
A locally started app has neither variable and never warns.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from dataclasses import dataclass, field

from cinema_tui import i18n


def _span(seconds: float, lang: str) -> str:
    if seconds >= 90:
        return i18n.t("session.minutes", lang, n=round(seconds / 60))
    return i18n.t("session.seconds", lang, n=max(1, round(seconds)))


@dataclass
class SessionLimits:
    """The limits of this session, and which warnings have been given."""

    idle_timeout_s: float | None = None
    ends_at: float | None = None  # wall-clock epoch seconds
    _idle_warned: bool = field(default=False, repr=False)
    _time_warned: bool = field(default=False, repr=False)

    @classmethod
    def from_environment(cls, env: Mapping[str, str] = os.environ) -> SessionLimits | None:
        def number(name: str) -> float | None:
            try:
                value = float(env.get(name, ""))
            except ValueError:
                return None
            return value if value > 0 else None

        idle, ends = number("CINEMA_SESSION_IDLE_TIMEOUT_S"), number("CINEMA_SESSION_ENDS_AT")
        if idle is None and ends is None:
            return None
        return cls(idle_timeout_s=idle, ends_at=ends)

    #: the time limit is announced this long before it bites
    TIME_WARNING_S = 300.0

    @staticmethod
    def warn_before(limit_s: float) -> float:
        """How early to warn: a minute, or half the limit when it is short."""
        return min(60.0, limit_s / 2)

    def input_seen(self) -> None:
        self._idle_warned = False

    def warning(self, idle_s: float, lang: str, now: float | None = None) -> str | None:
        """The warning due now, if any (each is given once per stretch)."""
        now = time.time() if now is None else now
        if self.ends_at is not None and not self._time_warned:
            left = self.ends_at - now
            if 0 < left <= self.TIME_WARNING_S:
                self._time_warned = True
                return i18n.t("session.time_warning", lang, left=_span(left, lang))
        if self.idle_timeout_s is not None and not self._idle_warned:
            left = self.idle_timeout_s - idle_s
            if 0 < left <= self.warn_before(self.idle_timeout_s):
                self._idle_warned = True
                return i18n.t("session.idle_warning", lang, left=_span(left, lang))
        return None
