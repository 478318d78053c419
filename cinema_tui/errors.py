"""Every failure becomes a sentence for the clerk, in the clerk's language.

Backend errors carry an English sentence; the common ones also get a Korean one here,
chosen by the error's kind (and reason). Anything else is reported without a traceback:
what went wrong in one line, and that nothing was lost.
"""

from __future__ import annotations

from backend.errors import (
    BoxOfficeError,
    HoldExpired,
    PaymentDeclined,
    PaymentPending,
    PaymentUnavailable,
    SeatUnavailable,
)
from cinema_tui.i18n import register, t

register(
    {
        "err.seat_unavailable": (
            "좌석 {seats}은(는) 이미 다른 예매에 잡혀 있습니다. 다른 좌석을 고르세요.",
            "Seat {seats} is already taken. Choose other seats.",
        ),
        "err.hold_expired": (
            "좌석 선점 시간이 지나 좌석이 반환되었습니다. 좌석을 다시 고르세요.",
            "The seat hold ran out and the seats were released. Choose the seats again.",
        ),
        "err.declined.card_declined": (
            "카드가 거절되었습니다. 청구된 금액은 없습니다. 다른 카드나 현금으로 결제하세요.",
            "The card was declined; nothing was charged. Use another card or cash.",
        ),
        "err.declined.insufficient_funds": (
            "카드 잔액이 부족합니다. 청구된 금액은 없습니다. 다른 카드나 현금으로 결제하세요.",
            "Insufficient funds; nothing was charged. Use another card or cash.",
        ),
        "err.declined.processing_error": (
            "카드사 처리 오류입니다. 청구된 금액은 없습니다. 다시 시도하거나 다른 수단으로 결제하세요.",
            "The card processor had an error; nothing was charged. Try again or pay another way.",
        ),
        "err.payment_unavailable": (
            "결제 시스템이 바쁩니다. 청구된 금액은 없고 좌석은 유지됩니다. {seconds}초 후 다시 시도하세요.",
            "Payment is busy; nothing was charged and the seats are kept. Try again in {seconds} s.",
        ),
        "err.payment_pending": (
            "결제 응답이 늦어 확인 중입니다 (예매번호 {code}). 잠시 후 조회한 뒤 다시 결제하세요.",
            "Payment is being confirmed (booking {code}). Look it up in a moment before "
            "charging again.",
        ),
    }
)


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
    if isinstance(exc, PaymentUnavailable):
        seconds = max(1, round(exc.retry_after or 3))
        return t("err.payment_unavailable", lang, seconds=seconds)
    if isinstance(exc, PaymentPending):
        return t("err.payment_pending", lang, code=exc.booking_code)
    if isinstance(exc, BoxOfficeError):
        return str(exc)
    detail = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    return t("app.unexpected", lang, error=detail)
