"""The SSH server's host key: made on first start, kept in the data directory (mode 600).

Keeping it means clients see the same fingerprint after every restart, so their
``known_hosts`` check keeps protecting them.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import asyncssh

from backend.errors import ConfigError

HOST_KEY_NAME = "ssh_host_ed25519_key"


def host_key_path(data_dir: Path) -> Path:
    return data_dir / "ssh" / HOST_KEY_NAME


def load_or_create_host_key(data_dir: Path) -> tuple[asyncssh.SSHKey, Path, bool]:
    """The host key, its file, and whether it was just made.

    A key file readable by others is tightened to 600 rather than refused: the key is
    ours and the fix is obvious. An unreadable or corrupt file is a ``ConfigError``.
    """
    path = host_key_path(data_dir)
    if path.exists():
        try:
            if stat.S_IMODE(path.stat().st_mode) & 0o077:
                path.chmod(0o600)
            return asyncssh.read_private_key(path), path, False
        except (OSError, asyncssh.KeyImportError) as exc:
            raise ConfigError(
                f"{path}: the SSH host key cannot be read ({exc}). Move it away and a new "
                "one is made at the next start (clients will see a new fingerprint)."
            ) from exc
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        key = asyncssh.generate_private_key("ssh-ed25519", comment="cinema-tui host key")
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(key.export_private_key())
        path.with_name(HOST_KEY_NAME + ".pub").write_bytes(key.export_public_key())
    except OSError as exc:
        raise ConfigError(
            f"{path.parent}: cannot keep the SSH host key there ({exc.strerror}). "
            "Choose a writable data directory with --data-dir."
        ) from exc
    return key, path, True
