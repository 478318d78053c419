"""The SSH server's keys on disk: its host key, and the clerks' authorized-keys file.

The host key is made on first start and kept in the data directory (mode 600). Keeping it
means clients see the same fingerprint after every restart, so their ``known_hosts``
check keeps protecting them.

The authorized-keys file decides who may sell and refund, so it is trusted only as
OpenSSH's ``StrictModes`` would: not when others could write to it or to its directory.
"""

from __future__ import annotations

import os
import shlex
import stat
from pathlib import Path

import asyncssh

from backend.api import ConfigError

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


def _who_may_write(mode: int) -> str:
    if mode & 0o022 == 0o022:
        return "group- and world-writable"
    return "world-writable" if mode & 0o002 else "group-writable"


def authorized_keys_problem(path: Path) -> str | None:
    """Why the authorized-keys file ``path`` must not be trusted, or None if it may be
    (or does not exist).

    As OpenSSH's ``StrictModes``: the file and the directory holding it must be writable
    by their owner only, and owned by this server's user or by root. Only the mode bits
    and owners count, not who could actually write (root can write anything).
    """
    try:
        real = path.resolve()
        file_stat = real.stat()
    except (OSError, RuntimeError):
        return None  # missing or unreadable: reading it will say so
    for target, st in ((real, file_stat), (real.parent, None)):
        try:
            st = st or target.stat()
        except OSError:
            continue
        what = "it is" if target == real else f"its directory {target} is"
        mode = stat.S_IMODE(st.st_mode)
        if mode & 0o022:
            return (f"{path}: refused: {what} {_who_may_write(mode)} (mode {mode:03o}), "
                    "so others could add a key of their own. Fix it with: "
                    f"chmod go-w {shlex.quote(str(target))}")
        if st.st_uid not in (0, os.getuid()):
            return (f"{path}: refused: {what} owned by another user (uid {st.st_uid}). "
                    f"Fix it with: chown {os.getuid()} {shlex.quote(str(target))}")
    return None
