"""Errors the box office raises to its callers.

Every error is a ``BoxOfficeError`` whose ``str()`` is a sentence fit to show a clerk:
what went wrong and, where there is one, what to do next. Callers (the Textual app,
the SSH command mode, tests) never need to look at a traceback to explain a failure.
"""

from __future__ import annotations


class BoxOfficeError(Exception):
    """Base of every error the gateway raises; the message is for a human."""

    #: A short machine-readable kind, stable for scripts and tests.
    code: str = "error"

    def __init__(self, message: str, *, key: str | None = None, **params: object) -> None:
        super().__init__(message)
        self.message = message
        #: A stable name of this kind of problem (for translations), with its values.
        self.key = key
        self.params = params


class InvalidInput(BoxOfficeError):
    """The caller gave something the box office cannot accept (seat label, phone, card...)."""

    code = "invalid_input"


class NotFound(BoxOfficeError):
    """No showtime, hold or booking matches what was asked for."""

    code = "not_found"


class SeatUnavailable(BoxOfficeError):
    """One or more of the seats asked for is already held or sold (or blocked)."""

    code = "seat_unavailable"

    def __init__(self, message: str, seats: list[str] | None = None) -> None:
        super().__init__(message)
        self.seats = seats or []


class HoldExpired(BoxOfficeError):
    """The seat hold ran out before the booking was made; the seats are free again."""

    code = "hold_expired"


class HoldLimitReached(BoxOfficeError):
    """A hold cannot be extended again: seats are set aside for at most
    ``hold_max_minutes`` after they were first held, so one undecided customer cannot keep
    them from everybody else all evening. The hold itself is still good until it expires."""

    code = "hold_limit_reached"


class PaymentDeclined(BoxOfficeError):
    """The payment was refused: nothing was charged and the seats are still held."""

    code = "payment_declined"

    def __init__(self, message: str, reason: str = "declined", booking_id: str | None = None) -> None:
        super().__init__(message)
        self.reason = reason
        #: The failed booking attempt (its history shows the decline).
        self.booking_id = booking_id


class PaymentUnavailable(BoxOfficeError):
    """Payment cannot take requests right now (stopped, overloaded, breaker open).

    The hold is kept so the clerk can retry without losing the seats.
    """

    code = "payment_unavailable"

    def __init__(
        self, message: str, retry_after: float | None = None, booking_id: str | None = None
    ) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        #: The failed booking attempt, when one was recorded.
        self.booking_id = booking_id


class PaymentPending(BoxOfficeError):
    """Payment did not answer in time and its outcome is still being reconciled."""

    code = "payment_pending"

    def __init__(self, message: str, booking_code: str) -> None:
        super().__init__(message)
        self.booking_code = booking_code


class NotCancellable(BoxOfficeError):
    """The booking is in a state that cannot be cancelled (already cancelled, failed...)."""

    code = "not_cancellable"


class ServiceUnavailable(BoxOfficeError):
    """A service the request needs is starting up, stopped or not ready."""

    code = "service_unavailable"


class Busy(BoxOfficeError):
    """A service's mailbox is full: the request was refused rather than queued forever."""

    code = "busy"


class ConfigError(BoxOfficeError):
    """A settings or data file is missing or wrong; the message names file, entry and problem."""

    code = "config_error"


class StorageError(BoxOfficeError):
    """The data directory or a database cannot be used (unwritable, locked, corrupt)."""

    code = "storage_error"


class DatabaseUnreachable(StorageError):
    """A database server (PostgreSQL) is not answering: down, restarting, or cut off by
    the network. Nothing was done; the same request can be made again once it is back,
    and the box office keeps trying by itself (its status line says so meanwhile)."""

    code = "database_unreachable"
