"""The ticket-type chooser: one row per held seat, each with its type and price.

A sale is priced per seat (adult, youth, senior), so the clerk sets each seat's type
where the seat is named, from the keyboard (see ``TicketTypeRow``). The chooser answers
what was chosen; the checkout asks the box office for prices and hands them back here.
A row's change bubbles up as ``TicketTypeRow.Changed``.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical

from cinema_tui.sale_rules import ticket_counts
from cinema_tui.widgets.payment_fields import TicketTypeRow


class TicketTypeChooser(Vertical):
    """Every held seat's ticket type, first type of ``types`` to begin with."""

    def __init__(
        self, seats: tuple[str, ...], types: tuple[str, ...], *, id: str | None = None
    ) -> None:
        super().__init__(id=id)
        self.seats = seats
        self.types = types

    def compose(self) -> ComposeResult:
        for seat in self.seats:
            yield TicketTypeRow(seat, self.types, id=f"ticket-{seat}")

    @property
    def rows(self) -> list[TicketTypeRow]:
        return list(self.query(TicketTypeRow))

    def chosen(self) -> dict[str, str]:
        """Seat -> ticket type, as the clerk set them."""
        return {row.seat: row.kind for row in self.rows}

    def tickets(self, types: tuple[str, ...]) -> dict[str, int]:
        """Ticket type -> count, the way ``book()`` wants it (no zero counts)."""
        return ticket_counts(self.chosen(), types)

    def show_prices(self, prices: dict[str, int]) -> None:
        """Each row shows its seat's price."""
        for row in self.rows:
            row.price = prices.get(row.seat)

    def relabel(self) -> None:
        for row in self.rows:
            row.refresh()
