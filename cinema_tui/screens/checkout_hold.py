"""The hold behind a checkout: its countdown, more time, and the same seats held again.

A customer still looking for a card should not cost the clerk the sale, so the hold is
kept in view and in reach:

* the header counts down; a minute before the end the clerk is warned once, with the
  key that gives more time (Ctrl+E, ``extend_hold``), which asks the office to extend
  the hold (up to its configured maximum: ``HoldLimitReached`` says so in words);
* at zero the sale is not thrown away. The flow goes LAPSED (``SaleFlow``): the clerk is
  told once, the form keeps what was typed except the card number and CVC (they are not
  kept on screen longer than the sale they were typed for), the header says "Not held",
  and the same key holds the same seats again if they are still free; if some are gone
  the clerk is told which, and Esc goes back to the seat map to choose others;
* going back to the seat map with Esc hands the hold as it is now (extended, or held
  again under a new id) to the seat screen, which keeps it and gives it back when it is
  left.

The office is only called from workers (``sale_messages.extend`` / ``hold_again``); the
answers come back as ``HoldRenewed`` / ``HoldRefused`` messages, handled in order with
the rest of the sale.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from textual import work
from textual.timer import Timer

from backend.api import BoxOfficeAPI, HoldExpired, HoldInfo, SeatUnavailable
from cinema_tui import sale_messages as sale
from cinema_tui.app_text import AppText
from cinema_tui.errors import human_message
from cinema_tui.format import hhmm
from cinema_tui.sale_flow import SaleFlow

if TYPE_CHECKING:
    from cinema_tui.widgets.checkout_header import CheckoutHeader
    from cinema_tui.widgets.checkout_summary import OrderSummary
    from cinema_tui.widgets.checkout_tender import TenderForm

#: The clerk is warned this many seconds before the hold runs out.
WARN_S = 60


class HoldKeeping(AppText):
    """Mixed into ``SaleScreen``: the hold's countdown, more time, holding again."""

    hold: HoldInfo
    flow: SaleFlow

    if TYPE_CHECKING:  # the screen's own
        header: CheckoutHeader
        summary: OrderSummary
        tender: TenderForm

        @property
        def office(self) -> BoxOfficeAPI: ...
        def _busy(self) -> None: ...
        def key_for(self, binding_id: str, default: str) -> str: ...

    def _start_keeping(self) -> None:
        self._countdown: Timer | None = None
        #: The one-minute warning was given for the hold's current expiry.
        self._warned = False

    def seconds_left(self) -> int:
        """Whole seconds until the hold runs out, by the office's clock (never below 0)."""
        now = self.office.clock.now()
        return max(0, math.ceil((self.hold.expires_at - now).total_seconds()))

    def _extend_key(self) -> str:
        return self.key_for("extend_hold", "Ctrl+E")

    def _seats(self) -> str:
        return ", ".join(self.hold.seats)

    # --- the countdown -------------------------------------------------------------------

    def _tick(self) -> None:
        """Every second: the header, the warning a minute before the end, the end."""
        if self.flow.sold:
            self.header.show_sold()
            return
        if self.flow.lapsed:
            self.header.show_lapsed()
            return
        remaining = self.seconds_left()
        self.header.show_remaining(remaining, self._extend_key())
        if 0 < remaining <= WARN_S and not self._warned and self.flow.may("extend"):
            self._warned = True
            self.app.notify(self.tr("checkout.hold_warning", press=self._extend_key()),
                            severity="warning", timeout=10)
        if remaining == 0 and self.flow.may("countdown_over"):
            self.flow.countdown_over()
            self._lapsed()

    def _lapsed(self) -> None:
        """The flow has just gone LAPSED: say so once, keep the form, forget the card."""
        self.tender.forget_card_secrets()
        self.header.show_lapsed()
        self.app.notify(self.tr("checkout.lapsed", seats=self._seats()),
                        severity="warning", timeout=10)
        self._say_not_held()

    def _say_not_held(self) -> None:
        self.summary.say(
            self.tr("checkout.not_held", seats=self._seats(), press=self._extend_key()), "error"
        )

    # --- more time, or the same seats again ----------------------------------------------

    def action_extend_hold(self) -> None:
        """Ctrl+E: more time on a live hold; once it has run out, the same seats again."""
        if self.flow.may("extend"):
            self._extend(self.hold.id)
        elif self.flow.may("reheld"):
            self.summary.say(self.tr("checkout.reholding"))
            self._hold_again(self.hold.show_id, self.hold.seats)
        elif self.flow.deciding:
            self._busy()

    @work(exclusive=True, exit_on_error=False, group="hold")
    async def _extend(self, hold_id: str) -> None:
        self.post_message(await sale.extend(self.office, hold_id))

    @work(exclusive=True, exit_on_error=False, group="hold")
    async def _hold_again(self, show_id: str, seats: tuple[str, ...]) -> None:
        self.post_message(await sale.hold_again(self.office, show_id, seats))

    # (handlers by name: ``@on`` is only collected from Textual classes, not mixins)
    def on_hold_renewed(self, message: sale.HoldRenewed) -> None:
        """More time (or the seats again): the countdown starts from the new expiry."""
        if self.flow.sold or not (self.flow.editable or self.flow.deciding):
            return  # sold or leaving meanwhile: nothing to show
        if self.flow.lapsed:  # held again (or an extension that landed just in time)
            self.flow.reheld()
        self.hold = message.hold
        self._warned = False
        until = hhmm(message.hold.expires_at, self.app.tz)
        if message.again:
            self.summary.say(self.tr("checkout.reheld", seats=self._seats(), time=until), "ok")
        else:
            self.summary.say(self.tr("checkout.extended", time=until), "ok")
        self._tick()

    def on_hold_refused(self, message: sale.HoldRefused) -> None:
        """No more time (at the limit, or gone), or the seats are not free any more."""
        exc = message.error
        if isinstance(exc, HoldExpired):
            if self.flow.may("countdown_over"):  # gone before the countdown said so
                self.flow.countdown_over()
                self._lapsed()
            return
        if isinstance(exc, SeatUnavailable) and message.again:
            gone = ", ".join(exc.seats) or self._seats()
            self.summary.say(self.tr("checkout.rehold_gone", seats=gone), "error")
            return
        self.app.show_error(exc)
        self.summary.say(human_message(exc, self.lang), "error")

    def _hand_over_hold(self) -> None:
        """Esc with a live hold: the seat screen below keeps this hold as it is now (an
        extended expiry, or a new id once held again), so it counts down the right time
        and gives back the right hold when the clerk leaves it."""
        from cinema_tui.screens.seat_hold import SeatHolding

        stack = self.app.screen_stack
        below = stack[-2] if len(stack) >= 2 and stack[-1] is self else None
        if (isinstance(below, SeatHolding) and below.hold is not None
                and set(below.hold.seats) == set(self.hold.seats)):
            below.adopt_hold(self.hold)


__all__ = ["WARN_S", "HoldKeeping"]
