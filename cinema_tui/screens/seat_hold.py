"""Holding exactly the seats the clerk has chosen, for the seat screen.

Every change of the selection is held at once: the screen keeps one hold and swaps it
atomically (``hold(..., replaces=...)``), in one background worker that always catches
up with the latest selection, so quick key presses never leave a stray hold behind. A
refused seat puts the selection back as it was and the clerk is told why. Leaving the
screen gives the hold back once the last request has landed; a hold that was sold
cannot be released, and that refusal is ignored.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import TYPE_CHECKING

from textual import work
from textual.css.query import NoMatches

from backend.api import BoxOfficeError, HoldInfo, SeatMap, SeatUnavailable, ShowtimeSummary
from cinema_tui.app_text import AppText


class SeatHolding(AppText):
    """Mixed into ``SeatSelectScreen``: keeps ``hold`` equal to ``selected``."""

    show: ShowtimeSummary
    #: Seats this clerk has chosen, in seat order (what the hold should be).
    selected: list[str]
    #: The hold that backs the selection (None: nothing held).
    hold: HoldInfo | None

    if TYPE_CHECKING:  # the screen's own
        def _ordered(self, labels: list[str]) -> list[str]: ...
        def _map_arrived(self, seat_map: SeatMap) -> None: ...
        def _update_panel(self) -> None: ...

    def _start_holding(self) -> None:
        self.hold = None
        self._syncing = False
        self._synced = asyncio.Event()
        self._synced.set()
        self._inflight: asyncio.Future[HoldInfo | None] | None = None
        self._leaving = False

    def _sync_soon(self) -> None:
        if not self._syncing:
            self._syncing = True
            self._synced.clear()
            self.sync_hold()

    @work(exit_on_error=False, group="seat-hold")
    async def sync_hold(self) -> None:
        """Hold exactly the selection: one request at a time, always the latest choice."""
        office = self.app.office
        try:
            while not self._leaving:
                want = list(self.selected)
                have = self.hold.seats if self.hold else ()
                if set(want) == set(have):
                    break
                try:
                    if want:
                        replaces = self.hold.id if self.hold else None
                        call = office.hold(self.show.id, want, replaces=replaces)
                    else:
                        assert self.hold is not None
                        call = self._release(self.hold.id)
                    # The request is shielded: if the screen goes away meanwhile, it
                    # still lands, and leaving releases whatever it gave (_give_back).
                    self._inflight = asyncio.ensure_future(call)
                    result = await asyncio.shield(self._inflight)
                    self.hold = result if want else None
                except SeatUnavailable as exc:
                    taken = set(exc.seats) or set(want) - set(have)
                    if self.selected == want:  # put back the selection as it was
                        self.selected = self._ordered(list(have))
                    else:  # the clerk has moved on meanwhile: drop only the taken seats
                        self.selected = [s for s in self.selected if s not in taken]
                    self.app.show_error(exc)
                except BoxOfficeError as exc:
                    # Anything else: go back to what is really held, and say why.
                    self.selected = self._ordered(list(have))
                    self.app.show_error(exc)
                self._refresh_panel()
            with contextlib.suppress(BoxOfficeError):
                self._map_arrived(await office.seat_map(self.show.id))
        finally:
            self._syncing = False
            self._synced.set()
            self._refresh_panel()

    def adopt_hold(self, hold: HoldInfo) -> None:
        """Take ``hold`` (the same seats, extended or held again by the checkout above) as
        this screen's hold: it counts down its time, and leaving gives back this one, not
        the one the last request of this screen made (that request is forgotten)."""
        self.hold = hold
        self._inflight = None
        self._refresh_panel()

    async def _release(self, hold_id: str) -> None:
        await self.app.office.release(hold_id)

    def _refresh_panel(self) -> None:
        """Update the panel, unless the screen is already being taken down."""
        with contextlib.suppress(NoMatches):
            self._update_panel()

    async def _give_back(self) -> None:
        """Release whatever this screen still holds (after the last request has landed)."""
        inflight = self._inflight
        if inflight is not None:
            try:
                result = await asyncio.wait_for(asyncio.shield(inflight), 3.0)
            except (TimeoutError, BoxOfficeError):  # refused or slow: the known hold stands
                result = None
            if isinstance(result, HoldInfo):  # it replaced the hold we knew
                self.hold = result
        hold, self.hold = self.hold, None
        if hold is None:
            return
        with contextlib.suppress(TimeoutError, BoxOfficeError):
            # A hold that was sold (or is being paid) cannot be released: that is fine.
            office = self.app.office
            await asyncio.wait_for(office.release(hold.id), 3.0)

    async def on_unmount(self) -> None:
        self._leaving = True  # no new hold request from now on
        await self._give_back()
