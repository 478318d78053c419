"""Ids sort by when they were made (so indexes grow at one end) and never repeat."""

from __future__ import annotations

import time

import pytest

from backend.ids import CLOCK_DIGITS, time_ordered_hex
from backend.messaging.envelope import new_id


def test_an_id_made_later_sorts_after_one_made_earlier():
    earlier = time_ordered_hex(20)
    time.sleep(0.002)  # the next millisecond: ids of one millisecond are in random order
    later = time_ordered_hex(20)
    assert earlier < later
    assert int(later[:CLOCK_DIGITS], 16) - int(earlier[:CLOCK_DIGITS], 16) >= 1


def test_ids_are_hex_of_the_length_asked_and_unique():
    many = [time_ordered_hex(20) for _ in range(20_000)]
    assert len(set(many)) == len(many)
    assert all(len(i) == 20 and int(i, 16) >= 0 for i in many)
    message = new_id()
    assert len(message) == 32 and abs(int(message[:CLOCK_DIGITS], 16) - time.time() * 1000) < 60_000


def test_too_short_an_id_is_refused():
    with pytest.raises(ValueError):
        time_ordered_hex(CLOCK_DIGITS)
