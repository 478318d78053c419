"""The rule both box offices extend a hold by (``backend.services.reservation.extension``)
and the sentence a clerk gets at the limit, in both languages. What the offices do with
it (durably, with the sweep) is in the contract suite."""

from __future__ import annotations

import pytest

from backend.api import HoldLimitReached
from backend.services.reservation.extension import extended_expiry, limit_reached
from cinema_tui.errors import human_message

TAKEN = 1_795_482_000.123456  # an epoch of 2026 with a fraction, as the clock gives


def test_each_extension_adds_the_step_until_the_limit_then_refuses():
    expires, seen = TAKEN + 300, []
    while True:
        try:
            expires = extended_expiry(TAKEN, expires, 120, 900)
        except HoldLimitReached:
            break
        seen.append(round(expires - TAKEN, 6))
    assert seen == [420, 540, 660, 780, 900]  # float sums never win an extra sliver


def test_the_last_step_is_cut_to_the_limit():
    assert extended_expiry(TAKEN, TAKEN + 300, 120, 360) == TAKEN + 360


def test_a_hold_made_longer_than_the_limit_is_not_extended():
    with pytest.raises(HoldLimitReached):
        extended_expiry(TAKEN, TAKEN + 1200, 120, 900)


@pytest.mark.parametrize("longest_s, minutes", [(900, "15"), (450, "7.5")])
def test_the_refusal_names_the_limit_in_both_languages(longest_s, minutes):
    refusal = limit_reached(longest_s)
    assert refusal.key == "hold.limit" and refusal.params == {"minutes": minutes}
    assert f"at most {minutes} minutes" in human_message(refusal, "en")
    assert f"최대 {minutes}분" in human_message(refusal, "ko")
