"""What reservation does with payment's answer, or with its silence.

Payment may approve, decline, or say nothing (it timed out, it failed, the clerk's
terminal went away mid-payment). An approval pays the booking and asks the cinema for
the seats; a decline gives the hold back to the clerk; silence makes the outcome
*unknown*, and reservation asks payment to resolve the booking's idempotency key (which
voids a payment it never recorded) at once and then from the sweeper until it knows.
Nobody is charged without a booking, and no booking is paid without a charge.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from backend.errors import PaymentPending, PaymentUnavailable
from backend.messaging.journal import Tx
from backend.messaging.messages import BookingFailed, BookingPaid, PaymentOutcomeUnknown
from backend.messaging.requests import Authorize, BookingRecord, PaymentOutcome, ResolvePayment
from backend.services.reservation import queries as q
from backend.services.reservation import saga
from backend.sql import run

log = logging.getLogger("backend.services.reservation.service")


class PaymentOutcomes:
    """Recording payment's answer on a booking (mixed into ``ReservationService``)."""

    breaker: Any
    clock: Any
    payment: Any
    payment_timeout: float
    transact: Any
    query: Any
    _transition: Any
    _row: Any

    async def _unknown_outcome(
        self, started: dict[str, Any], timed_out: bool, error: str
    ) -> BookingRecord:
        """Payment gave no answer (it timed out, or it failed with an unexpected error):
        nobody can tell whether money moved, so the outcome is unknown until payment is
        asked to resolve the key (which voids a payment it never recorded)."""
        booking_id, code = started["id"], started["code"]
        reason = "payment timed out" if timed_out else f"payment failed ({error})"
        await self.transact(self._record_payment, booking_id, "unknown", None, reason)
        booking = await self.reconcile(booking_id)
        if booking is None or booking.status == saga.PAYMENT_UNKNOWN:
            what = "did not answer in time" if timed_out else "failed with an internal error"
            raise PaymentPending(
                f"Payment {what}. Booking {code} will be settled automatically; look it up "
                "in a moment before taking payment again.",
                code,
            )
        if booking.status == saga.FAILED:
            if timed_out:
                message = ("Payment took too long to answer; nothing was charged and the seats "
                           "are still held. Try again.")
            elif error == "DatabaseUnreachable":
                message = ("The payment database cannot be reached (its server is not "
                           "answering); nothing was charged and the seats are still held. "
                           "Try again in a moment.")
            else:
                message = (f"Payment failed with an internal error ({error}); nothing was "
                           "charged and the seats are still held. Try again, and tell the "
                           "manager if it happens again.")
            raise PaymentUnavailable(message, retry_after=1.0, booking_id=booking_id)
        return booking

    async def _abandoned(self, booking_id: str) -> None:
        """A booking whose caller went away mid-payment: mark it unknown and reconcile."""
        try:
            await self.transact(self._record_payment, booking_id, "unknown", None, "caller gave up")
            await self.reconcile(booking_id)
        except Exception as exc:  # noqa: BLE001 - the sweeper resolves it later
            log.info("booking %s left for the sweeper: %s", booking_id, exc)

    async def _ask_payment(self, authorize: Authorize) -> PaymentOutcome:
        """The payment ask, timed and reported to the breaker (a decline is a healthy
        answer; a timeout, a refusal or an error is a failure; payment refusing the
        request as invalid, ``InvalidInput``, is the request's fault and not counted)."""
        breaker = self.breaker
        clock = breaker.clock if breaker is not None else self.clock
        began = clock.monotonic()
        try:
            outcome: PaymentOutcome = await self.payment().ask(authorize, self.payment_timeout)
        except asyncio.CancelledError:
            if breaker is not None:
                breaker.cancel()  # the caller gave up: no verdict on payment, permit back
            raise
        except Exception as exc:
            if breaker is not None:  # an invalid request is ignored, not counted
                breaker.record_error(clock.monotonic() - began, exc)
            raise
        if breaker is not None:
            breaker.record(clock.monotonic() - began, failed=False)
        return outcome

    def _record_payment(
        self,
        tx: Tx,
        booking_id: str,
        event: str | None,
        outcome: PaymentOutcome | None,
        reason: str | None,
    ) -> BookingRecord:
        """Record what payment said (or that it said nothing) on the booking."""
        if event is None and outcome is not None:
            event = "captured" if outcome.status == "captured" else "refused"
            reason = None if event == "captured" else (outcome.reason or outcome.status)
        assert event is not None
        row = self._transition(tx, booking_id, event, reason=reason)
        if row is None:
            return q.record(self._row(tx, booking_id))
        if row.status == saga.PAID and outcome is not None:
            payment = {"payment_id": outcome.payment_id, "brand": outcome.brand,
                       "last4": outcome.last4, "change": outcome.change}
            tx.run(q.SET_PAYMENT, {"id": booking_id, **payment})
            row = q.changed(tx, row, **payment)
            tx.run(q.SET_HOLD_STATE, {"id": row.hold_id, "state": "booked"})
            tx.run(q.CLAIMS_SOLD, {"id": booking_id})
            tx.emit(
                BookingPaid(
                    booking_id=booking_id,
                    code=row.code,
                    show_id=row.show_id,
                    seats=json.loads(row.seats),
                    amount=row.amount,
                    payment_id=outcome.payment_id or "",
                ),
                correlation_id=booking_id,
            )
        elif row.status == saga.PAYMENT_UNKNOWN:
            tx.emit(PaymentOutcomeUnknown(booking_id=booking_id, code=row.code),
                    correlation_id=booking_id)
        elif row.status == saga.FAILED:
            # Nothing was taken: the hold (if still live) goes back to the clerk.
            tx.run(q.DETACH_BOOKING, {"id": row.hold_id, "booking_id": booking_id})
            tx.run(q.CLAIMS_FROM_BOOKING, {"id": booking_id})
            tx.emit(
                BookingFailed(booking_id=booking_id, code=row.code, reason=reason or "declined"),
                correlation_id=booking_id,
            )
        return q.record(row)

    async def reconcile(self, booking_id: str) -> BookingRecord | None:
        """Ask payment what became of an unknown payment and record it."""
        try:
            outcome = await self.payment().ask(
                ResolvePayment(idempotency_key=booking_id, booking_id=booking_id),
                self.payment_timeout,
            )
        except Exception as exc:  # noqa: BLE001 - timed out, down or broken: ask again later
            log.info("payment of %s still unknown: %s", booking_id, exc)
            return await self.query(lambda c: q.record(q.booking_row(c, booking_id)))
        return await self.transact(self._record_payment, booking_id, None, outcome, None)

    def _stale_payments(self, conn: Any) -> list[str]:
        """Bookings whose payment outcome nobody is waiting for any more."""
        cutoff = self.clock.now().timestamp() - 2 * self.payment_timeout
        return [r[0] for r in run(conn, q.STALE_PAYMENTS, {"cutoff": cutoff})]
