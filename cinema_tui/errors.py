"""Every failure becomes a sentence for the clerk, in the clerk's language.

Backend errors carry an English sentence; the common ones also get a Korean one here,
chosen by the error's kind (and reason). Anything else is reported without a traceback:
what went wrong in one line, and that nothing was lost.
"""

from __future__ import annotations

from backend.api import (
    BoxOfficeError,
    HoldExpired,
    PaymentDeclined,
    PaymentPending,
    PaymentUnavailable,
    SeatUnavailable,
)
from cinema_tui.i18n import has, t


def _keyed(exc: BoxOfficeError, lang: str) -> str | None:
    """The translated sentence of a keyed backend error, if there is one."""
    if not exc.key or not has(f"err.{exc.key}"):
        return None
    params = dict(exc.params)
    if "service" in params:
        params["service_name"] = t(f"service.{params['service']}", lang)
    if "state" in params:
        params["state_name"] = t(f"state.{params['state']}", lang)
    return t(f"err.{exc.key}", lang, **params)


def human_message(exc: BaseException, lang: str) -> str:
    """What to tell the clerk about ``exc``."""
    if isinstance(exc, SeatUnavailable) and exc.seats:
        return t("err.seat_unavailable", lang, seats=", ".join(exc.seats))
    if isinstance(exc, HoldExpired):
        return t("err.hold_expired", lang)
    if isinstance(exc, PaymentDeclined):
        key = f"err.declined.{exc.reason}"
        text = t(key, lang)
        return str(exc) if text.startswith("[") else text
    if isinstance(exc, PaymentUnavailable) and exc.key == "payment.down":
        return t("err.payment.down", lang)
    if isinstance(exc, PaymentUnavailable):
        seconds = max(1, round(exc.retry_after or 3))
        return t("err.payment_unavailable", lang, seconds=seconds)
    if isinstance(exc, PaymentPending):
        return t("err.payment_pending", lang, code=exc.booking_code)
    if isinstance(exc, BoxOfficeError):
        return _keyed(exc, lang) or str(exc)
    detail = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    return t("app.unexpected", lang, error=detail)
