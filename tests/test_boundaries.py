"""House rules: the backend stays headless; bad settings and storage give human messages."""

from __future__ import annotations

import ast
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from backend import BoxOffice, ConfigError, Settings, StorageError

ROOT = Path(__file__).resolve().parent.parent


def test_backend_never_imports_textual():
    offenders = []
    for path in (ROOT / "backend").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            if any(n == "textual" or n.startswith("textual.") for n in names):
                offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []
    # and importing the whole backend does not pull it in indirectly
    code = "import sys, backend, backend.office, backend.audit; print('textual' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert out.stdout.strip() == "False", out.stderr


def test_settings_layering(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    config = tmp_path / "box.toml"
    config.write_text('hold_minutes = 7\nlanguage = "en"\n', encoding="utf-8")
    assert Settings.load(config).hold_minutes == 7
    monkeypatch.setenv("CINEMA_HOLD_MINUTES", "9")
    loaded = Settings.load(config)
    assert loaded.hold_minutes == 9 and loaded.language == "en"
    assert Settings.load(config, hold_minutes=3).hold_minutes == 3
    assert Settings.load(config, data_dir=tmp_path / "x").database_url("cinema").endswith(
        "x/cinema.db"
    )


@pytest.mark.parametrize(
    "content,fragment",
    [
        ("hold_minutes = [", "not valid TOML"),
        ("hold_minuts = 5", "hold_minuts: is not a known setting"),
        ("hold_minutes = -1", "hold_minutes: Input should be greater than 0"),
        ('language = "fr"', "language"),
    ],
)
def test_bad_config_file_names_file_and_key(tmp_path: Path, content: str, fragment: str):
    config = tmp_path / "bad.toml"
    config.write_text(content, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        Settings.load(config)
    assert str(config) in str(info.value)
    assert fragment in str(info.value)


def test_missing_config_file(tmp_path: Path):
    with pytest.raises(ConfigError, match="no such settings file"):
        Settings.load(tmp_path / "nope.toml")


def test_bad_environment_variable_is_named(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("CINEMA_PAYMENT_TIMEOUT_S", "soon")
    with pytest.raises(ConfigError, match="CINEMA_PAYMENT_TIMEOUT_S"):
        Settings.load()


async def test_unwritable_data_dir_is_explained(tmp_path: Path):
    if os.geteuid() == 0:
        unwritable = Path("/sys/cinema-tui-test")  # even root cannot make a directory here
    else:
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        unwritable = locked / "data"
    with pytest.raises(StorageError, match="cannot be used") as info:
        async with BoxOffice.open(Settings(data_dir=unwritable)):
            pass
    assert str(unwritable) in str(info.value) and "--data-dir" in str(info.value)


async def test_data_dir_that_is_a_file_is_explained(tmp_path: Path):
    not_a_dir = tmp_path / "file"
    not_a_dir.write_text("x")
    with pytest.raises(StorageError, match="cannot be used"):
        async with BoxOffice.open(Settings(data_dir=not_a_dir)):
            pass


async def test_corrupt_database_is_explained(tmp_path: Path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "payment.db").write_bytes(b"this is not a database" * 100)
    with pytest.raises(StorageError, match="payment database file .* is damaged"):
        async with BoxOffice.open(Settings(data_dir=data)):
            pass
    # nothing else was touched: the damaged file is still there for the operator
    assert (data / "payment.db").read_bytes().startswith(b"this is not")


async def test_locked_database_is_explained(tmp_path: Path, clock):
    data = tmp_path / "data"
    settings = Settings(data_dir=data)
    async with BoxOffice.open(settings, clock=clock) as office:
        office.runtime.reservation.store.busy_timeout_ms = 100
        await office.runtime.reservation.store.close()
        await office.runtime.reservation.store.open()
        show = (await office.showtimes(office.days()[1]))[0]
        other = sqlite3.connect(data / "reservation.db", isolation_level=None)
        other.execute("BEGIN EXCLUSIVE")
        try:
            with pytest.raises(StorageError, match="locked by another program"):
                await office.hold(show.id, ["A1"])
        finally:
            other.execute("ROLLBACK")
            other.close()
        hold = await office.hold(show.id, ["A1"])  # works again once the lock is gone
        assert hold.seats == ("A1",)


#: The modules of ``backend`` that ``cinema_tui`` may import: the package itself, the
#: API a running box office answers, and the operator's door to a data directory.
PUBLIC_BACKEND = {"backend", "backend.api", "backend.maintenance"}


def backend_imports(package: Path) -> list[tuple[str, str]]:
    """(file, module) for every import of a ``backend`` module under ``package``."""
    found = []
    for path in package.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                modules = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                modules = [node.module]
                if node.module == "backend":  # ``from backend import api`` is a module too
                    modules += [f"backend.{a.name}" for a in node.names
                                if (ROOT / "backend" / f"{a.name}.py").exists()
                                or (ROOT / "backend" / a.name).is_dir()]
            else:
                continue
            found += [(path.name, m) for m in modules
                      if m == "backend" or m.startswith("backend.")]
    return found


def test_the_app_uses_only_the_public_backend_modules():
    """The app itself speaks only the public API; the testers' kit (``cinema_tui.testing``)
    may also build the ``FakeOffice`` of ``backend.testing``, and nothing else."""
    offenders = [(f, m) for f, m in backend_imports(ROOT / "cinema_tui")
                 if m not in PUBLIC_BACKEND]
    for allowed in [(f, m) for f, m in backend_imports(ROOT / "cinema_tui" / "testing")
                    if m == "backend.testing"]:
        offenders.remove(allowed)  # one import of the kit's, not any file of that name
    assert offenders == []


def test_the_public_module_check_can_fail(tmp_path: Path):
    (tmp_path / "screen.py").write_text(
        "from backend.runtime.clock import Clock\nimport backend.services.base\n"
        "from backend import api, storage, Settings\nfrom backend.api import Booking\n",
        encoding="utf-8")
    found = {m for _, m in backend_imports(tmp_path)}
    assert found - PUBLIC_BACKEND == {"backend.runtime.clock", "backend.services.base",
                                      "backend.storage"}
