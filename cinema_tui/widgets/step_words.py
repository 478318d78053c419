"""A booking's steps in words: what each step of a saga means, in the clerk's language.

``describe`` builds a sentence from a step's payload (``tl.<step>`` texts);
``reason_text`` puts a payment or cinema reason into words (the payment service's codes
such as ``card_declined``, and the cinema's English sentences by their shape), and
``tickets_text`` a ticket count. Shared by the timeline, the booking detail, the find
card and the booking progress box.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from backend.api import TimelineStep
from cinema_tui.format import won
from cinema_tui.i18n import t

#: Steps told as "what happened: reason" (``tl.<step>``, with ``{reason}`` and ``{seats}``).
REASON_STEPS = ("PaymentRefused", "BookingFailed", "SeatsRejected", "BookingRejected",
                "RequestRefund")
#: Steps told by their seats alone (``tl.<step>`` with ``{seats}``).
SEAT_STEPS = ("ReleaseSeats", "SeatsReleased", "BookingCancelled")


def _seats(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    return str(value or "")


#: Reason codes that are not the payment service's (the checkout's own words for a sale
#: that did not go through), and their text.
CODE_REASONS = {
    "cash_error": "reason.cash_error",
    "unavailable": "reason.unavailable",
    "failed": "reason.failed",
}
#: The cinema's reasons are English sentences with the seats in them: put into words by
#: their shape (``seat E5 is out of service``), the parts kept.
SENTENCE_REASONS = (
    (re.compile(r"seats? (?P<seats>.+) (?:is|are) out of service"), "reason.out_of_service"),
    (re.compile(r"the show was cancelled"), "reason.show_cancelled"),
    (re.compile(r"the show is not in the schedule"), "reason.not_scheduled"),
    (re.compile(r"a seat already has a ticket"), "reason.seat_taken"),
    (re.compile(r"rejected: (?P<reason>.+)"), "reason.rejected"),
)


def reason_text(reason: Any, lang: str) -> str:
    """A payment or cinema reason in words, in the clerk's language (``card_declined`` →
    "card declined", ``seat E5 is out of service`` → "좌석 E5 사용 불가"); a reason not
    known here is shown as it is."""
    text = str(reason or "?")
    key = CODE_REASONS.get(text)
    if key is not None:
        return t(key, lang)
    translated = t(f"reason.{text}", lang)
    if not translated.startswith("["):
        return translated
    for shape, key in SENTENCE_REASONS:
        match = shape.fullmatch(text)
        if match:
            parts = match.groupdict()
            if "reason" in parts:
                parts["reason"] = reason_text(parts["reason"], lang)
            return t(key, lang, **parts)
    return text


def tickets_text(tickets: Any, lang: str) -> str:
    """``{"adult": 2, "youth": 1}`` → "Adult 2, Youth 1" (unknown kinds as they are)."""
    if not isinstance(tickets, dict):
        return str(tickets or "")
    parts = []
    for kind, count in tickets.items():
        if not count:
            continue
        name = t(f"ticket.{kind}", lang)
        parts.append(f"{kind if name.startswith('[') else name} {count}")
    return ", ".join(parts) or "—"


def describe(step: TimelineStep, lang: str, tz: Any) -> str:
    """What the step means, in the clerk's language, built from its payload."""
    d = step.data or {}
    name = step.step
    seats = _seats(d.get("seats"))
    if name == "SeatsHeld":
        until = d.get("expires_at") or ""
        try:
            until = datetime.fromisoformat(until).astimezone(tz).strftime("%H:%M:%S")
        except (TypeError, ValueError):
            pass
        return t("tl.SeatsHeld", lang, seats=seats, until=until)
    if name == "HoldReleased":
        reason = d.get("reason")
        if reason in ("released", "expired"):
            return t(f"tl.HoldReleased.{reason}", lang, seats=seats)
        return t("tl.HoldReleased", lang, seats=seats, reason=reason_text(reason, lang))
    if name == "BookingRequested":
        method = d.get("method") or ""
        label = t(f"tl.method.{method}", lang)
        return t(
            "tl.BookingRequested",
            lang,
            code=d.get("code", ""),
            seats=seats,
            tickets=tickets_text(d.get("tickets"), lang),
            amount=won(d.get("amount")),
            method=method if label.startswith("[") else label,
        )
    if name == "PaymentCaptured":
        if d.get("method") == "cash":
            return t(
                "tl.PaymentCaptured.cash",
                lang,
                amount=won(d.get("amount")),
                tendered=won(d.get("tendered")),
                change=won(d.get("change")),
            )
        return t(
            "tl.PaymentCaptured.card",
            lang,
            amount=won(d.get("amount")),
            brand=d.get("brand") or t("tl.method.card", lang),
            last4=d.get("last4") or "????",
        )
    if name in REASON_STEPS:
        return t(f"tl.{name}", lang, reason=reason_text(d.get("reason"), lang), seats=seats)
    if name == "BookingPaid":
        return t("tl.BookingPaid", lang, amount=won(d.get("amount")), seats=seats)
    if name == "SeatsConfirmed":
        return t("tl.SeatsConfirmed", lang, seats=seats, tickets=_seats(d.get("tickets")))
    if name == "BookingCompleted":
        return t("tl.BookingCompleted", lang, n=len(d.get("tickets") or d.get("seats") or ()))
    if name == "CancellationRequested":
        return t("tl.CancellationRequested", lang, code=d.get("code", ""))
    if name == "PaymentRefunded":
        if not d.get("amount"):
            return t("tl.PaymentRefunded.none", lang)
        return t("tl.PaymentRefunded", lang, amount=won(d.get("amount")))
    if name in SEAT_STEPS:
        return t(f"tl.{name}", lang, seats=seats)
    # A step this screen does not know yet: show its payload as it is.
    shown = {k: v for k, v in d.items() if k not in ("booking_id",)}
    return ", ".join(f"{k}={v}" for k, v in shown.items())


__all__ = [
    "CODE_REASONS",
    "REASON_STEPS",
    "SEAT_STEPS",
    "SENTENCE_REASONS",
    "describe",
    "reason_text",
    "tickets_text",
]
