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
from backend.gateway import BoxOffice
from backend.runtime.clock import Clock, ManualClock, SystemClock
from backend.settings import Settings
from backend.tender import Card, Cash

__all__ = [
    "BoxOffice", "BoxOfficeError", "Busy", "Card", "Cash", "Clock", "ConfigError",
    "HoldExpired", "InvalidInput", "ManualClock", "NotCancellable", "NotFound",
    "PaymentDeclined", "PaymentPending", "PaymentUnavailable", "SeatUnavailable",
    "ServiceUnavailable", "Settings", "StorageError", "SystemClock",
]
