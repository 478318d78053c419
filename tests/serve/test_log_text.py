"""What a client sends, made safe for a log line and for the app's environment."""

from __future__ import annotations

import logging

import pytest

from cinema_tui.serve.log_text import MAX_LOG_CHARS, log_fields, log_safe, one_line
from cinema_tui.serve.ssh_server import OneLineFormatter
from cinema_tui.serve.ssh_session import sane_env_word, sane_term


@pytest.mark.parametrize(
    ("sent", "logged"),
    [
        ("xterm-256color", "xterm-256color"),
        ("행복 Cinema", "행복 Cinema"),  # printable text is kept, spaces too
        ("xterm\nsession start FORGED", r"xterm\x0asession start FORGED"),
        ("a\r\x1b[31mred\x1b]0;title\x07", r"a\x0d\x1b[31mred\x1b]0;title\x07"),
        ("\x00\x7f\x85", r"\x00\x7f\x85"),
        ("right\u202eleft\u2028next", r"right\u202eleft\u2028next"),  # bidi, line sep.
        ("\U000e0041tag", r"\U000e0041tag"),
        (b"ok\xff\xfe", r"ok\xff\xfe"),  # bytes that are not UTF-8
        ("C:\\x0a", r"C:\\x0a"),  # a backslash is doubled: an escape is never forged
        (None, "-"),
    ],
)
def test_log_safe_keeps_printable_text_and_escapes_the_rest(sent, logged):
    assert log_safe(sent) == logged


def test_log_safe_is_one_short_line_whatever_is_sent():
    for sent in ("x" * 10_000, "\n" * 10_000, "\U0001f600" * 10_000, "\x1b" * 10_000):
        logged = log_safe(sent)
        assert logged.isprintable() and "\n" not in logged
        assert len(logged) <= MAX_LOG_CHARS + 30
        assert logged.endswith(" chars)")
    assert log_safe("x" * 200, 10) == "xxxxxxxxxx...(+190 chars)"


def test_a_token_cannot_pose_as_more_fields():
    assert log_safe("bob reason=quit", token=True) == r"bob\x20reason=quit"
    assert log_safe("", token=True) == '""'
    assert log_fields(user="a b", term="xterm\n", pid=7) == r" user=a\x20b term=xterm\x0a pid=7"


def test_one_line_escapes_control_characters_only():
    assert one_line("plain, 행복 and a \\ backslash") == "plain, 행복 and a \\ backslash"
    assert one_line("two\nlines\x1b[2J") == r"two\x0alines\x1b[2J"
    safe = log_safe("x\ny\\z")
    assert one_line(safe) == safe  # what log_safe made is left as it is


def test_every_log_record_is_one_line_whoever_logged_it():
    formatter = OneLineFormatter("%(message)s")
    record = logging.LogRecord("asyncssh", logging.WARNING, __file__, 1,
                               "client said %s", ("hi\nforged line\x1b[31m",), None)
    assert formatter.format(record) == r"client said hi\x0aforged line\x1b[31m"


@pytest.mark.parametrize(
    ("sent", "given"),
    [
        ("xterm-256color", "xterm-256color"),
        ("screen.xterm-256color", "screen.xterm-256color"),
        ("rxvt-unicode+x", "rxvt-unicode+x"),
        ("", "xterm-256color"),
        (None, "xterm-256color"),
        ("xterm\nFORGED", "xterm-256color"),
        ("xterm\x1b[31m", "xterm-256color"),
        ("../../etc/terminfo", "xterm-256color"),
        ("x" * 65, "xterm-256color"),
        ("vt100 ", "xterm-256color"),
    ],
)
def test_the_app_gets_a_sane_terminal_type(sent, given):
    assert sane_term(sent) == given


def test_client_colour_words_pass_only_when_plain():
    assert sane_env_word("truecolor") == "truecolor"
    assert sane_env_word("24bit\x1b[2J") is None
    assert sane_env_word("") is None and sane_env_word(None) is None
