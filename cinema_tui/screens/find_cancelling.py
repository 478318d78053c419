"""Cancelling the booking on the find screen: a yes/no question, then the refund.

``x`` (or the button) asks first (``ConfirmScreen``), naming the booking, the show, the
seats and the money; "no" keeps the booking. "Yes" cancels in a worker and then says
where the money and the seats are: refunded and released, refunded with the seats to
follow when the cinema is back, or accepted with the refund to follow when payment is
back. A booking that changed meanwhile (cancelled elsewhere, the show started) is shown
fresh with the reason in the clerk's language.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from textual import work

from backend.api import Booking, BoxOfficeError, NotCancellable
from cinema_tui.app_text import AppText
from cinema_tui.format import seats as seat_list
from cinema_tui.screens.booking_detail import show_time, status_text, title_of
from cinema_tui.screens.confirm import ConfirmScreen


class BookingCancelling(AppText):
    """Mixed into ``FindCancelScreen``: ``action_cancel_booking`` and ``cancel``."""

    #: The booking on screen.
    booking: Booking | None
    #: A cancellation is under way (the cancel key and button are off meanwhile).
    cancelling: bool

    if TYPE_CHECKING:  # the screen's own
        @property
        def message(self) -> str: ...
        def say(self, text: Callable[[], str] | str, kind: str = "") -> None: ...
        def say_key(self, key: str, kind: str = "", **fmt: object) -> None: ...
        def say_error(self, exc: BaseException) -> None: ...
        def _show(self, booking: Booking, *, focus: bool = False) -> None: ...
        def _render_booking(self) -> None: ...
        def _why_not(self, booking: Booking) -> str | None: ...

    def action_cancel_booking(self) -> None:
        booking = self.booking
        if booking is None or self.cancelling:
            return
        why = self._why_not(booking)
        if why is not None:
            self.say_key(why, "error")
            return
        lang_tz = self.app.tz

        def question() -> str:
            return self.tr(
                "find.confirm",
                code=booking.code,
                film=title_of(booking, self.lang),
                show=show_time(booking.starts_at, self.lang, lang_tz),
                seats=seat_list(booking.seats),
                amount=f"₩{booking.amount:,}",
            )

        def answered(yes: bool | None) -> None:
            if yes:
                self.cancel(booking.code)
            else:
                self.say_key("find.kept", "", code=booking.code)

        self.app.push_screen(ConfirmScreen(question, title=self.tr("find.confirm_title")), answered)

    @work(exclusive=True, exit_on_error=False, group="find-cancel")
    async def cancel(self, code: str) -> None:
        """Refund and release; say where the money and the seats are."""
        office = self.app.office
        self.cancelling = True
        self._render_booking()
        self.say_key("find.cancelling", "busy", code=code)
        try:
            booking = await office.cancel(code)
        except NotCancellable as exc:
            # Changed since it was shown (cancelled elsewhere, show started): say why in
            # the clerk's language when the fresh booking tells us.
            self.cancelling = False
            try:
                fresh = await office.booking(code)
            except BoxOfficeError:
                fresh = None
            why = self._why_not(fresh) if fresh is not None else None
            if fresh is not None:
                self._show(fresh)
            if why is not None:
                self.say_key(why, "error")
            else:
                self.say_error(exc)
            return
        except BoxOfficeError as exc:
            self.cancelling = False
            self.say_error(exc)
            self._render_booking()
            return
        finally:
            self.cancelling = False
        self._show(booking)
        amount = f"₩{(booking.refunded_amount or booking.amount):,}"
        if booking.status == "CANCELLED":
            self.say_key("find.cancelled", "success", amount=f"₩{booking.refunded_amount:,}")
        elif booking.status == "RELEASING":
            self.say_key("find.releasing", "success", amount=amount)
        elif booking.status == "CANCELLING":
            self.say_key("find.refund_waiting", "busy", amount=amount)
        else:
            self.say(
                lambda: self.tr(
                    "find.cancel_other", status=status_text(booking.status, self.lang).plain
                ),
                "",
            )
        self.app.notify(self.message, timeout=6)
