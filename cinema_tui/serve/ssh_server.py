"""``cinema-tui serve-ssh``: the box office for anyone with an SSH client.

Two modes, chosen by the ``ssh_mode`` setting:

* **clerk** — public-key authentication against an authorized-keys file (re-read at
  every login, so adding a clerk needs no restart); every session works on the cinema's
  one data directory, as several box-office processes safely can.
* **demo** — anyone may connect (any key, or keyboard-interactive without a password);
  each session gets a fresh demo cinema in a private temporary directory, removed when
  the session ends. The app runs with ``--demo``, so it reads no settings file and no
  ``CINEMA_*`` variable: nothing that names the real cinema can reach a visitor.

Only interactive sessions are served: no shell, no commands, no port or agent or X11
forwarding, no SFTP or SCP. Connections per address, sessions at once and per
connection, idle time, session length, and how long a connection may hold no session
are limited by settings. One log line per session start and end and per connection end;
keystrokes are never logged, and whatever a client sent is escaped (``log_safe``), so
one event is always one line.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path

import asyncssh

from backend.api import ConfigError, Settings
from cinema_tui.demo_dirs import sweep_abandoned_demo_dirs
from cinema_tui.serve.host_key import authorized_keys_problem, load_or_create_host_key
from cinema_tui.serve.limits import ConnectionRateLimit, SessionSlots
from cinema_tui.serve.log_text import OneLineFormatter, log_fields, log_safe
from cinema_tui.serve.ssh_session import (
    RICH_TERMS,
    BoxOfficeSession,
    sane_env_word,
    sane_term,
)

log = logging.getLogger("cinema_tui.serve")


class ServeContext:
    """What every connection of one server shares: settings, limits, the key file."""

    def __init__(self, settings: Settings, config_file: Path | None) -> None:
        self.settings = settings
        self.config_file = config_file
        self.mode = settings.ssh_mode
        self.host = settings.ssh_host
        self.port = settings.ssh_port
        self.idle_timeout_s = settings.ssh_idle_timeout_s
        self.max_session_s = settings.ssh_max_session_s
        self.sessions_per_connection = settings.ssh_sessions_per_connection
        self.no_session_timeout_s = settings.ssh_no_session_timeout_s
        self.slots = SessionSlots(settings.ssh_max_sessions)
        #: running sessions, so that stopping the server can end each one cleanly
        self.sessions: set[asyncio.Task[None]] = set()
        self.rate = ConnectionRateLimit(settings.ssh_connections_per_minute)
        self.authorized_keys = (settings.ssh_authorized_keys
                                or settings.data_dir / "ssh" / "authorized_keys")

    def connect_hint(self, username: str | None = None) -> str:
        host = self.host if self.host not in ("0.0.0.0", "::", "") else "<this host>"
        if not (username and sane_env_word(username) == username):
            username = "clerk"  # a name that is not one plain word is not echoed back
        user = f"{username}@" if self.mode == "clerk" else ""
        port = f"-p {self.port} " if self.port != 22 else ""
        return f"ssh -t {port}{user}{host}"

    def clerk_keys(self) -> tuple[asyncssh.SSHAuthorizedKeys | None, str | None]:
        """The authorized keys as the file says now, or None and why not (None: the file
        is missing)."""
        problem = authorized_keys_problem(self.authorized_keys)
        if problem is not None:
            return None, problem
        try:
            return asyncssh.read_authorized_keys(str(self.authorized_keys)), None
        except FileNotFoundError:
            return None, None
        except (OSError, ValueError, asyncssh.KeyImportError) as exc:
            return None, f"{self.authorized_keys} cannot be read: {exc}"

    def app_arguments(self, demo_dir: str | None) -> list[str]:
        language = ["--lang", self.settings.language]
        if demo_dir is not None:  # hermetic: no settings file, no CINEMA_* variable
            return ["--demo", "--data-dir", demo_dir, *language]
        config = ["--config", str(self.config_file)] if self.config_file else []
        return ["--data-dir", str(self.settings.data_dir), *config, *language]

    def app_environment(self, term: str, client_env: dict[str, str],
                        started_monotonic: float,
                        demo_dir: str | None = None) -> dict[str, str]:
        """The app's environment: the server's, less what must not leak, plus the
        client's terminal (checked: it is the client's to choose) and the session's
        limits (the app warns before they bite)."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("SSH_")}
        if self.mode == "demo":  # a demo cinema must not reach the real databases
            env = {k: v for k, v in env.items() if not k.startswith("CINEMA_")}
            if demo_dir is not None:  # nor the operator's settings file, were it read
                env["XDG_CONFIG_HOME"] = demo_dir
        for size in ("COLUMNS", "LINES"):  # the session's pty has the client's size
            env.pop(size, None)
        term = sane_term(term)
        env.update(TERM=term, LANG="C.UTF-8", LC_ALL="C.UTF-8", PYTHONIOENCODING="utf-8")
        env.pop("COLORTERM", None)
        colorterm = sane_env_word(client_env.get("COLORTERM"))
        if colorterm is not None:
            env["COLORTERM"] = colorterm
        elif any(word in term for word in RICH_TERMS):
            env["COLORTERM"] = "truecolor"
        if client_env.get("NO_COLOR"):  # any non-empty value means no colour
            env["NO_COLOR"] = "1"
        ends_at = time.time() + self.max_session_s - (time.monotonic() - started_monotonic)
        env["CINEMA_SESSION_ENDS_AT"] = f"{ends_at:.0f}"
        env["CINEMA_SESSION_IDLE_TIMEOUT_S"] = f"{self.idle_timeout_s:g}"
        return env


