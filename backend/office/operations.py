"""Operating the box office: how the services are doing, and the levers an operator has.

The Ops screen, the status line and the fault-injection tests read and steer the
services only through here: health, ``ops_snapshot`` (everything the Ops screen draws,
as frozen values), stopping, starting, restarting and crashing a service, the payment
simulator's knobs, the payment breaker, dead letters, and ``quiet`` (what
``backend.testing.settle`` waits for). Each answer comes from a method the service
offers for it; nothing here reads a service's tables or private state.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from backend import arguments
from backend.errors import BoxOfficeError, InvalidInput
from backend.messaging.messages import SERVICES
from backend.messaging.requests import BlockSeats, CancelShow
from backend.office.core import OfficeCore
from backend.ops_snapshot import (
    BreakerChange,
    DeadLetter,
    OpsSnapshot,
    SimulatorSettings,
)
from backend.runtime.breaker import BreakerSnapshot
from backend.runtime.pool import PoolSnapshot
from backend.services.payment.simulator import check_knobs
from backend.views import ServiceHealth

#: How many of the breaker's latest state changes an Ops snapshot carries.
BREAKER_CHANGES_SHOWN = 20


class Operations(OfficeCore):
    """Health, the Ops screen's snapshot, and the operator's levers."""

    async def health(self) -> dict[str, ServiceHealth]:
        """Each service's state, readiness, mailbox depth and undelivered mail."""
        rt = self.rt
        result = {}
        for name, service in rt.services.items():
            pending = None
            if service.store.is_open:
                try:
                    pending = await service.undelivered()
                except BoxOfficeError:
                    pending = None
            result[name] = ServiceHealth(
                name=name,
                state=service.state.value,
                ready=service.ready,
                mailbox_depth=service.mailbox.qsize(),
                handled=service.handled,
                restarts=rt.supervisor.records[name].restarts,
                last_error=service.last_error,
                pending_deliveries=pending,
                stopped_by_operator=service.state.value == "stopped"
                and service.stopped_on_purpose,
                database_unreachable=service.store.unreachable,
            )
        return result

    async def ops_snapshot(self) -> OpsSnapshot:
        """Everything the Ops screen shows, read now; a part that cannot be read is in
        ``problems`` and the others still come back."""
        problems: dict[str, Exception] = {}
        health: dict[str, ServiceHealth] = {}
        breaker = pool = simulator = None
        changes: tuple[BreakerChange, ...] = ()
        pool_now = 0.0
        letters: list[DeadLetter] = []
        try:
            health = await self.health()
        except Exception as exc:  # noqa: BLE001 - reported per part, never raised
            problems["health"] = exc
        try:
            found = self.rt.reservation.payment_breaker()
            if found is not None:
                breaker, breaker_now = found
                changes = self._breaker_changes(breaker_now)
        except Exception as exc:  # noqa: BLE001 - reported per part, never raised
            problems["breaker"] = exc
        try:
            pool, pool_now = self.rt.payment.pool_snapshot()
        except Exception as exc:  # noqa: BLE001 - reported per part, never raised
            problems["pool"] = exc
        try:
            simulator = self.payment_simulator()
        except Exception as exc:  # noqa: BLE001 - reported per part, never raised
            problems["simulator"] = exc
        try:
            for rows in (await self.dead_letters()).values():
                letters.extend(rows)
        except Exception as exc:  # noqa: BLE001 - reported per part, never raised
            problems["dead_letters"] = exc
        return OpsSnapshot(
            health=health, breaker=breaker, breaker_changes=changes, pool=pool,
            pool_now=pool_now, simulator=simulator, dead_letters=tuple(letters),
            problems=problems,
        )

    def _breaker_changes(self, breaker_now: float) -> tuple[BreakerChange, ...]:
        """The breaker's latest state changes, each with the wall-clock time it happened."""
        now = self.clock.now()
        recent = list(self.breaker_transitions)[-BREAKER_CHANGES_SHOWN:]
        return tuple(
            BreakerChange(now - timedelta(seconds=max(0.0, breaker_now - t.at)), t)
            for t in recent
        )

    def _service(self, name: object) -> Any:
        if not isinstance(name, str) or name not in SERVICES:
            name = arguments.shown(name)
            raise InvalidInput(f"There is no service “{name}” (use {', '.join(SERVICES)}).")
        return self.rt.services[name]

    def breaker(self) -> BreakerSnapshot:
        """The payment circuit breaker now: state, failure and slow-call rates, next trial."""
        found = self.rt.reservation.payment_breaker()
        assert found is not None
        return found[0]

    def payment_pool(self) -> PoolSnapshot:
        """The payment worker pool: size, busy and waiting workers, size over time."""
        return self.rt.payment.pool_snapshot()[0]

    def reset_breaker(self) -> None:
        """Close the payment breaker by hand (after fixing what tripped it)."""
        self.rt.reservation.reset_payment_breaker()

    async def stop_service(self, name: str) -> None:
        """Stop one service on purpose (its mail waits in the journals)."""
        self._service(name)
        await self.rt.supervisor.stop(name)

    async def restart_service(self, name: str) -> None:
        """Rolling restart of one service: a new instance starts and becomes ready, takes
        all new work, and the old one finishes what it had before it stops. Nothing that
        was under way fails or is lost."""
        self._service(name)
        new = self.rt.factories[name]()
        await self.rt.supervisor.replace(name, new)

    async def start_service(self, name: str) -> None:
        """Start a stopped service; it catches up on the mail that waited for it."""
        self._service(name)
        await self.rt.supervisor.start(name)
        self.rt.dispatcher.wake()

    def crash_service(self, name: str) -> None:
        """Fault injection: make a service's actor crash now (the supervisor restarts it)."""
        self._service(name).crash("crashed on purpose by an operator")

    def payment_simulator(self) -> SimulatorSettings:
        """The payment simulator's fault knobs as they are now."""
        return SimulatorSettings(*self.rt.payment.knobs())

    async def configure_payment_simulator(
        self,
        *,
        latency_ms: float | None = None,
        failure_rate: float | None = None,
        capacity: int | None = None,
    ) -> dict[str, Any]:
        """Turn the payment simulator's fault knobs at run time."""
        changes = check_knobs(latency_ms=latency_ms, failure_rate=failure_rate,
                              capacity=capacity)  # all checked before any is changed
        knobs = self.rt.payment.configure(**changes)
        return {"latency_ms": knobs.latency_ms, "failure_rate": knobs.failure_rate,
                "capacity": knobs.capacity}

    async def block_seats(self, show_id: str, seats: Iterable[str], blocked: bool = True) -> list[str]:
        """Take seats out of service for a show (the cinema rejects paid bookings of them)."""
        show = self._show(show_id)
        labels = arguments.seat_labels(seats)
        blocked = arguments.flag(blocked, "blocked")
        if not labels:
            raise InvalidInput("Give at least one seat to block or unblock, like 'E7'.")
        applied = await self._ask(self.rt.cinema, BlockSeats(show.id, tuple(labels), blocked), 10.0)
        return list(applied.seats)

    async def cancel_show(self, show_id: str) -> None:
        """Cancel a show at the cinema: paid bookings not yet confirmed are rejected."""
        show = self._show(show_id)
        await self._ask(self.rt.cinema, CancelShow(show.id), 10.0)

    async def dead_letters(self) -> dict[str, list[DeadLetter]]:
        """Messages each running service gave up on."""
        return {
            name: [_dead_letter(name, row) for row in await s.dead_letters()]
            for name, s in self.rt.services.items()
            if s.store.is_open
        }

    async def retry_dead_letter(self, service: str, message_id: str) -> bool:
        """Apply a dead-lettered message again (after its cause was fixed)."""
        target = self._service(service)
        message_id = arguments.text(message_id, "message_id")
        return await self._ready(target).retry_dead_letter(message_id)

    async def quiet(self) -> bool:
        """No mail waiting in any mailbox or journal and no sale mid-way (True); else
        nudge the dispatcher and the hold sweep along and answer False."""
        if await self._quiet():
            return True
        self.rt.dispatcher.wake()
        if self.rt.reservation.ready:
            try:
                await self.rt.reservation.sweep()
            except BoxOfficeError:
                pass
        return False

    async def _quiet(self) -> bool:
        try:
            for service in self.rt.services.values():
                if service.mailbox.qsize() or not service.ready:
                    return False  # a stopped service's journal may hold mail we cannot see
                if await service.undelivered():
                    return False
            return await self.rt.reservation.sagas_in_flight() == 0
        except BoxOfficeError:  # a service went down while we looked
            return False


def _dead_letter(service: str, row: Any) -> DeadLetter:
    return DeadLetter(
        service=service, message_id=row.message_id, type=row.type, source=row.source,
        correlation_id=row.correlation_id, causation_id=row.causation_id,
        occurred_at=row.occurred_at, payload=row.payload, error=row.error, attempts=row.attempts,
        failed_at=row.failed_at, retried=bool(row.retried),
    )
