"""The payment actor: authorise (card or cash), resolve an unknown outcome, refund.

Every payment is keyed by its booking (the idempotency key): asking twice returns the
first answer, and at most one capture per key can exist because the key is unique in
the table. When reservation cannot tell whether a payment happened (its ask timed out),
it asks ``ResolvePayment``: if nothing arrived under that key, a *voided* record is
written so that a late-arriving request with the key is refused rather than charged.
The simulated processor's wait happens outside any transaction.
"""

from __future__ import annotations

import asyncio
from typing import Any

from backend import arguments
from backend.errors import InvalidInput, PaymentUnavailable
from backend.ids import time_ordered_hex
from backend.messaging.envelope import Envelope
from backend.messaging.journal import Tx
from backend.messaging.messages import (
    PAYMENT,
    PaymentCaptured,
    PaymentRefunded,
    PaymentRefused,
    RequestRefund,
)
from backend.messaging.requests import Authorize, PaymentOutcome, ResolvePayment
from backend.runtime.clock import Clock
from backend.runtime.pool import PoolSnapshot, WorkerPool
from backend.services.base import Postman, Service, handles
from backend.services.payment.model import PAYMENTS
from backend.services.payment.simulator import PaymentSimulator, SimulatorKnobs, check_knobs
from backend.sql import SQL, run
from backend.tender import CASH_MAX, CheckedCard


def _outcome(row: Any) -> PaymentOutcome:
    status = "captured" if row.status in ("captured", "refunded") else row.status
    return PaymentOutcome(
        status=status,
        payment_id=row.id,
        reason=row.reason,
        brand=row.brand,
        last4=row.last4,
        change=row.change,
    )


class PaymentService(Service):
    """Takes and gives back money, through the simulator."""

    tables = [PAYMENTS]

    def __init__(
        self,
        url: str,
        *,
        clock: Clock,
        knobs: SimulatorKnobs,
        seed: int | None = None,
        pool: WorkerPool | None = None,
        postman: Postman | None = None,
        mailbox_size: int = 2000,
    ) -> None:
        super().__init__(PAYMENT, url, clock=clock, postman=postman, mailbox_size=mailbox_size)
        self.simulator = PaymentSimulator(knobs, seed)
        self.in_flight = 0
        #: How many payments are processed at once; grows and shrinks with the load.
        self.pool = pool or WorkerPool(clock, min_size=1, max_size=10)

    async def on_start(self) -> None:
        await super().on_start()
        self.pool.start()

    async def on_stop(self) -> None:
        await self.pool.stop()
        await super().on_stop()

    # --- asks ---------------------------------------------------------------------------

    async def handle_ask(self, request: Any) -> Any:
        if isinstance(request, Authorize):
            return await self.authorize(request)
        if isinstance(request, ResolvePayment):
            return await self.transact(self._resolve, request)
        return await super().handle_ask(request)

    async def authorize(self, request: Authorize) -> PaymentOutcome:
        check_request(request)  # a malformed request never waits for a worker nor is recorded
        async with self.pool.slot():
            return await self._authorize(request)

    async def _authorize(self, request: Authorize) -> PaymentOutcome:
        # A repeated key is answered from the table by _record (the key is unique there).
        if self.in_flight >= self.simulator.knobs.capacity:
            raise PaymentUnavailable(
                "Payment is at capacity right now; nothing was charged. Try again in a "
                "few seconds.",
                retry_after=2.0,
            )
        self.in_flight += 1
        try:
            if request.method == "card":
                assert request.card is not None  # check_request
                decision = self.simulator.card_outcome(request.card.digits)
            else:
                decision = self.simulator.cash_outcome()
            delay = self.simulator.latency()
            if delay:
                await asyncio.sleep(delay)
        finally:
            self.in_flight -= 1
        return await self.transact(self._record, request, decision)

    def _record(self, tx: Tx, request: Authorize, decision: str) -> PaymentOutcome:
        card = request.card
        change = None
        if request.method == "cash" and request.cash_tendered is not None:
            change = request.cash_tendered - request.amount
        row = {
            "id": "pay_" + time_ordered_hex(24),
            "idempotency_key": request.idempotency_key,
            "booking_id": request.booking_id,
            "method": request.method,
            "amount": request.amount,
            "status": "captured" if decision == "approve" else "declined",
            "reason": None if decision == "approve" else decision,
            "brand": card.brand if card else None,
            "last4": card.last4 if card else None,
            "tendered": request.cash_tendered,
            "change": change if decision == "approve" else None,
            "created_at": tx.now_epoch,
        }
        inserted = tx.run(_RECORD, row).rowcount
        if not inserted:  # someone answered for this key first (a retry, or a void)
            return _outcome(_by_key(tx.conn, request.idempotency_key))
        if row["status"] == "captured":
            tx.emit(
                PaymentCaptured(
                    booking_id=request.booking_id,
                    payment_id=row["id"],
                    amount=request.amount,
                    method=request.method,
                    brand=row["brand"],
                    last4=row["last4"],
                    tendered=request.cash_tendered,
                    change=row["change"],
                ),
                correlation_id=request.booking_id,
            )
        else:
            tx.emit(
                PaymentRefused(booking_id=request.booking_id, reason=decision),
                correlation_id=request.booking_id,
            )
        return PaymentOutcome(
            status=row["status"], payment_id=row["id"], reason=row["reason"],
            brand=row["brand"], last4=row["last4"], change=row["change"],
        )

    def _resolve(self, tx: Tx, request: ResolvePayment) -> PaymentOutcome:
        row = _by_key(tx.conn, request.idempotency_key)
        if row is not None:
            return _outcome(row)
        tx.run(
            _VOID,
            {
                "id": "void_" + time_ordered_hex(24),
                "idempotency_key": request.idempotency_key,
                "booking_id": request.booking_id,
                "method": "none",
                "amount": 0,
                "status": "voided",
                "reason": "no payment arrived before the booking gave up waiting",
                "created_at": tx.now_epoch,
            },
        )
        tx.emit(
            PaymentRefused(booking_id=request.booking_id, reason="voided"),
            correlation_id=request.booking_id,
        )
        return _outcome(_by_key(tx.conn, request.idempotency_key))

    # --- deliveries ---------------------------------------------------------------------

    @handles(RequestRefund)
    def on_RequestRefund(self, tx: Tx, env: Envelope) -> None:
        msg: RequestRefund = env.payload  # type: ignore[assignment]
        row = _by_key(tx.conn, msg.booking_id)
        amount = 0
        payment_id = None
        if row is not None and row.status == "captured":
            tx.run(_REFUND, {"id": row.id, "now": tx.now_epoch, "reason": msg.reason})
            amount, payment_id = row.amount, row.id
        elif row is not None and row.status == "refunded":
            amount, payment_id = row.amount, row.id  # said again; money moved once
        tx.emit(
            PaymentRefunded(
                booking_id=msg.booking_id, payment_id=payment_id, amount=amount, reason=msg.reason
            ),
            correlation_id=env.correlation_id,
            causation_id=env.message_id,
        )

    # --- knobs --------------------------------------------------------------------------

    def configure(
        self,
        *,
        latency_ms: object = None,
        failure_rate: object = None,
        capacity: object = None,
    ) -> SimulatorKnobs:
        """Change the simulator's latency, failure rate or capacity at run time.

        Every knob given is checked before any is changed (``InvalidInput``), so a bad
        one changes nothing. ``None`` leaves a knob as it is.
        """
        changes = check_knobs(latency_ms=latency_ms, failure_rate=failure_rate,
                              capacity=capacity)
        knobs = self.simulator.knobs
        for key, value in changes.items():
            setattr(knobs, key, value)
        return knobs

    def knobs(self) -> tuple[float, float, int]:
        """The simulator's (latency_ms, failure_rate, capacity) as they are now."""
        k = self.simulator.knobs
        return k.latency_ms, k.failure_rate, k.capacity

    def pool_snapshot(self) -> tuple[PoolSnapshot, float]:
        """The worker pool now, and its clock's ``monotonic()`` (its history's time base)."""
        return self.pool.snapshot(), self.pool.clock.monotonic()


