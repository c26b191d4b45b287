"""An order ticket: what the user asked for, before it has an id or a status
(`Order.from_request` in `terminal.domain.order` turns it into an order).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from .enums import HeldBy, LegRole, OrderType, Side, TimeInForce, VenueMode
from .ids import AccountLabel, Symbol, VenueId
from .session import MarketType, SessionKey


@dataclass(frozen=True)
class OrderRequest:
    """What the user asked for, before it has an id or a status (an order ticket)."""

    venue: VenueId
    symbol: Symbol
    side: Side
    type: OrderType
    amount: Decimal
    price: Decimal | None = None
    time_in_force: TimeInForce = TimeInForce.GTC
    post_only: bool = False
    mode: VenueMode = VenueMode.PAPER
    account: AccountLabel = AccountLabel("default")
    trigger_price: Decimal | None = None  # stop / take-profit trigger (last trade price)
    trailing_percent: Decimal | None = None  # trailing stop distance, venue-native only
    reduce_only: bool = False  # perpetuals: may only shrink a position, never open one
    close_position: bool = False  # perpetuals: a stop/target that closes the whole position
    list_id: str | None = None  # the order list or bracket this order belongs to
    leg_role: LegRole | None = None
    held_by: HeldBy | None = None  # who holds the trigger or the link (None: plain order)
    market: MarketType = MarketType.SPOT

    @property
    def session(self) -> SessionKey:
        """The session the ticket is for: only that session may send it."""
        return SessionKey(self.venue, self.mode, self.account, self.market)

    def fingerprint(self) -> tuple[object, ...]:
        """What makes two tickets 'identical' for double-submit protection."""
        return (
            self.session,
            self.symbol,
            self.side,
            self.type,
            self.amount,
            self.price,
            self.time_in_force,
            self.post_only,
            self.trigger_price,
            self.trailing_percent,
            self.reduce_only,
            self.close_position,
            self.list_id,
        )
