"""The box office's embedded backend. Never imports textual.

    from backend import BoxOffice, Settings, Card, Cash
    async with BoxOffice.open(Settings(data_dir=path)) as office:
        ...
"""

from backend.errors import (
    BoxOfficeError,
    Busy,
    ConfigError,
    HoldExpired,
    HoldLimitReached,
    InvalidInput,
    NotCancellable,
    NotFound,
    PaymentDeclined,
    PaymentPending,
    PaymentUnavailable,
    SeatUnavailable,
    ServiceUnavailable,
    StorageError,
)
from backend.runtime.clock import Clock, ManualClock, SystemClock
from backend.settings import Settings
from backend.tender import Card, Cash


def __getattr__(name: str) -> object:
    """``BoxOffice`` is imported on first use, so the app can draw before SQLAlchemy loads."""
    if name == "BoxOffice":
        from backend.office import BoxOffice

        return BoxOffice
    raise AttributeError(f"module 'backend' has no attribute {name!r}")


__all__ = [
    "BoxOffice", "BoxOfficeError", "Busy", "Card", "Cash", "Clock", "ConfigError",
    "HoldExpired", "HoldLimitReached", "InvalidInput", "ManualClock", "NotCancellable",
    "NotFound", "PaymentDeclined", "PaymentPending", "PaymentUnavailable", "SeatUnavailable",
    "ServiceUnavailable", "Settings", "StorageError", "SystemClock",
]
