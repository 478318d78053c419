"""How a customer pays: a card or cash, and checking what the clerk typed.

These are the gateway's input types (``backend.Card``, ``backend.Cash``). A ``Card``
holds the full number only in memory, for as long as one payment takes; its ``repr``
and ``str`` show brand and last four digits only, so a card can be logged by accident
without leaking. ``check()`` raises ``InvalidInput`` with a sentence a clerk can act on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from backend.arguments import has_foreign_digit, is_ascii_digits, shown
from backend.errors import InvalidInput

#: The most cash one payment takes, in won (a typo guard, and far inside what the
#: databases' 64-bit integers hold). Documented in docs/api.md.
CASH_MAX = 10_000_000

#: Test cards of the payment simulator and what it does with them.
TEST_CARD_OUTCOMES = {
    "4242424242424242": "approve",
    "4000000000000002": "card_declined",
    "4000000000009995": "insufficient_funds",
    "4000000000000119": "processing_error",
}


def luhn_ok(digits: str) -> bool:
    """The Luhn checksum every real card number satisfies."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def card_brand(digits: str) -> str:
    """The card network, from the number's prefix."""
    if digits.startswith("4"):
        return "VISA"
    two, four = int(digits[:2]), int(digits[:4])
    if 51 <= two <= 55 or 2221 <= four <= 2720:
        return "MASTERCARD"
    if two in (34, 37):
        return "AMEX"
    if digits.startswith(("6011", "65")) or 644 <= int(digits[:3]) <= 649:
        return "DISCOVER"
    if 3528 <= four <= 3589:
        return "JCB"
    if two == 62:
        return "UNIONPAY"
    if digits.startswith("9"):
        return "LOCAL"  # Korean domestic cards (BC, etc.)
    return "CARD"


@dataclass(frozen=True, slots=True)
class CheckedCard:
    """A card that passed the checks: what may be stored is brand and last4."""

    digits: str = field(repr=False)
    brand: str
    last4: str
    cvc: str = field(repr=False)

    def __str__(self) -> str:
        return f"{self.brand} •••• {self.last4}"


@dataclass(frozen=True, slots=True)
class Card:
    """A card as the clerk typed it: number, expiry ``MM/YY`` and CVC."""

    number: str = field(repr=False)
    expiry: str = field(repr=False)
    cvc: str = field(repr=False)

    method = "card"

    def __repr__(self) -> str:
        number = self.number if isinstance(self.number, str) else ""
        digits = re.sub(r"[^0-9]", "", number)
        return f"Card(•••• {digits[-4:]})" if digits else "Card(?)"

    __str__ = __repr__

    def check(self, today: date) -> CheckedCard:
        """Validate number (Luhn), expiry (not past) and CVC; raise InvalidInput if not.

        Only the ASCII digits 0–9 count as digits (see ``backend.arguments``).
        """
        raw = _typed(self.number, "The card number", "card.chars").strip()
        if has_foreign_digit(raw):
            raise InvalidInput(
                "Type the card number with the digits 0–9; other digits (such as full-width "
                "or Arabic-Indic ones) are not accepted.", key="card.ascii",
            )
        if not re.fullmatch(r"[0-9 \-]+", raw or "x"):
            raise InvalidInput(
                "The card number may contain only digits (0–9), spaces and dashes.",
                key="card.chars",
            )
        digits = re.sub(r"[^0-9]", "", raw)
        if not 12 <= len(digits) <= 19:
            raise InvalidInput(
                f"A card number has 12 to 19 digits; this one has {len(digits)}.",
                key="card.length", n=len(digits),
            )
        if not luhn_ok(digits):
            raise InvalidInput(
                "That card number is not valid (check digit wrong); check it for a typo.",
                key="card.luhn",
            )
        expiry = _typed(self.expiry, "The expiry", "expiry.format")
        if has_foreign_digit(expiry):
            raise InvalidInput(
                "Write the expiry with the digits 0–9, as MM/YY (for example 12/30).",
                key="expiry.ascii",
            )
        m = re.fullmatch(r"\s*([0-9]{1,2})\s*/\s*([0-9]{2}|[0-9]{4})\s*", expiry)
        if not m:
            raise InvalidInput("Expiry must be written MM/YY, for example 12/30.", key="expiry.format")
        month, year = int(m.group(1)), int(m.group(2))
        if len(m.group(2)) == 2:
            year += 2000
        if not 1 <= month <= 12:
            raise InvalidInput(
                f"Expiry month must be 01 to 12 (got {m.group(1)}).", key="expiry.month"
            )
        if (year, month) < (today.year, today.month):
            raise InvalidInput(
                f"This card expired at the end of {month:02d}/{year % 100:02d}.",
                key="expiry.past", expiry=f"{month:02d}/{year % 100:02d}",
            )
        brand = card_brand(digits)
        want = 4 if brand == "AMEX" else 3
        if not isinstance(self.cvc, str) or not re.fullmatch(rf"[0-9]{{{want}}}", self.cvc.strip()):
            raise InvalidInput(
                f"The security code (CVC) of a {brand} card has {want} digits (0–9).",
                key="cvc", brand=brand, n=want,
            )
        cvc = self.cvc.strip()
        return CheckedCard(digits=digits, brand=brand, last4=digits[-4:], cvc=cvc)


