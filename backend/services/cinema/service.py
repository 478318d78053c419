"""The cinema actor: confirms the seats of paid bookings, or rejects them; releases them.

It is the last word on whether a seat can be used at a show: a seat the hall plan marks
out of service, a seat blocked since, or a cancelled show make it reject a paid booking,
and reservation then refunds. Its handlers are idempotent by the journal's processed
table and, beyond that, by its own booking records (a release that overtook the
confirmation leaves a ``released`` record, so the late confirmation is rejected).
"""

from __future__ import annotations

from typing import Any

from backend.catalog import Catalog
from backend.errors import InvalidInput, NotFound
from backend.messaging.envelope import Envelope
from backend.messaging.journal import Tx
from backend.messaging.messages import (
    CINEMA,
    BookingPaid,
    ReleaseSeats,
    SeatsBlocked,
    SeatsConfirmed,
    SeatsRejected,
    SeatsReleased,
)
from backend.messaging.requests import BlockApplied, BlockSeats, CancelShow
from backend.runtime.clock import Clock
from backend.services.base import Postman, Service, handles
from backend.services.cinema.model import (
    BLOCKED_SEATS,
    CANCELLED_SHOWS,
    CINEMA_BOOKINGS,
    TICKETS,
)
from backend.sql import SQL, in_list, run


class CinemaService(Service):
    """The hall's authority."""

    tables = [TICKETS, CINEMA_BOOKINGS, BLOCKED_SEATS, CANCELLED_SHOWS]

    def __init__(
        self,
        url: str,
        *,
        clock: Clock,
        catalog: Catalog,
        postman: Postman | None = None,
        mailbox_size: int = 2000,
    ) -> None:
        super().__init__(CINEMA, url, clock=clock, postman=postman, mailbox_size=mailbox_size)
        self.catalog = catalog

    # --- deliveries ---------------------------------------------------------------------

    @handles(BookingPaid)
    def on_BookingPaid(self, tx: Tx, env: Envelope) -> None:
        msg: BookingPaid = env.payload  # type: ignore[assignment]
        known = tx.run(_DECISION, {"id": msg.booking_id}).first()
        if known is not None:
            if known.state == "confirmed":
                tickets = [r[0] for r in tx.run(_TICKETS_OF, {"id": msg.booking_id})]
                self._confirm(tx, env, msg, tickets)
            else:
                self._reject(tx, env, msg, known.reason or f"booking already {known.state}", False)
            return
        reason = self._refusal(tx, msg)
        if reason is not None:
            self._reject(tx, env, msg, reason, True)
            return
        tickets = [f"{msg.code}-{seat}" for seat in msg.seats]
        inserted = tx.run(
            _ISSUE_TICKET,
            [
                {"ticket_no": ticket, "show_id": msg.show_id, "seat": seat,
                 "booking_id": msg.booking_id, "now": tx.now_epoch}
                for ticket, seat in zip(tickets, msg.seats)
            ],
        ).rowcount
        if inserted != len(msg.seats):  # a seat already has a ticket: never sell it twice
            tx.run(_TAKE_BACK_TICKETS, {"id": msg.booking_id})
            self._reject(tx, env, msg, "a seat already has a ticket", True)
            return
        tx.run(
            _DECIDE,
            {"id": msg.booking_id, "show_id": msg.show_id, "state": "confirmed", "reason": None,
             "now": tx.now_epoch},
        )
        self._confirm(tx, env, msg, tickets)

    def _refusal(self, tx: Tx, msg: BookingPaid) -> str | None:
        """Why this booking cannot be seated, or None."""
        if tx.run(_SHOW_CANCELLED, {"show_id": msg.show_id}).first() is not None:
            return "the show was cancelled"
        try:
            show = self.catalog.showtime(msg.show_id)
        except NotFound:
            return "the show is not in the schedule"
        for seat in msg.seats:
            spec = show.hall.seat(seat)
            if spec is None or spec.blocked:
                return f"seat {seat} is out of service"
        marks, params = in_list("s", msg.seats)
        params["show_id"] = msg.show_id
        blocked = [
            r[0]
            for r in tx.run(
                SQL.of(
                    "SELECT seat FROM cinema_blocked_seats"
                    f" WHERE show_id = :show_id AND seat IN {marks}"
                ),
                params,
            )
        ]
        if blocked:
            return f"seat {', '.join(sorted(blocked))} is out of service"
        return None

    def _confirm(self, tx: Tx, env: Envelope, msg: BookingPaid, tickets: list[str]) -> None:
        tx.emit(
            SeatsConfirmed(
                booking_id=msg.booking_id, show_id=msg.show_id, seats=msg.seats, tickets=tickets
            ),
            correlation_id=env.correlation_id,
            causation_id=env.message_id,
        )

    def _reject(self, tx: Tx, env: Envelope, msg: BookingPaid, reason: str, record: bool) -> None:
        if record:
            tx.run(
                _DECIDE,
                {"id": msg.booking_id, "show_id": msg.show_id, "state": "rejected",
                 "reason": reason, "now": tx.now_epoch},
            )
        tx.emit(
            SeatsRejected(
                booking_id=msg.booking_id, show_id=msg.show_id, seats=msg.seats, reason=reason
            ),
            correlation_id=env.correlation_id,
            causation_id=env.message_id,
        )

    @handles(ReleaseSeats)
    def on_ReleaseSeats(self, tx: Tx, env: Envelope) -> None:
        msg: ReleaseSeats = env.payload  # type: ignore[assignment]
        tx.run(_TAKE_BACK_TICKETS, {"id": msg.booking_id})
        tx.run(
            _RELEASE,
            {"id": msg.booking_id, "show_id": msg.show_id,
             "reason": "cancelled before the cinema confirmed it", "now": tx.now_epoch},
        )
        tx.emit(
            SeatsReleased(booking_id=msg.booking_id, show_id=msg.show_id, seats=msg.seats),
            correlation_id=env.correlation_id,
            causation_id=env.message_id,
        )

    # --- operator requests --------------------------------------------------------------

    async def handle_ask(self, request: Any) -> Any:
        if isinstance(request, BlockSeats):
            return await self.transact(self._block, request)
        if isinstance(request, CancelShow):
            return await self.transact(self._cancel_show, request)
        return await super().handle_ask(request)

    def _block(self, tx: Tx, request: BlockSeats) -> BlockApplied:
        show = self.catalog.showtime(request.show_id)
        for seat in request.seats:
            if show.hall.seat(seat) is None:
                raise InvalidInput(f"{show.hall.name_en} has no seat {seat}.")
        labels = [show.hall.seat(s).label for s in request.seats]  # type: ignore[union-attr]
        if request.blocked:
            tx.run(
                _BLOCK_SEAT,
                [{"show_id": request.show_id, "seat": s, "now": tx.now_epoch} for s in labels],
            )
        elif labels:
            marks, params = in_list("s", labels)
            params["show_id"] = request.show_id
            tx.run(
                SQL.of(
                    "DELETE FROM cinema_blocked_seats"
                    f" WHERE show_id = :show_id AND seat IN {marks}"
                ),
                params,
            )
        tx.emit(
            SeatsBlocked(show_id=request.show_id, seats=labels, blocked=request.blocked),
            correlation_id=request.show_id,
        )
        return BlockApplied(request.show_id, tuple(labels), request.blocked)

    def _cancel_show(self, tx: Tx, request: CancelShow) -> None:
        self.catalog.showtime(request.show_id)
        tx.run(_CANCEL_SHOW, {"show_id": request.show_id, "now": tx.now_epoch})

    async def blocked_seats(self, show_id: str) -> set[str]:
        """Seats the cinema took out of service for a show."""
        return await self.query(
            lambda conn: {r[0] for r in run(conn, _BLOCKED_SEATS, {"show_id": show_id})}
        )