class ConnectionGuard(asyncssh.SSHServer):
    """One per connection: the rate limit, authentication, what may be opened, how many
    sessions it holds, and how long it may hold none."""

    def __init__(self, context: ServeContext) -> None:
        self._context = context
        self._conn: asyncssh.SSHServerConnection | None = None
        self.address = "?"
        self.peer = "?"
        self.username: str | None = None  # as the client sent it: log it with log_safe
        self.fingerprint = "-"
        #: this connection's running sessions (OpenSSH multiplexes many over one)
        self.slots = SessionSlots(context.sessions_per_connection)
        self.sessions_opened = 0
        self._open = 0
        self._authenticated = False
        self._started = time.monotonic()
        self._no_session_timer: asyncio.TimerHandle | None = None
        self._end_reason: str | None = None

    def connection_made(self, conn: asyncssh.SSHServerConnection) -> None:
        self._conn = conn
        peer = conn.get_extra_info("peername") or ("?", 0)
        self.address = str(peer[0])
        self.peer = f"{peer[0]}:{peer[1]}"

    def begin_auth(self, username: str) -> bool:
        self.username = username
        rate = self._context.rate
        if not rate.admit(self.address):
            wait = max(1, round(rate.retry_after_s(self.address)))
            log.info("connection refused %s%s reason=rate-limit", self.peer,
                     log_fields(user=username))
            self._disconnect(
                asyncssh.DISC_TOO_MANY_CONNECTIONS,
                f"Too many connections from {self.address}: at most {rate.per_minute} a "
                f"minute. Please try again in {wait} s.",
                "rate-limit",
            )
        return True

    def auth_completed(self) -> None:
        self._authenticated = True
        self._arm_no_session_timer()

    # -- sessions held, and a connection that holds none -------------------------------
    def session_began(self) -> None:
        self.sessions_opened += 1
        self._open += 1
        if self._no_session_timer is not None:
            self._no_session_timer.cancel()
            self._no_session_timer = None

    def session_ended(self) -> None:
        self._open = max(0, self._open - 1)
        if self._open == 0:
            self._arm_no_session_timer()

    def _arm_no_session_timer(self) -> None:
        """Close the connection unless it opens a session in time (``ssh -N``, or a
        shared ``ControlMaster`` connection left open with nothing on it)."""
        if self._no_session_timer is not None:
            self._no_session_timer.cancel()
        if self._conn is None or self._end_reason is not None:
            return
        self._no_session_timer = asyncio.get_running_loop().call_later(
            self._context.no_session_timeout_s, self._no_session_timeout
        )

    def _no_session_timeout(self) -> None:
        self._no_session_timer = None
        if self._open:
            return
        seconds = self._context.no_session_timeout_s
        log.info("connection closed %s%s reason=no-session after=%gs", self.peer,
                 log_fields(user=self.username), seconds)
        self._disconnect(
            asyncssh.DISC_BY_APPLICATION,
            f"No box office session was opened for {seconds:g} seconds. Connect with: "
            f"{self._context.connect_hint(self.username)}",
            "no-session",
        )

    def _disconnect(self, code: int, message: str, reason: str) -> None:
        self._end_reason = reason
        if self._conn is not None:
            self._conn.disconnect(code, message)

    def connection_lost(self, exc: Exception | None) -> None:
        if self._no_session_timer is not None:
            self._no_session_timer.cancel()
            self._no_session_timer = None
        reason = self._end_reason or ("closed" if exc is None else "error")
        if not self._authenticated and self._end_reason is None:
            reason = "not-logged-in"
        detail = log_fields(error=exc) if exc is not None else ""
        log.info("connection end %s%s duration=%.1fs sessions=%d reason=%s%s", self.peer,
                 log_fields(user=self.username), time.monotonic() - self._started,
                 self.sessions_opened, reason, detail)
        self._end_reason = self._end_reason or reason

    # -- authentication ---------------------------------------------------------------
    def public_key_auth_supported(self) -> bool:
        return True

    def validate_public_key(self, username: str, key: asyncssh.SSHKey) -> bool:
        fingerprint = key.get_fingerprint()
        if self._context.mode == "demo":
            self.fingerprint = fingerprint
            return True
        keys, problem = self._context.clerk_keys()
        if keys is not None and keys.validate(key, self.address, self.address) is not None:
            self.fingerprint = fingerprint
            return True
        why = f" reason={log_safe(problem, 400)}" if problem else ""
        log.info("key refused %s%s%s", self.peer,
                 log_fields(user=username, key=fingerprint), why)
        return False

    def kbdint_auth_supported(self) -> bool:
        return self._context.mode == "demo"

    def get_kbdint_challenge(self, username: str, lang: str, submethods: str) -> bool:
        return True  # demo: in without a password

    def password_auth_supported(self) -> bool:
        return False

    # -- what may be opened: one interactive session, nothing else -----------------------
    def session_requested(self) -> BoxOfficeSession:
        return BoxOfficeSession(self._context, self)

    def connection_requested(self, *args: object) -> bool:
        return False

    def server_requested(self, *args: object) -> bool:
        return False

    def unix_connection_requested(self, *args: object) -> bool:
        return False

    def unix_server_requested(self, *args: object) -> bool:
        return False


