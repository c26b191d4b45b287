"""What the order service needs from the journal beyond terminal.core.ports.JournalPort.

Reconciliation meets fills and orders by the venue's ids only (a trade lists its
order's venue id, not our client id), and fills of orders the journal never saw
(another client's closed order) must still be recorded once.
"""

from __future__ import annotations

from typing import Protocol

from terminal.core.ports import JournalPort
from terminal.domain.ids import AccountLabel, ClientOrderId, Symbol, VenueId, VenueOrderId
from terminal.domain.order import Order
from terminal.domain.orderlist import OrderList
from terminal.domain.reports import FillReport


class OrderJournal(JournalPort, Protocol):
    async def record_fill(
        self,
        venue: VenueId,
        account: AccountLabel,
        fill: FillReport,
        client_order_id: ClientOrderId | None = None,
    ) -> bool:
        """Store a fill no journal order applied; False if venue+trade id is known."""

    async def find_by_venue_order_id(
        self, venue: VenueId, venue_order_id: VenueOrderId
    ) -> Order | None: ...

    async def save_list(self, order_list: OrderList) -> None:
        """Insert an order list or bracket, or update its status, venue id and details."""

    async def order_lists(
        self, venue: VenueId | None = None, *, open_only: bool = False, list_id: str | None = None
    ) -> list[OrderList]: ...

    async def list_legs(self, list_id: str) -> list[Order]:
        """The orders of one list or bracket, oldest first."""

    async def known_symbols(self, venue: VenueId, since_ms: int | None = None) -> list[Symbol]:
        """Symbols of the venue's journal orders (created since `since_ms`) and fills."""
