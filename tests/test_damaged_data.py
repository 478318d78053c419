"""A data directory that lost or mixed up its books stops the start with one sentence
naming the service, what is wrong, and the recovery command (real SQLite files)."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from backend import BoxOffice, Cash, ManualClock, Settings
from backend.errors import StorageError
from tests.conftest import START

SERVICES = ("reservation", "payment", "cinema", "information")


async def sell(office: BoxOffice, n: int) -> list[str]:
    show = (await office.showtimes(office.days()[1]))[0]
    free = [s.label for s in (await office.seat_map(show.id)).seats if s.state == "free"]
    codes = []
    for seat in free[:n]:
        hold = await office.hold(show.id, [seat])
        booking = await office.book(hold.id, tickets={"adult": 1}, payment=Cash(20_000),
                                    phone="010-2222-3333")
        codes.append(booking.code)
    assert await office.settle(20)
    return codes


def snapshot(data: Path, into: Path) -> Path:
    """Every file of a data directory as it is this moment (as a crash would leave it)."""
    shutil.copytree(data, into, ignore=shutil.ignore_patterns("*.write-test"))
    return into


@pytest.fixture
async def cinema(tmp_path: Path) -> Path:
    """A data directory with sales in it."""
    data = tmp_path / "cinema"
    async with BoxOffice.open(Settings(data_dir=data), clock=ManualClock(START)) as office:
        await sell(office, 3)
    return data


async def start(data: Path) -> None:
    async with BoxOffice.open(Settings(data_dir=data), clock=ManualClock(START)):
        pass


def remove_database(data: Path, service: str) -> None:
    for path in data.glob(f"{service}.db*"):
        path.unlink()


async def test_an_emptied_payment_database_stops_the_start(cinema):
    remove_database(cinema, "payment")
    (cinema / "payment.db").write_bytes(b"")
    with pytest.raises(StorageError, match=r"The payment database \(.*payment\.db\) is empty, "
                                           r"but the other services have sold tickets"):
        await start(cinema)


async def test_a_missing_reservation_database_stops_the_start(cinema):
    remove_database(cinema, "reservation")
    with pytest.raises(StorageError) as caught:
        await start(cinema)
    message = str(caught.value)
    assert "The reservation database" in message and "is missing" in message
    assert "cinema-tui restore" in message and "cinema-tui check" in message


async def test_a_database_from_another_cinema_stops_the_start(cinema, tmp_path):
    other = tmp_path / "other"
    async with BoxOffice.open(Settings(data_dir=other), clock=ManualClock(START)) as office:
        await sell(office, 1)
    remove_database(cinema, "cinema")
    for path in other.glob("cinema.db*"):
        shutil.copy(path, cinema / path.name)
    with pytest.raises(StorageError, match=r"The cinema database .* belongs to another cinema"):
        await start(cinema)


async def test_a_reservation_database_restored_from_an_older_copy_stops_the_start(cinema,
                                                                                 tmp_path):
    old = snapshot(cinema, tmp_path / "old")
    async with BoxOffice.open(Settings(data_dir=cinema), clock=ManualClock(START)) as office:
        await sell(office, 2)
    remove_database(cinema, "reservation")
    for path in old.glob("reservation.db*"):
        shutil.copy(path, cinema / path.name)
    with pytest.raises(StorageError, match=r"The reservation database .* is behind the"):
        await start(cinema)


async def test_a_truncated_wal_that_loses_reservations_last_commits_stops_the_start(tmp_path):
    data = tmp_path / "cinema"
    async with BoxOffice.open(Settings(data_dir=data), clock=ManualClock(START)) as office:
        await sell(office, 2)
        before = snapshot(data, tmp_path / "before")
        await sell(office, 2)
        crashed = snapshot(data, tmp_path / "crashed")  # as SIGKILL would leave the files
    wal_before = (before / "reservation.db-wal").stat().st_size
    wal = crashed / "reservation.db-wal"
    assert wal.stat().st_size > wal_before, "the later sales are in the WAL"
    with wal.open("r+b") as fh:  # the disk lost the WAL's tail: SQLite drops those commits
        fh.truncate(wal_before + 100)
    with pytest.raises(StorageError, match=r"The reservation database .* is behind"):
        await start(crashed)


async def test_an_intact_data_directory_starts_again_and_again(cinema):
    for _ in range(2):
        await start(cinema)


def test_the_app_shows_the_sentence_and_exits_non_zero_leaving_it_on_the_shell(cinema,
                                                                               tmp_path):
    tmux = shutil.which("tmux")
    if tmux is None:
        if os.environ.get("CI"):
            pytest.fail("tmux is missing (.ci/run installs it)")
        pytest.skip("needs tmux")
    remove_database(cinema, "payment")
    (cinema / "payment.db").write_bytes(b"")
    status = tmp_path / "status.txt"
    command = shlex.join([sys.executable, "-m", "cinema_tui", "--lang", "en",
                          "--data-dir", str(cinema)])
    tmux_cmd = [tmux, "-L", f"cinema-damage-{os.getpid()}", "-f", "/dev/null"]
    # Textual draws on stderr, so the terminal is where stderr goes: after the app has
    # quit, what it left on stderr is on the screen of the shell.
    subprocess.run([*tmux_cmd, "new-session", "-d", "-x", "80", "-y", "24",
                    f"clear; {command}; echo $? >{status}; sleep 60"], check=True)

    def screen() -> str:
        shown = subprocess.run([*tmux_cmd, "capture-pane", "-p"], capture_output=True,
                               text=True).stdout
        return " ".join(shown.split())

    def wait(predicate, what: str, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while not predicate():
            assert time.monotonic() < deadline, f"{what}; the screen shows: {screen()}"
            time.sleep(0.2)

    try:
        wait(lambda: "payment database" in screen() and "Ctrl+Q: quit" in screen(),
             "the reason on a full screen")
        assert "Traceback" not in screen()
        subprocess.run([*tmux_cmd, "send-keys", "q"], check=True)
        wait(lambda: status.exists() and status.read_text().strip(), "the app to quit")
        left = screen()
    finally:
        subprocess.run([*tmux_cmd, "kill-server"], capture_output=True)
    assert int(status.read_text()) != 0
    assert "cinema-tui: The payment database" in left and "is empty" in left, left
    assert "Traceback" not in left
