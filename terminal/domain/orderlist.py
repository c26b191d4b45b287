"""Order lists and brackets: orders linked so that one's fate decides the others'.

* OCO (one-cancels-other): a target (take-profit limit) and a stop on the same side and
  amount; when one starts to execute the other is cancelled.
* Bracket: an entry with an attached stop and target (an OCO placed when the entry
  fills, sized to what filled).

`held_by` says who enforces the link: the venue (a native order list, kept while the
terminal is closed) or this terminal (separate orders it links, only while it runs).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from .enums import HeldBy, OrderType, Side, TimeInForce, VenueMode
from .ids import AccountLabel, ClientOrderId, Symbol, VenueId
from .session import MarketType, SessionKey


class ListKind(str, Enum):
    OCO = "oco"
    BRACKET = "bracket"


class ListStatus(str, Enum):
    OPEN = "open"  # a leg may still rest, trigger or be placed
    DONE = "done"  # every leg is final


@dataclass(frozen=True)
class ProtectionRequest:
    """A stop and a target for `amount` on `side` (the side that closes the position).

    `stop_limit` None: the stop runs as a market order once triggered; otherwise as a
    limit order at that price. The target is a limit order at `target`.
    """

    venue: VenueId
    symbol: Symbol
    side: Side
    amount: Decimal
    stop_trigger: Decimal
    target: Decimal
    stop_limit: Decimal | None = None
    time_in_force: TimeInForce = TimeInForce.GTC
    account: AccountLabel = AccountLabel("default")
    mode: VenueMode = VenueMode.PAPER
    market: MarketType = MarketType.SPOT

    @property
    def session(self) -> SessionKey:
        return SessionKey(self.venue, self.mode, self.account, self.market)

    @property
    def stop_type(self) -> OrderType:
        return OrderType.STOP_MARKET if self.stop_limit is None else OrderType.STOP_LIMIT


@dataclass
class OrderList:
    """One list or bracket as the journal keeps it; its legs point at it by `list_id`."""

    list_id: str
    venue: VenueId
    account: AccountLabel
    symbol: Symbol
    kind: ListKind
    held_by: HeldBy
    status: ListStatus = ListStatus.OPEN
    venue_list_id: str | None = None
    details: dict[str, Any] = field(default_factory=dict)  # the ticket: prices, entry id, sizes
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    updated_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    # The rest of its session: None means "the mode of its legs" (the journal looks it up)
    mode: VenueMode | None = None
    market: MarketType = MarketType.SPOT

    @property
    def label(self) -> str:
        held = (
            "held by the venue"
            if self.held_by is HeldBy.VENUE
            else "held by this terminal: only while it runs"
        )
        return f"{self.kind.value.upper()} {self.list_id} ({held})"


def new_list_id() -> str:
    """A list id that is also a valid client order id (Binance's listClientOrderId)."""
    return str(ClientOrderId.generate())
