"""Settings: defaults < TOML file < ``CINEMA_*`` environment < arguments.

The box office's "ConfigMap and persistent volume": one data directory holds all state
(one SQLite file per service by default) and survives restarts; any service's database
can be pointed elsewhere (PostgreSQL) by its own URL. A bad file or value becomes one
``ConfigError`` naming the file, the setting and the problem.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import TYPE_CHECKING, Any

import platformdirs
from pydantic import Field, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from backend.errors import ConfigError
from backend.messaging.messages import SERVICES

if TYPE_CHECKING:
    from backend.runtime.breaker import BreakerConfig


def default_data_dir() -> Path:
    """Where state lives when nobody says otherwise (XDG data dir)."""
    return Path(platformdirs.user_data_dir("cinema-tui", appauthor=False))


def default_config_file() -> Path:
    """The settings file read when ``--config`` is not given (it may not exist)."""
    return Path(platformdirs.user_config_dir("cinema-tui", appauthor=False)) / "config.toml"


class Settings(BaseSettings):
    """Everything an operator can set. Field names are the TOML keys; env is CINEMA_<NAME>."""

    model_config = SettingsConfigDict(env_prefix="CINEMA_", extra="forbid")

    data_dir: Path = Field(default_factory=default_data_dir)
    catalog_dir: Path | None = None
    language: str = "ko"

    # one database per service; None = <data_dir>/<service>.db
    reservation_db_url: str | None = None
    payment_db_url: str | None = None
    cinema_db_url: str | None = None
    information_db_url: str | None = None

    hold_minutes: float = Field(5.0, gt=0, le=120)
    # a clerk may extend a hold (the customer is still deciding) by this much each time,
    # never past hold_max_minutes from when the seats were first held
    hold_extend_minutes: float = Field(2.0, gt=0, le=120)
    hold_max_minutes: float = Field(15.0, gt=0, le=240)
    max_seats_per_hold: int = Field(10, ge=1, le=50)
    payment_timeout_s: float = Field(5.0, gt=0, le=120)
    delivery_lease_s: float = Field(10.0, gt=0, le=600)
    # messages every receiver has applied are compacted once this old (their timelines
    # stay whole in the information view); looked for every journal_retention_every_s
    journal_retention_days: float = Field(30.0, gt=0, le=3650)
    journal_retention_every_s: float = Field(600.0, gt=0, le=86400)
    mailbox_size: int = Field(2000, ge=10)
    hang_after_s: float = Field(30.0, gt=0, le=3600)
    # SQLite transactions on the event loop's thread (fastest for a headless box office);
    # the terminal app turns this off unless it is set, to keep the clerk's keys quick
    sqlite_inline: bool = True

    # the payment worker pool (the original's HPA: 1 to 10 replicas)
    pool_min: int = Field(1, ge=1)
    pool_max: int = Field(10, ge=1)
    pool_tick_s: float = Field(0.5, gt=0)
    pool_quiet_s: float = Field(5.0, ge=0)

    # the circuit breaker around payment (resilience4j's semantics)
    breaker_window: str = "count"
    breaker_window_size: int = Field(20, ge=1)
    breaker_minimum_calls: int = Field(10, ge=1)
    breaker_failure_rate: float = Field(0.5, gt=0, le=1)
    breaker_slow_call_ms: float = Field(300.0, gt=0)
    breaker_slow_call_rate: float = Field(0.5, gt=0, le=1)
    breaker_wait_open_s: float = Field(5.0, ge=0)
    breaker_half_open_calls: int = Field(3, ge=1)

    # the payment simulator's knobs
    payment_latency_ms: float = Field(0.0, ge=0)
    payment_failure_rate: float = Field(0.0, ge=0, le=1)
    payment_capacity: int = Field(100, ge=1)
    payment_seed: int | None = None

    # serving the app to remote terminals (read by ``cinema-tui serve-ssh`` / ``serve-web``;
    # kept here so one settings file configures the whole box office)
    ssh_host: str = "127.0.0.1"
    ssh_port: int = Field(2222, ge=0, le=65535)
    ssh_mode: str = "clerk"
    ssh_authorized_keys: Path | None = None  # None = <data_dir>/ssh/authorized_keys
    ssh_max_sessions: int = Field(20, ge=1, le=1000)
    ssh_connections_per_minute: int = Field(20, ge=1)
    ssh_idle_timeout_s: float = Field(900.0, gt=0)
    ssh_max_session_s: float = Field(4 * 3600.0, gt=0)
    # sessions one SSH connection may open (OpenSSH multiplexes many over one connection)
    ssh_sessions_per_connection: int = Field(1, ge=1, le=100)
    # a connection that has opened no session this long after logging in is closed
    ssh_no_session_timeout_s: float = Field(30.0, gt=0, le=3600)
    web_host: str = "127.0.0.1"
    web_port: int = Field(8000, ge=0, le=65535)
    # app processes serve-web runs at once (each is a whole box office app, ~80 MB)
    web_max_sessions: int = Field(8, ge=1, le=1000)
    web_connections_per_minute: int = Field(20, ge=1)
    # serve-web on an address other than loopback must be asked for explicitly
    web_allow_remote: bool = False

    # [keymap]: a binding's id = the keys for it, e.g. ``checkout_pay = "ctrl+s,f12"``
    # (the ids are listed by ``docs/keymap.md``; the app checks them when it starts)
    keymap: dict[str, str] = Field(default_factory=dict)

    @field_validator("ssh_mode")
    @classmethod
    def _ssh_mode(cls, value: str) -> str:
        if value not in ("clerk", "demo"):
            raise ValueError("must be clerk or demo")
        return value

    @field_validator("breaker_window")
    @classmethod
    def _window(cls, value: str) -> str:
        if value not in ("count", "time"):
            raise ValueError("must be count or time")
        return value

    @field_validator("language")
    @classmethod
    def _language(cls, value: str) -> str:
        if value not in ("ko", "en"):
            raise ValueError("must be ko or en")
        return value

    @field_validator("data_dir", "catalog_dir", "ssh_authorized_keys", mode="before")
    @classmethod
    def _expand(cls, value: Any) -> Any:
        if isinstance(value, str) and value:
            return Path(os.path.expanduser(value))
        return value

    def breaker_config(self) -> "BreakerConfig":
        """The payment breaker's configuration from these settings."""
        from backend.runtime.breaker import BreakerConfig

        return BreakerConfig(
            window=self.breaker_window,
            window_size=self.breaker_window_size,
            minimum_calls=self.breaker_minimum_calls,
            failure_rate=self.breaker_failure_rate,
            slow_call_s=self.breaker_slow_call_ms / 1000,
            slow_call_rate=self.breaker_slow_call_rate,
            wait_open_s=self.breaker_wait_open_s,
            half_open_calls=self.breaker_half_open_calls,
        )

    def database_url(self, service: str) -> str:
        """The SQLAlchemy URL of one service's database."""
        if service not in SERVICES:
            raise KeyError(service)
        url = getattr(self, f"{service}_db_url")
        if url:
            return url
        return f"sqlite:///{self.data_dir / (service + '.db')}"

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        if _CONFIG_FILE.get("hermetic"):
            return (init_settings,)
        sources: tuple[PydanticBaseSettingsSource, ...] = (init_settings, env_settings)
        toml_file = _CONFIG_FILE.get("path")
        if toml_file is not None:
            sources += (TomlConfigSettingsSource(settings_cls, toml_file=toml_file),)
        return sources

    @classmethod
    def load(cls, config_file: Path | None = None, **overrides: Any) -> "Settings":
        """Build settings from a TOML file (optional), the environment and overrides.

        Raises ConfigError with the file, the key and the problem when anything is wrong.
        """
        explicit = config_file is not None
        path = Path(config_file) if explicit else default_config_file()
        if explicit and not path.is_file():
            raise ConfigError(f"{path}: no such settings file.")
        use_file = path.is_file()
        if use_file:
            try:
                with path.open("rb") as fh:
                    tomllib.load(fh)
            except tomllib.TOMLDecodeError as exc:
                raise ConfigError(f"{path}: not valid TOML: {exc}.") from exc
            except OSError as exc:
                raise ConfigError(f"{path}: cannot be read: {exc.strerror}.") from exc
        _CONFIG_FILE["path"] = path if use_file else None
        try:
            return cls(**{k: v for k, v in overrides.items() if v is not None})
        except ValidationError as exc:
            raise ConfigError(_explain(exc, path if use_file else None)) from exc
        finally:
            _CONFIG_FILE["path"] = None


    @classmethod
    def hermetic(cls, **values: Any) -> "Settings":
        """Settings made only from ``values`` and the defaults: no settings file, no
        ``CINEMA_*`` variable.

        A demo visitor's box office is built this way, so nothing the operator
        configured for the real cinema (a data directory, database URLs) can reach it.
        """
        _CONFIG_FILE["hermetic"] = True
        try:
            return cls(**{k: v for k, v in values.items() if v is not None})
        except ValidationError as exc:
            raise ConfigError(_explain(exc, None)) from exc
        finally:
            _CONFIG_FILE["hermetic"] = None


#: Which sources the next ``Settings`` is built from (set only around one construction).
_CONFIG_FILE: dict[str, Any] = {"path": None, "hermetic": None}


def _explain(exc: ValidationError, path: Path | None) -> str:
    """One sentence per problem: where it came from, which key, what is wrong."""
    parts = []
    for err in exc.errors():
        key = ".".join(str(p) for p in err["loc"]) or "settings"
        env = f"CINEMA_{key.upper()}"
        origin = f"{env} (environment)" if env in os.environ else (
            f"{path}, key {key}" if path else f"setting {key}"
        )
        message = err["msg"]
        if err["type"] == "extra_forbidden":
            message = "is not a known setting (check the spelling)"
        parts.append(f"{origin}: {message}.")
    return " ".join(parts)
