"""Growing old data quickly, for the retention and archiving tests: one-seat sales with a
phone each (with ``retention_settings``, tests/conftest.py, whose window is a day: the
tests move the clock past it instead of waiting a month)."""

from __future__ import annotations

from backend import BoxOffice, Cash


async def sell(office: BoxOffice, n: int, phone: str, day: int = 5) -> list[str]:
    """n one-seat cash sales of shows ``day`` days ahead (not started when the test ends),
    sale i to ``phone.format(i)``; their codes."""
    shows = await office.showtimes(office.days()[day])
    codes = []
    for i in range(n):
        show = shows[i % len(shows)]
        seat = f"{'DEFGH'[i // (len(shows) * 20) % 5]}{i // len(shows) % 20 + 1}"
        hold = await office.hold(show.id, [seat])
        booking = await office.book(hold.id, tickets={"adult": 1}, payment=Cash(100_000),
                                    phone=phone.format(i))
        codes.append(booking.code)
    return codes
