"""Korean particles chosen from the word before them (#12 item 11): "예매 6JND49를
찾았습니다", never "을(를)". A code is read aloud in Korean: a digit by its name (9 구),
a Latin letter by its name (B 비, L 엘, M 엠, N 엔, R 알)."""

from __future__ import annotations

import re

import pytest

from backend import Cash
from cinema_tui import i18n
from cinema_tui.i18n import final_consonant, particle, with_particles
from cinema_tui.screens.find_cancel import FindCancelScreen
from tests.tui.conftest import started, wait_for


@pytest.mark.parametrize("word, pair, expected", [
    ("6JND49", "을/를", "를"),  # 9: 구
    ("K7M2QX", "을/를", "를"),  # X: 엑스
    ("ABCDEB", "을/를", "를"),  # B: 비
    ("ABCDEL", "을/를", "을"),  # L: 엘
    ("ABCDEM", "을/를", "을"),  # M: 엠
    ("ABCDEN", "을/를", "을"),  # N: 엔
    ("ABCDER", "을/를", "을"),  # R: 알
    ("abcder", "을/를", "을"),  # lower case reads the same
    ("ABCDE3", "을/를", "을"),  # 3: 삼
    ("ABCDE0", "을/를", "을"),  # 0: 영 (and 10 십, 100 백, 1000 천)
    ("E5, E6", "은/는", "은"),  # 6: 육
    ("E5", "은/는", "는"),  # 5: 오
    ("₩5,000", "이/가", "이"),  # 오천 원
    ("영화관", "은/는", "은"),
    ("결제", "은/는", "는"),
    ("결제", "이/가", "가"),
    ("사과", "와/과", "와"),
    ("책", "과/와", "과"),
    ("1관", "으로/로", "으로"),
    ("서울", "으로/로", "로"),  # ㄹ takes 로
    ("E7", "으로/로", "로"),  # 7: 칠
    ("학교", "으로/로", "로"),
    ("“010-1234”", "은/는", "는"),  # closing quotes are not read: 4 사
])
def test_particle_follows_the_last_sound(word, pair, expected):
    assert particle(word, pair) == expected


def test_unknown_last_sound_gives_both_forms_and_bad_pairs_are_refused():
    assert particle("★", "을/를") == "을(를)"
    assert particle("", "이/가") == "이(가)"
    assert final_consonant("…") is None
    for bad in ("을/가", "를/를", "X/Y", "을"):
        with pytest.raises(ValueError):
            particle("책", bad)


def test_markers_in_a_text_are_resolved_from_the_word_before_them():
    assert with_particles("예매 6JND49[을/를] 찾았습니다.") == "예매 6JND49를 찾았습니다."
    assert with_particles("“{x}”[은/는] 아님, 좌석 E1[은/는]") == "“{x}”는 아님, 좌석 E1은"
    assert with_particles("[keymap] 설정 [을/를 ") == "[keymap] 설정 [을/를 "  # not a marker


def test_catalogue_texts_pick_their_particles():
    assert i18n.t("find.found", "ko", code="6JND49") == "예매 6JND49를 찾았습니다."
    assert i18n.t("find.found", "ko", code="ABCDEL") == "예매 ABCDEL을 찾았습니다."
    assert i18n.t("find.kept", "ko", code="ABCDEM").startswith("예매 ABCDEM은 ")
    assert "받은 금액 ₩5,000이 부족합니다" in i18n.t(
        "err.cash.short", "ko", tendered="₩5,000", total="₩14,000", missing="₩9,000")
    assert i18n.t("find.found", "en", code="6JND49") == "Found booking 6JND49."


def test_no_korean_text_writes_both_forms_any_more():
    """Every Korean text uses a [을/를] marker, not the old "을(를)" both-forms style."""
    both = re.compile(r"(을\(를\)|를\(을\)|이\(가\)|가\(이\)|은\(는\)|는\(은\)|와\(과\)|과\(와\)|\(으\)로)")
    assert {k: v for k, v in i18n.catalogue("ko").items() if both.search(v)} == {}


async def test_find_says_found_with_the_right_particle(make_app):
    app = make_app(language="ko")
    async with app.run_test(size=(80, 24)) as pilot:
        await started(pilot)
        shows = await app.office.showtimes(app.office.days()[1])
        hold = await app.office.hold(shows[0].id, ["E5"])
        booking = await app.office.book(hold.id, tickets={"adult": 1}, payment=Cash(20_000))
        await pilot.press("f3")
        await wait_for(pilot, lambda: isinstance(app.screen, FindCancelScreen))
        screen = app.screen
        await pilot.press(*booking.code, "enter")
        await wait_for(pilot, lambda: screen.booking is not None)
        message = str(screen.query_one("#find-message").render())
        expected = "을" if final_consonant(booking.code) else "를"
        assert f"예매 {booking.code}{expected} 찾았습니다." in message
        assert "(를)" not in message