@dataclass(frozen=True, slots=True)
class Cash:
    """Cash handed over at the counter, in won."""

    tendered: int

    method = "cash"

    def check(self, amount: int) -> int:
        """Validate the amount tendered against what is due; return the change."""
        if isinstance(self.tendered, bool) or not isinstance(self.tendered, int):
            raise InvalidInput("The cash tendered must be a whole number of won.", key="cash.whole")
        if self.tendered <= 0:
            raise InvalidInput("Enter the cash the customer handed over.", key="cash.empty")
        if self.tendered > CASH_MAX:
            raise InvalidInput(
                f"One payment takes at most ₩{CASH_MAX:,} in cash; check the amount tendered.",
                key="cash.max", max=f"₩{CASH_MAX:,}",
            )
        if self.tendered < amount:
            raise InvalidInput(
                f"₩{self.tendered:,} is not enough: the total is ₩{amount:,} "
                f"(₩{amount - self.tendered:,} more needed).",
                key="cash.short", tendered=f"₩{self.tendered:,}", total=f"₩{amount:,}",
                missing=f"₩{amount - self.tendered:,}",
            )
        return self.tendered - amount


Tender = Card | Cash


def normalise_phone(phone: str | None) -> str | None:
    """A Korean phone number as ``010-1234-5678``, or None; InvalidInput if malformed.

    Only the digits 0–9 are accepted: a number typed with other digits (full-width,
    Arabic-Indic) would be stored as typed and never be found again.
    """
    if phone is None:
        return None
    if not isinstance(phone, str):
        raise InvalidInput(
            f"A phone number must be text like 010-1234-5678, not {shown(phone)}.",
            key="phone", phone=shown(phone),
        )
    if not phone.strip():
        return None
    if has_foreign_digit(phone):
        raise InvalidInput(
            f"“{shown(phone)}” has digits other than 0–9: type the phone number with 0–9, "
            "like 010-1234-5678.",
            key="phone.ascii", phone=shown(phone),
        )
    digits = re.sub(r"[\s\-().]", "", phone.strip())
    if digits.startswith("+82"):
        digits = "0" + digits[3:]
    if not is_ascii_digits(digits):
        raise InvalidInput(
            f"“{shown(phone)}” is not a phone number: use digits, like 010-1234-5678.",
            key="phone", phone=shown(phone),
        )
    if re.fullmatch(r"01[016789][0-9]{7,8}", digits):  # mobile: 010-1234-5678
        return f"{digits[:3]}-{digits[3:-4]}-{digits[-4:]}"
    if re.fullmatch(r"02[0-9]{7,8}", digits):  # Seoul landline: 02-123-4567
        return f"02-{digits[2:-4]}-{digits[-4:]}"
    if re.fullmatch(r"0[3-6][0-9]{8,9}", digits):  # other area codes: 031-123-4567
        return f"{digits[:3]}-{digits[3:-4]}-{digits[-4:]}"
    raise InvalidInput(
        f"“{shown(phone)}” is not a Korean phone number; a mobile number looks like "
        "010-1234-5678.",
        key="phone", phone=shown(phone),
    )


def _typed(value: object, what: str, key: str) -> str:
    """A card field as typed: it must be text."""
    if not isinstance(value, str):
        raise InvalidInput(f"{what} must be text as the clerk typed it, not {shown(value)}.",
                           key=key)
    return value
