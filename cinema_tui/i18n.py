"""Korean and English UI text.

Each screen module registers its own strings (``register``) so screens can be written
independently; ``t`` looks a key up in the current language and formats it. A missing
key shows itself (``[key]``) rather than crashing, so a forgotten string is visible in
a snapshot but never takes the app down.
"""

from __future__ import annotations

LANGUAGES = ("ko", "en")
_STRINGS: dict[str, tuple[str, str]] = {}


def register(strings: dict[str, tuple[str, str]]) -> None:
    """Add strings: key -> (Korean, English)."""
    for key, pair in strings.items():
        if len(pair) != 2:
            raise ValueError(f"string {key!r} needs a Korean and an English text")
        _STRINGS[key] = pair


def t(key: str, lang: str, /, **fmt: object) -> str:
    """The text of ``key`` in ``lang`` ('ko' or 'en'), formatted with ``fmt``."""
    pair = _STRINGS.get(key)
    if pair is None:
        return f"[{key}]"
    text = pair[0] if lang == "ko" else pair[1]
    try:
        return text.format(**fmt) if fmt else text
    except (KeyError, IndexError, ValueError):
        return text


def has(key: str) -> bool:
    return key in _STRINGS


register(
    {
        "app.title": ("행복 Cinema 매표소", "행복 Cinema Box Office"),
        "app.loading": ("매표소를 여는 중…", "Opening the box office…"),
        "app.failed": ("매표소를 열 수 없습니다", "The box office could not open"),
        "app.quit_hint": ("q 또는 Ctrl+Q: 종료", "q or Ctrl+Q: quit"),
        "app.too_small": (
            "창이 너무 작습니다 ({width}×{height}).\n최소 {min_width}×{min_height} 크기로 늘려 주세요.",
            "The terminal is too small ({width}×{height}).\nPlease enlarge it to at least "
            "{min_width}×{min_height}.",
        ),
        "app.unexpected": (
            "예기치 않은 오류가 발생했습니다: {error}. 작업은 저장되어 있습니다.",
            "Something unexpected went wrong: {error}. Nothing was lost.",
        ),
        "lang.switched": ("한국어로 표시합니다", "Now in English"),
        "key.quit": ("종료", "Quit"),
        "key.help": ("도움말", "Help"),
        "key.home": ("상영작", "Showing"),
        "key.find": ("예매 조회", "Find"),
        "key.history": ("내역", "History"),
        "key.lang": ("English", "한국어"),
        "key.language": ("English", "한국어"),
        "key.theme": ("테마", "Theme"),
        "key.back": ("뒤로", "Back"),
        "key.ops": ("운영", "Ops"),
        "service.reservation": ("예약", "Reservation"),
        "service.payment": ("결제", "Payment"),
        "service.cinema": ("영화관", "Cinema"),
        "service.information": ("정보", "Information"),
        "state.ready": ("정상", "running"),
        "state.starting": ("시작 중", "starting"),
        "state.stopped": ("중지됨", "stopped"),
        "state.stopping": ("중지 중", "stopping"),
        "state.restarting": ("재시작 중", "restarting"),
        "state.failed": ("실패", "failed"),
        "status.PAYMENT_PENDING": ("결제 중", "Paying"),
        "status.PAYMENT_UNKNOWN": ("결제 확인 중", "Payment unconfirmed"),
        "status.PAID": ("결제 완료", "Paid"),
        "status.COMPLETED": ("예매 완료", "Completed"),
        "status.FAILED": ("실패", "Failed"),
        "status.REJECTING": ("거절 처리 중", "Rejecting"),
        "status.REJECTED": ("거절됨", "Rejected"),
        "status.CANCELLING": ("취소 중", "Cancelling"),
        "status.RELEASING": ("좌석 반환 중", "Releasing seats"),
        "status.CANCELLED": ("취소됨", "Cancelled"),
        "ticket.adult": ("성인", "Adult"),
        "ticket.youth": ("청소년", "Youth"),
        "ticket.senior": ("경로", "Senior"),
        "rating.ALL": ("전체", "ALL"),
        "rating.12": ("12세", "12"),
        "rating.15": ("15세", "15"),
        "rating.18": ("청불", "18"),
        "minutes": ("{n}분", "{n} min"),
        "weekday": ("월화수목금토일", "MonTueWedThuFriSatSun"),
    }
)


def weekday(lang: str, index: int) -> str:
    """Short weekday name (Monday = 0)."""
    names = t("weekday", lang)
    return names[index] if lang == "ko" else names[index * 3:index * 3 + 3]
