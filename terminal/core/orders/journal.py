"""What the order service needs from the journal beyond terminal.core.ports.JournalPort.

Orders carry their session (venue, environment, account, market type: `Order.session`),
and so does every fill stored here. Reconciliation meets fills and orders by the venue's
ids only (a trade lists its order's venue id, not our client id), and fills of orders the
journal never saw (another client's closed order) must still be recorded once.
"""

from __future__ import annotations

from typing import Protocol

from terminal.core.ports import JournalPort
from terminal.domain.ids import ClientOrderId, Symbol, VenueId, VenueOrderId
from terminal.domain.order import Order
from terminal.domain.orderlist import OrderList
from terminal.domain.reports import FillReport
from terminal.domain.session import SessionKey


class OrderJournal(JournalPort, Protocol):
    async def record_fill(
        self,
        session: SessionKey,
        fill: FillReport,
        client_order_id: ClientOrderId | None = None,
    ) -> bool:
        """Store a fill of `session` no journal order applied (the session names venue,
        environment, account and market); False if venue+trade id is known."""

    async def find_by_venue_order_id(
        self, session: SessionKey, venue_order_id: VenueOrderId
    ) -> Order | None:
        """The newest journal order with that venue order id on the session's venue
        (the caller checks that it is the session's)."""

    async def save_list(self, order_list: OrderList) -> None:
        """Insert an order list or bracket, or update its status, venue id and details."""

    async def order_lists(
        self, venue: VenueId | None = None, *, open_only: bool = False, list_id: str | None = None
    ) -> list[OrderList]: ...

    async def list_legs(self, list_id: str) -> list[Order]:
        """The orders of one list or bracket, oldest first."""

    async def known_symbols(self, venue: VenueId, since_ms: int | None = None) -> list[Symbol]:
        """Symbols of the venue's journal orders (created since `since_ms`) and fills."""
