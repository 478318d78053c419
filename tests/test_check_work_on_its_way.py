"""``check`` tells work still on its way from damage.

A box office quit while sales waited for the cinema leaves them PAID with their message
to the cinema in the journal: the books do not square yet, but nothing is wrong, and
the next start finishes them. Calling that damage would send the operator to restore a
backup, which throws those very sales away. A sale midway with nothing left to move it
on is damage, and is still called so.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from backend import BoxOffice, Settings
from backend.audit import audit
from tests.aging import sell
from tests.test_operator_commands import cinema_tui

PHONE = "010-7777-{:04d}"


async def _quit_while_the_cinema_is_away(settings: Settings) -> tuple[list[str], object]:
    async with BoxOffice.open(settings) as office:
        await office.stop_service("cinema")
        codes = await sell(office, 3, PHONE, day=1)
        assert {(await office.booking(code)).status for code in codes} == {"PAID"}
        return codes, office.catalog


async def test_sales_left_midway_are_work_on_its_way_and_the_next_start_finishes_them(
        tmp_path: Path):
    settings = Settings(data_dir=tmp_path / "cinema")
    codes, catalog = await _quit_while_the_cinema_is_away(settings)

    report = audit(settings, catalog)
    assert not report.ok and report.sound, report.violations
    for code in codes:
        assert any(code in line and "PAID" in line for line in report.unfinished)
    done = cinema_tui("check", "--data-dir", str(settings.data_dir))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Nothing is damaged" in done.stdout and "do not restore" in done.stdout
    assert "Something is wrong" not in done.stdout and "Traceback" not in done.stderr

    async with BoxOffice.open(settings) as office:  # the next start finishes them
        assert await office.settle(30)
        assert {(await office.booking(code)).status for code in codes} == {"COMPLETED"}
    assert audit(settings, catalog).ok
    done = cinema_tui("check", "--data-dir", str(settings.data_dir))
    assert done.returncode == 0 and "No problem found" in done.stdout


async def test_a_sale_stuck_behind_a_message_given_up_on_is_not_work_on_its_way(
        tmp_path: Path):
    """The cinema cannot apply a sale's message and parks it (a dead letter): the sale
    stands still in PAID until an operator retries it. check says so, and where."""
    settings = Settings(data_dir=tmp_path / "cinema")
    async with BoxOffice.open(settings) as office:
        cinema = office.runtime.cinema

        def unreadable(tx, envelope):
            raise ValueError("the cinema cannot read this message")

        cinema.on_BookingPaid = unreadable  # type: ignore[method-assign]
        (code,) = await sell(office, 1, PHONE, day=1)
        for _ in range(200):
            if (await office.dead_letters())["cinema"]:
                break
            await asyncio.sleep(0.05)
        assert (await office.booking(code)).status == "PAID"
        catalog = office.catalog

    report = audit(settings, catalog)
    assert not report.sound
    assert any(f"booking {code} stuck in PAID" in line for line in report.violations)
    assert any("cinema gave up on 1 messages" in line for line in report.violations)
    done = cinema_tui("check", "--data-dir", str(settings.data_dir))
    assert done.returncode == 1, done.stdout
    assert "stuck in PAID" in done.stdout and "Ops screen (F5)" in done.stdout
    assert "Nothing is damaged" not in done.stdout