_DECISION = SQL("SELECT * FROM cinema_bookings WHERE booking_id = :id")
_DECIDE = SQL(
    "INSERT INTO cinema_bookings (booking_id, show_id, state, reason, updated_at)"
    " VALUES (:id, :show_id, :state, :reason, :now)"
)
_ISSUE_TICKET = SQL(
    "INSERT INTO cinema_tickets (ticket_no, show_id, seat, booking_id, issued_at)"
    " VALUES (:ticket_no, :show_id, :seat, :booking_id, :now) ON CONFLICT DO NOTHING"
)
_TAKE_BACK_TICKETS = SQL("DELETE FROM cinema_tickets WHERE booking_id = :id")
_SHOW_CANCELLED = SQL("SELECT 1 FROM cinema_cancelled_shows WHERE show_id = :show_id")
_TICKETS_OF = SQL("SELECT ticket_no FROM cinema_tickets WHERE booking_id = :id")
#: A release that overtakes the confirmation leaves a record, so the late confirmation
#: is rejected; a decided booking is marked released (its reason stays).
_RELEASE = SQL(
    "INSERT INTO cinema_bookings (booking_id, show_id, state, reason, updated_at)"
    " VALUES (:id, :show_id, 'released', :reason, :now)"
    " ON CONFLICT (booking_id) DO UPDATE SET state = 'released', updated_at = :now"
)
_BLOCK_SEAT = SQL(
    "INSERT INTO cinema_blocked_seats (show_id, seat, blocked_at) VALUES (:show_id, :seat, :now)"
    " ON CONFLICT DO NOTHING"
)
_BLOCKED_SEATS = SQL("SELECT seat FROM cinema_blocked_seats WHERE show_id = :show_id")
_CANCEL_SHOW = SQL(
    "INSERT INTO cinema_cancelled_shows (show_id, cancelled_at) VALUES (:show_id, :now)"
    " ON CONFLICT DO NOTHING"
)
