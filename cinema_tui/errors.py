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
from cinema_tui.i18n import has, register, t

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
        "err.declined.cash_error": (
            "금전 등록기 오류로 받은 금액이 없습니다. 현금을 다시 세어 시도하거나 카드로 결제하세요.",
            "The cash register had an error; nothing was taken. Count again and retry, or pay "
            "by card.",
        ),
        "err.payment.down": (
            "결제 서비스가 중지되어 있습니다. 청구된 금액은 없고 좌석은 유지됩니다. 잠시 후 다시 시도하세요.",
            "The payment service is down; nothing was charged and the seats are kept. Try again "
            "in a moment.",
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
        # keyed backend errors (BoxOfficeError.key), in both languages
        "err.card.chars": ("카드 번호에는 숫자, 공백, -만 쓸 수 있습니다.",
                           "The card number may contain only digits, spaces and dashes."),
        "err.card.length": ("카드 번호는 12~19자리입니다 (입력: {n}자리).",
                            "A card number has 12 to 19 digits; this one has {n}."),
        "err.card.luhn": ("유효하지 않은 카드 번호입니다. 오타가 없는지 확인하세요.",
                          "That card number is not valid; check it for a typo."),
        "err.expiry.format": ("유효기간은 MM/YY 형식으로 입력하세요 (예: 12/30).",
                              "Expiry must be written MM/YY, for example 12/30."),
        "err.expiry.month": ("유효기간의 월은 01~12입니다.", "Expiry month must be 01 to 12."),
        "err.expiry.past": ("유효기간({expiry})이 지난 카드입니다.",
                            "This card expired at the end of {expiry}."),
        "err.cvc": ("{brand} 카드의 보안코드(CVC)는 {n}자리입니다.",
                    "The security code (CVC) of a {brand} card has {n} digits."),
        "err.cash.whole": ("받은 현금은 원 단위 정수로 입력하세요.",
                           "The cash tendered must be a whole number of won."),
        "err.cash.empty": ("고객에게 받은 현금을 입력하세요.",
                           "Enter the cash the customer handed over."),
        "err.cash.short": ("받은 금액 {tendered}이(가) 부족합니다. 합계 {total}, {missing} 더 필요합니다.",
                           "{tendered} is not enough: the total is {total} ({missing} more)."),
        "err.cash.max": ("현금 결제는 한 번에 최대 {max}까지입니다. 받은 금액을 확인하세요.",
                         "One payment takes at most {max} in cash; check the amount tendered."),
        "err.card.ascii": (
            "카드 번호는 숫자 0–9로 입력하세요. 전각 숫자 등 다른 숫자는 받지 않습니다.",
            ("Type the card number with the digits 0–9; other digits (such as full-width "
             "ones) are not accepted."),
        ),
        "err.expiry.ascii": ("유효기간은 숫자 0–9로, MM/YY 형식으로 입력하세요 (예: 12/30).",
                             "Write the expiry with the digits 0–9, as MM/YY (for example 12/30)."),
        "err.phone.ascii": (
            "“{phone}”에 0–9가 아닌 숫자가 있습니다. 전화번호는 0–9로 입력하세요 (예: 010-1234-5678).",
            ("“{phone}” has digits other than 0–9: type the phone number with 0–9, like "
             "010-1234-5678."),
        ),
        "err.phone": ("“{phone}”은(는) 올바른 전화번호가 아닙니다. 예: 010-1234-5678",
                      "“{phone}” is not a phone number; it looks like 010-1234-5678."),
        "err.show.started": ("이미 시작한 상영입니다. 다음 회차를 고르세요.",
                             "This show has already started; choose a later showtime."),
        "err.seats.none": ("좌석을 하나 이상 고르세요.", "Choose at least one seat."),
        "err.seats.max": ("한 번에 최대 {n}석까지 잡을 수 있습니다.",
                          "At most {n} seats can be held at once."),
        "err.seat.unknown": ("“{seat}” 좌석은 이 상영관에 없습니다.",
                             "This hall has no seat “{seat}”."),
        "err.seat.twice": ("{seat} 좌석을 두 번 골랐습니다.", "Seat {seat} was chosen twice."),
        "err.hold.missing": ("좌석 선점 정보가 없습니다. 좌석을 다시 고르세요.",
                             "That seat hold does not exist; choose the seats again."),
        "err.hold.sold": ("이 좌석은 이미 판매되었습니다.", "These seats have already been sold."),
        "err.payment.in_progress": ("이 좌석의 결제가 진행 중입니다. 잠시 기다리세요.",
                                    "A payment for these seats is in progress; wait a moment."),
        "err.booking.none": ("예매번호 {code}의 예매가 없습니다.", "No booking has the code {code}."),
        "err.code.format": ("“{code}”은(는) 예매번호가 아닙니다. 예매번호는 6자리입니다 (예: K7M2QX).",
                            "“{code}” is not a booking code: codes have 6 characters, like K7M2QX."),
        "err.cancel.started": ("이미 시작한 상영은 환불할 수 없습니다.",
                               "The show has already started; its tickets cannot be refunded."),
        "err.cancel.cancelling": ("예매 {code}은(는) 이미 취소 중입니다.", "Booking {code} is already cancelled."),
        "err.cancel.releasing": ("예매 {code}은(는) 이미 취소되었습니다.", "Booking {code} is already cancelled."),
        "err.cancel.cancelled": ("예매 {code}은(는) 이미 취소되었습니다.", "Booking {code} is already cancelled."),
        "err.cancel.failed": ("예매 {code}은(는) 결제되지 않아 취소할 것이 없습니다.",
                              "Booking {code} was never paid, so there is nothing to cancel."),
        "err.cancel.rejecting": ("예매 {code}은(는) 영화관이 거절하여 자동 환불됩니다.",
                                 "Booking {code} was rejected by the cinema and is refunded."),
        "err.cancel.rejected": ("예매 {code}은(는) 영화관이 거절하여 자동 환불됩니다.",
                                "Booking {code} was rejected by the cinema and is refunded."),
        "err.cancel.payment_pending": ("예매 {code}의 결제를 확인 중입니다. 잠시 후 다시 시도하세요.",
                                       "The payment of booking {code} is still being confirmed."),
        "err.cancel.payment_unknown": ("예매 {code}의 결제를 확인 중입니다. 잠시 후 다시 시도하세요.",
                                       "The payment of booking {code} is still being confirmed."),
        "err.service.down": ("{service_name} 서비스가 지금 {state_name} 상태입니다. 잠시 후 다시 시도하세요.",
                             "The {service_name} service is {state_name}; try again in a moment."),
    }
)


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