#: The most a payment can be, in won (a sanity bound far inside 64-bit integers).
AMOUNT_MAX = 1_000_000_000
def check_request(request: Authorize) -> None:
    """Refuse a malformed authorisation with InvalidInput, before anything is recorded.

    The gateway checks what a clerk typed; this guards payment's own table against a
    request built wrongly anywhere else (a value too large for its columns would
    otherwise fail inside the transaction). InvalidInput is the request's fault: the
    breaker does not count it against payment.
    """
    if not isinstance(request.idempotency_key, str) or not request.idempotency_key:
        raise InvalidInput("A payment needs its booking's key.")
    arguments.whole_number(request.amount, "The payment amount", 0, AMOUNT_MAX)
    if request.method == "card":
        if not isinstance(request.card, CheckedCard):
            raise InvalidInput("A card payment needs card details that were checked.")
    elif request.method == "cash":
        tendered = request.cash_tendered
        if isinstance(tendered, bool) or not isinstance(tendered, int):
            raise InvalidInput("The cash tendered must be a whole number of won.",
                               key="cash.whole")
        if tendered > CASH_MAX:
            raise InvalidInput(
                f"One payment takes at most ₩{CASH_MAX:,} in cash; check the amount tendered.",
                key="cash.max", max=f"₩{CASH_MAX:,}",
            )
        if tendered < request.amount:
            raise InvalidInput(
                f"₩{tendered:,} is not enough: the total is ₩{request.amount:,}.",
                key="cash.short", tendered=f"₩{tendered:,}", total=f"₩{request.amount:,}",
                missing=f"₩{request.amount - tendered:,}",
            )
    else:
        raise InvalidInput(f"A payment is by card or cash, not {arguments.shown(request.method)}.")


_RECORD = SQL(
    "INSERT INTO payments (id, idempotency_key, booking_id, method, amount, status, reason,"
    " brand, last4, tendered, change, created_at) VALUES (:id, :idempotency_key, :booking_id,"
    " :method, :amount, :status, :reason, :brand, :last4, :tendered, :change, :created_at)"
    " ON CONFLICT (idempotency_key) DO NOTHING"
)
_BY_KEY = SQL("SELECT * FROM payments WHERE idempotency_key = :key")
_VOID = SQL(
    "INSERT INTO payments (id, idempotency_key, booking_id, method, amount, status, reason,"
    " created_at) VALUES (:id, :idempotency_key, :booking_id, :method, :amount, :status,"
    " :reason, :created_at)"
)
_REFUND = SQL(
    "UPDATE payments SET status = 'refunded', refunded_at = :now, refund_reason = :reason"
    " WHERE id = :id AND status = 'captured'"
)


def _by_key(conn: Any, key: str) -> Any:
    return run(conn, _BY_KEY, {"key": key}).first()
