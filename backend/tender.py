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

from backend.errors import InvalidInput

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
        digits = re.sub(r"\D", "", self.number)
        return f"Card(•••• {digits[-4:]})" if digits else "Card(?)"

    __str__ = __repr__

    def check(self, today: date) -> CheckedCard:
        """Validate number (Luhn), expiry (not past) and CVC; raise InvalidInput if not."""
        raw = self.number.strip()
        if not re.fullmatch(r"[\d \-]+", raw or "x"):
            raise InvalidInput(
                "The card number may contain only digits, spaces and dashes.", key="card.chars"
            )
        digits = re.sub(r"\D", "", raw)
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
        m = re.fullmatch(r"\s*(\d{1,2})\s*/\s*(\d{2}|\d{4})\s*", self.expiry or "")
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
        cvc = (self.cvc or "").strip()
        want = 4 if brand == "AMEX" else 3
        if not re.fullmatch(rf"\d{{{want}}}", cvc):
            raise InvalidInput(
                f"The security code (CVC) of a {brand} card has {want} digits.",
                key="cvc", brand=brand, n=want,
            )
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
    """A Korean phone number as ``010-1234-5678``, or None; InvalidInput if malformed."""
    if phone is None or not phone.strip():
        return None
    digits = re.sub(r"[\s\-().]", "", phone.strip())
    if digits.startswith("+82"):
        digits = "0" + digits[3:]
    if not digits.isdigit():
        raise InvalidInput(
            f"“{phone}” is not a phone number: use digits, like 010-1234-5678.",
            key="phone", phone=phone,
        )
    if re.fullmatch(r"01[016789]\d{7,8}", digits):  # mobile: 010-1234-5678
        return f"{digits[:3]}-{digits[3:-4]}-{digits[-4:]}"
    if re.fullmatch(r"02\d{7,8}", digits):  # Seoul landline: 02-123-4567
        return f"02-{digits[2:-4]}-{digits[-4:]}"
    if re.fullmatch(r"0[3-6]\d{8,9}", digits):  # other area codes: 031-123-4567
        return f"{digits[:3]}-{digits[3:-4]}-{digits[-4:]}"
    raise InvalidInput(
        f"“{phone}” is not a Korean phone number; a mobile number looks like 010-1234-5678.",
        key="phone", phone=phone,
    )
