"""The cinema's files are private to their owner whatever the umask, and a demo is built
only from what it is given: no settings file, no CINEMA_* variable."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from backend import BoxOffice, Cash
from backend.private_files import write_private_text
from backend.settings import Settings
from cinema_tui import demo_dirs
from cinema_tui.cli import build_parser, demo_settings

SERVICES = ("reservation", "payment", "cinema", "information")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def loose_umask() -> Iterator[None]:
    """The umask most shells start with: files 644, directories 755."""
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


async def sell_one(office: BoxOffice) -> str:
    show = (await office.showtimes(office.days()[1]))[0]
    seat = next(s.label for s in (await office.seat_map(show.id)).seats if s.state == "free")
    hold = await office.hold(show.id, [seat])
    booking = await office.book(hold.id, tickets={"adult": 1}, payment=Cash(50_000),
                                phone="010-5555-1234")
    return booking.code


async def test_a_new_data_directory_is_private_under_umask_022(tmp_path, loose_umask):
    data = tmp_path / "cinema"
    async with BoxOffice.open(Settings(data_dir=data)) as office:
        await sell_one(office)
        files = [p for p in data.rglob("*") if p.is_file()]
        assert {f"{s}.db" for s in SERVICES} <= {p.name for p in files}
        assert any(p.name.endswith("-wal") for p in files)
        assert mode(data) == 0o700
        assert {p.name: oct(mode(p)) for p in files} == {p.name: "0o600" for p in files}


async def test_an_old_data_directory_is_tightened_at_start(tmp_path, loose_umask):
    data = tmp_path / "cinema"
    async with BoxOffice.open(Settings(data_dir=data)) as office:
        await sell_one(office)
    data.chmod(0o755)
    for path in data.iterdir():
        path.chmod(0o644)
    async with BoxOffice.open(Settings(data_dir=data)):
        assert mode(data) == 0o700
        for path in data.iterdir():
            if path.is_file():
                assert mode(path) == 0o600, path.name


def test_a_private_text_file_is_600_even_when_it_existed_as_644(tmp_path, loose_umask):
    ticket = tmp_path / "K7M2QX.txt"
    ticket.write_text("old")
    ticket.chmod(0o644)
    write_private_text(ticket, "Booking K7M2QX")
    assert ticket.read_text() == "Booking K7M2QX" and mode(ticket) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["K7M2QX.txt"]  # no temporary left


def test_a_shared_directory_like_tmp_is_never_locked(tmp_path, loose_umask):
    from backend.private_files import private_directory

    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o1777)
    private_directory(shared)
    assert mode(shared) == 0o1777


def operator_settings(tmp_path: Path, real: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An operator's settings file and environment, both naming the real cinema."""
    config_home = tmp_path / "xdg"
    (config_home / "cinema-tui").mkdir(parents=True)
    urls = "\n".join(f'{s}_db_url = "sqlite:///{real / (s + ".db")}"' for s in SERVICES)
    (config_home / "cinema-tui" / "config.toml").write_text(
        f'data_dir = "{real}"\n{urls}\nlanguage = "en"\n'
    )
    monkeypatch.setenv("XDG_CONFIG_HOME", str(config_home))
    monkeypatch.setenv("CINEMA_DATA_DIR", str(real))
    for service in SERVICES:
        monkeypatch.setenv(f"CINEMA_{service.upper()}_DB_URL", f"sqlite:///{real}/{service}.db")


async def test_a_demo_never_reaches_the_cinema_the_operator_configured(tmp_path, monkeypatch):
    real = tmp_path / "real"
    async with BoxOffice.open(Settings(data_dir=real)) as office:
        code = await sell_one(office)
    operator_settings(tmp_path, real, monkeypatch)
    # What the operator's settings say when read as a clerk's app reads them:
    assert Settings.load().database_url("reservation").startswith(f"sqlite:///{real}")

    demo = tmp_path / "demo"
    args = build_parser().parse_args(["--demo", "--data-dir", str(demo), "--lang", "en"])
    settings = demo_settings(args, demo)
    assert settings.data_dir == demo
    for service in SERVICES:
        assert settings.database_url(service) == f"sqlite:///{demo / (service + '.db')}"
    async with BoxOffice.open(settings) as office:
        assert await office.history() == []
        assert await office.history(phone="010-5555-1234") == []
    with pytest.raises(Exception, match="No booking"):
        async with BoxOffice.open(settings) as office:
            await office.booking(code)


def test_a_demo_refuses_a_settings_file(tmp_path):
    args = build_parser().parse_args(["--demo", "--config", str(tmp_path / "x.toml")])
    with pytest.raises(Exception, match="--demo reads no settings file"):
        demo_settings(args, tmp_path)


def test_an_abandoned_demo_directory_is_swept_and_a_strangers_is_not(tmp_path, monkeypatch):
    import subprocess
    import sys

    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr("tempfile.tempdir", None)
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    abandoned = demo_dirs.make_demo_dir(owner_pid=int(dead.stdout))
    mine = demo_dirs.make_demo_dir()
    stranger = tmp_path / "cinema-demo-stranger"
    stranger.mkdir()
    assert mode(abandoned) == 0o700
    assert demo_dirs.sweep_abandoned_demo_dirs() == [abandoned]
    assert not abandoned.exists() and mine.exists() and stranger.exists()
