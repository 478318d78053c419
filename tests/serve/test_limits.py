"""The serving limits as plain rules of time: connection rate, session slots, warnings."""

from __future__ import annotations

from cinema_tui.serve.limits import ConnectionRateLimit, SessionSlots
from cinema_tui.session_limits import SessionLimits


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_rate_limit_is_per_address_and_slides():
    clock = Clock()
    limit = ConnectionRateLimit(2, clock)
    assert limit.admit("10.0.0.1") and limit.admit("10.0.0.1")
    assert not limit.admit("10.0.0.1")
    assert limit.admit("10.0.0.2")  # another address has its own allowance
    clock.now += 30
    assert not limit.admit("10.0.0.1")
    assert limit.retry_after_s("10.0.0.1") == 30
    clock.now += 30.5  # the first two attempts are now more than a minute old
    assert limit.retry_after_s("10.0.0.1") == 0
    assert limit.admit("10.0.0.1")


def test_quiet_addresses_are_forgotten():
    clock = Clock()
    limit = ConnectionRateLimit(5, clock)
    for n in range(100):
        limit.admit(f"10.0.{n}.1")
    clock.now += 61
    limit.admit("10.9.9.9")
    assert list(limit._seen) == ["10.9.9.9"]


def test_session_slots_have_a_ceiling():
    slots = SessionSlots(2)
    assert slots.take() and slots.take() and not slots.take()
    slots.give_back()
    assert slots.take()


def test_limits_come_from_the_environment_only_when_served():
    assert SessionLimits.from_environment({}) is None
    assert SessionLimits.from_environment({"CINEMA_SESSION_IDLE_TIMEOUT_S": "x"}) is None
    limits = SessionLimits.from_environment(
        {"CINEMA_SESSION_IDLE_TIMEOUT_S": "600", "CINEMA_SESSION_ENDS_AT": "5000"}
    )
    assert limits == SessionLimits(idle_timeout_s=600, ends_at=5000)


def test_each_warning_comes_once_and_in_time():
    limits = SessionLimits(idle_timeout_s=600, ends_at=10_000)
    assert limits.warning(idle_s=100, lang="en", now=1000) is None
    idle = limits.warning(idle_s=545, lang="en", now=1000)
    assert idle == "No key pressed for a while: this session ends in 55 s unless you press a key."
    assert limits.warning(idle_s=550, lang="en", now=1000) is None  # said once
    limits.input_seen()
    assert limits.warning(idle_s=550, lang="ko", now=1000).startswith("한동안 입력이")
    late = limits.warning(idle_s=0, lang="en", now=10_000 - 240)
    assert late == "This session reaches its time limit in 4 min. Finish the sale in hand."
    assert limits.warning(idle_s=0, lang="en", now=10_000 - 100) is None