async def start_ssh_server(
    settings: Settings, config_file: Path | None = None,
    say: Callable[[str], None] = print,
) -> tuple[asyncssh.SSHAcceptor, ServeContext]:
    """Listen; ``say`` gets the lines an operator needs."""
    context = ServeContext(settings, config_file)
    if context.mode == "clerk" and context.authorized_keys.exists():
        problem = authorized_keys_problem(context.authorized_keys)
        if problem is not None:
            raise ConfigError(problem)
        try:
            asyncssh.read_authorized_keys(str(context.authorized_keys))
        except (OSError, ValueError, asyncssh.KeyImportError) as exc:
            raise ConfigError(f"{context.authorized_keys}: not a valid authorized-keys "
                              f"file ({exc}).") from exc
    host_key, key_path, created = load_or_create_host_key(settings.data_dir)
    try:
        acceptor = await asyncssh.create_server(
            lambda: ConnectionGuard(context),
            context.host,
            context.port,
            server_host_keys=[host_key],
            encoding=None,
            line_editor=False,
            allow_scp=False,
            agent_forwarding=False,
            x11_forwarding=False,
            login_timeout=60,
            keepalive_interval=30,
        )
    except OSError as exc:
        raise ConfigError(f"cannot listen on {context.host}:{context.port}: "
                          f"{exc.strerror or exc}.") from exc
    context.port = acceptor.sockets[0].getsockname()[1]
    # Demo cinemas of a server (or app) that was killed before it could remove them.
    swept = sweep_abandoned_demo_dirs()
    if swept or context.mode == "demo":
        log.info("abandoned demo directories removed: %d", len(swept))
    say(f"행복 Cinema box office over SSH on {context.host}:{context.port} "
        f"({context.mode} mode)")
    say(f"host key {host_key.get_fingerprint()} ({'new, ' if created else ''}{key_path})")
    if context.mode == "clerk":
        if not context.authorized_keys.exists():
            context.authorized_keys.parent.mkdir(parents=True, exist_ok=True)
            say(f"no clerk keys yet: add each clerk's public key (one line of their "
                f"~/.ssh/id_ed25519.pub) to {context.authorized_keys}")
        else:
            say(f"clerk keys: {context.authorized_keys}")
    say(f"connect with: {context.connect_hint()}")
    return acceptor, context


def configure_logging() -> None:
    """One line per event on stderr; asyncssh's own chatter only when it matters."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(OneLineFormatter("%(asctime)s %(message)s", "%Y-%m-%d %H:%M:%S"))
    logging.getLogger().addHandler(handler)  # ours, and asyncssh's warnings too
    log.setLevel(logging.INFO)
    logging.getLogger("asyncssh").setLevel(logging.WARNING)


def serve_ssh(settings: Settings, config_file: Path | None = None) -> int:
    """Run the SSH server until interrupted; returns the process exit status."""
    configure_logging()

    async def main() -> None:
        acceptor, context = await start_ssh_server(
            settings, config_file, say=lambda line: print(line, flush=True)
        )
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            loop.add_signal_handler(sig, stop.set)
        await stop.wait()
        # Stop taking connections, end every session (each stops its app, restores its
        # client's terminal as the connection closes, removes its demo directory).
        acceptor.close()
        for task in list(context.sessions):
            task.cancel()
        if context.sessions:
            await asyncio.wait(context.sessions, timeout=10)
        log.info("server stopped")

    try:
        asyncio.run(main())
    except ConfigError as exc:
        print(f"cinema-tui: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 0
    return 0
