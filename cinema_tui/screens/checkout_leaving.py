"""Leaving the checkout for another screen (F2-F5), and what that would lose.

F2-F5 once left the checkout at once, with seats held and card details typed; a
clerk's stray F-key abandoned a sale. Now leaving asks first, with a
``ConfirmScreen`` ("No" focused), whenever there is something to lose, and names it:
"Leave this sale? Seats A1, A2 are given back. The card details typed are cleared."
Nothing to lose (the hold ran out and nothing was typed, or the sale is made): no
question. While a charge is being decided the keys are held back (its outcome must not
be hidden). The app's Ctrl+Q asks with the same sentence (``unsaved_work``).

After a yes the sale is given up (``SaleFlow.abandon``): the app goes back to the
programme (the checkout and the seat map close) and on to the key's screen, and the
sale's hold is given back. Esc is not leaving: it goes back to the seat map with the
hold (``SaleScreen.action_back``).
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

from textual.app import App
from textual.css.query import NoMatches

from backend.api import BoxOfficeAPI, BoxOfficeError, HoldInfo
from cinema_tui.app_text import AppText
from cinema_tui.sale_flow import SaleFlow, SaleState
from cinema_tui.screens.confirm import ConfirmScreen

if TYPE_CHECKING:
    from textual.timer import Timer

    from cinema_tui.widgets.checkout_tender import TenderForm

#: What was typed (card details, cash amount) -> the sentence that says it is cleared.
TYPED_LOSSES = {
    (True, False): "checkout.lose.card",
    (False, True): "checkout.lose.cash",
    (True, True): "checkout.lose.both",
}


class SaleLeaving(AppText):
    """Mixed into ``SaleScreen``: F2-F5, asked first when a sale would be lost."""

    hold: HoldInfo
    flow: SaleFlow

    if TYPE_CHECKING:  # the screen's own
        tender: TenderForm
        _countdown: Timer | None

        @property
        def office(self) -> BoxOfficeAPI: ...
        def _busy(self) -> None: ...

    def unsaved_work(self) -> str | None:
        """What leaving this sale now would lose, in the clerk's language ("Seats A1, A2
        are given back. The card details typed are cleared."), or None when nothing
        would be lost (sold, or nothing held or typed). The app's Ctrl+Q asks with it;
        F2-F5 here ask "Leave this sale?" with it."""
        if self.flow.sold or self.flow.state is SaleState.LEAVING:
            return None
        seats = ", ".join(self.hold.seats)
        if self.flow.deciding:
            return self.tr("checkout.lose.paying", seats=seats)
        try:
            typed = self.tender.typed_payment()
        except NoMatches:  # not composed yet: nothing typed
            typed = (False, False)
        sentences = []
        if self.flow.holding:
            one = len(self.hold.seats) == 1
            sentences.append(self.tr("checkout.lose.seat" if one else "checkout.lose.seats",
                                     seats=seats))
        if typed in TYPED_LOSSES:
            sentences.append(self.tr(TYPED_LOSSES[typed]))
        return " ".join(sentences) or None

    def _leave_question(self) -> str:
        return self.tr("checkout.leave_question", work=self.unsaved_work() or "")

    def action_leave(self, action: str) -> None:
        """F2-F5 go where they always go, after asking if a hold or typed payment would
        be lost; never while a payment is being decided (its outcome would be hidden)."""
        if self.flow.deciding:
            self._busy()
            return
        if not self.flow.may("abandon"):
            return
        if self.unsaved_work() is None:
            self._abandon(action)
            return

        def answered(leave: bool | None) -> None:
            if leave:
                self._abandon(action)

        self.app.push_screen(ConfirmScreen(self._leave_question), answered)

    def _abandon(self, action: str) -> None:
        """Give up the sale: the seats go back, and the app goes where F2-F5 lead."""
        if not self.flow.may("abandon"):  # e.g. the screen is already on its way out
            return
        hold_id = self.hold.id if self.flow.holding else None
        self.flow.abandon()
        if self._countdown is not None:
            self._countdown.stop()
        # Run by the app: popping this screen from its own handler would wait on itself.
        self.app.run_worker(
            leave_sale(self.app, self.office, action, hold_id),
            name="leave-sale", exit_on_error=False,
        )


async def leave_sale(app: App[object], office: BoxOfficeAPI, action: str,
                     hold_id: str | None) -> None:
    """F2-F5 after the clerk said yes: back to the programme (the checkout and the seat
    map close), then on to ``action``'s screen; the sale's hold is given back."""
    await app.run_action("home")
    if action != "home":
        await app.run_action(action)
    if hold_id is not None:
        with contextlib.suppress(BoxOfficeError):  # ran out or given back already: fine
            await office.release(hold_id)


__all__ = ["TYPED_LOSSES", "SaleLeaving", "leave_sale"]
