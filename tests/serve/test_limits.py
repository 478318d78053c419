"""The serving limits as plain rules: connection rate, session slots, warnings, which
authorized-keys file is trusted, and what a demo session's app is given."""

from __future__ import annotations

from pathlib import Path

import pytest

from backend.settings import Settings
from cinema_tui.serve.host_key import authorized_keys_problem
from cinema_tui.serve.limits import ConnectionRateLimit, SessionSlots
from cinema_tui.serve.ssh_server import ServeContext
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


def key_file(tmp_path: Path, file_mode: int = 0o600, dir_mode: int = 0o700) -> Path:
    keys = tmp_path / "ssh" / "authorized_keys"
    keys.parent.mkdir()
    keys.write_text("ssh-ed25519 AAAA clerk\n")
    keys.chmod(file_mode)
    keys.parent.chmod(dir_mode)
    return keys


@pytest.mark.parametrize("file_mode", [0o600, 0o644, 0o400, 0o755])
def test_a_key_file_only_its_owner_may_write_is_trusted(tmp_path, file_mode):
    assert authorized_keys_problem(key_file(tmp_path, file_mode, 0o755)) is None


@pytest.mark.parametrize(
    ("file_mode", "dir_mode", "words"),
    [
        (0o666, 0o700, "it is group- and world-writable (mode 666)"),
        (0o602, 0o700, "it is world-writable (mode 602)"),
        (0o620, 0o700, "it is group-writable (mode 620)"),
        (0o600, 0o770, "is group-writable (mode 770)"),
        (0o600, 0o1703, "is world-writable (mode 1703)"),  # sticky or not, as sshd
    ],
)
def test_a_key_file_others_may_write_is_refused(tmp_path, file_mode, dir_mode, words):
    keys = key_file(tmp_path, file_mode, dir_mode)
    problem = authorized_keys_problem(keys)
    assert problem is not None and words in problem
    target = keys if file_mode & 0o022 else keys.parent
    assert problem.startswith(f"{keys}: refused: ")
    assert problem.endswith(f"Fix it with: chmod go-w {target}")


def test_a_symlinked_key_file_is_judged_by_what_it_points_to(tmp_path):
    real = key_file(tmp_path, 0o666)
    link = tmp_path / "authorized_keys"
    link.symlink_to(real)
    assert "world-writable" in authorized_keys_problem(link)  # type: ignore[operator]
    assert authorized_keys_problem(tmp_path / "missing") is None  # no file: no keys


def test_a_demo_session_app_is_hermetic(tmp_path, monkeypatch):
    monkeypatch.setenv("CINEMA_RESERVATION_DB_URL", "sqlite:////srv/real/reservation.db")
    monkeypatch.setenv("SSH_AUTH_SOCK", "/tmp/agent")
    settings = Settings.hermetic(data_dir=tmp_path, ssh_mode="demo", language="en")
    context = ServeContext(settings, None)
    demo_dir = str(tmp_path / "cinema-demo-1")
    assert context.app_arguments(demo_dir) == [
        "--demo", "--data-dir", demo_dir, "--lang", "en"]
    env = context.app_environment("xterm\nFORGED", {"COLORTERM": "24bit\x1b",
                                                     "NO_COLOR": "\x1b]"}, 0.0, demo_dir)
    assert {k for k in env if k.startswith(("CINEMA_", "SSH_"))} == {
        "CINEMA_SESSION_ENDS_AT", "CINEMA_SESSION_IDLE_TIMEOUT_S"}
    assert env["XDG_CONFIG_HOME"] == demo_dir  # no operator's settings file, were it read
    assert (env["TERM"], env["COLORTERM"], env["NO_COLOR"]) == (
        "xterm-256color", "truecolor", "1")
    monkeypatch.delenv("NO_COLOR", raising=False)
    assert "NO_COLOR" not in context.app_environment("vt100", {"NO_COLOR": ""}, 0.0)


def test_a_session_app_takes_its_size_from_its_pty_not_the_servers_environment(
        tmp_path, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.setenv("LINES", "60")
    context = ServeContext(Settings.hermetic(data_dir=tmp_path), None)
    env = context.app_environment("xterm", {}, 0.0)
    assert "COLUMNS" not in env and "LINES" not in env
