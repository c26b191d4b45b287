"""The events an order changes by (`Order.apply` in `terminal.domain.order`, whose
transition table says which event is legal in which status), and where each event's
knowledge came from.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from enum import Enum

from .ids import TradeId, VenueOrderId
from .money import ZERO


def utc_now() -> datetime:
    return datetime.now(UTC)


class EventSource(str, Enum):
    """Where the knowledge behind an event came from (journaled with it)."""

    LOCAL = "local"
    REST = "rest"
    STREAM = "stream"
    QUERY = "query"
    RECONCILIATION = "reconciliation"


# ---- events --------------------------------------------------------------------------
@dataclass(frozen=True)
class _Event:
    source: EventSource = field(default=EventSource.LOCAL, kw_only=True)
    at: datetime = field(default_factory=utc_now, kw_only=True)


@dataclass(frozen=True)
class OrderAccepted(_Event):
    venue_order_id: VenueOrderId | None = None


@dataclass(frozen=True)
class OrderArmed(_Event):
    """Accepted by the venue; waits for its trigger price."""

    venue_order_id: VenueOrderId | None = None


@dataclass(frozen=True)
class OrderTriggered(_Event):
    """The trigger price was reached: the order runs as a market or limit order."""

    venue_order_id: VenueOrderId | None = None


@dataclass(frozen=True)
class OrderRejected(_Event):
    reason: str = ""


@dataclass(frozen=True)
class OrderFilled(_Event):
    trade_id: TradeId
    price: Decimal
    amount: Decimal
    fee: Decimal = ZERO
    fee_currency: str | None = None
    is_maker: bool | None = None
    venue_order_id: VenueOrderId | None = None


@dataclass(frozen=True)
class CancelRequested(_Event):
    pass


@dataclass(frozen=True)
class OrderCanceled(_Event):
    reason: str = ""


@dataclass(frozen=True)
class CancelRejected(_Event):
    reason: str = ""


@dataclass(frozen=True)
class OrderExpired(_Event):
    reason: str = ""


@dataclass(frozen=True)
class OutcomeUnknown(_Event):
    reason: str = ""


@dataclass(frozen=True)
class OrderAmended(_Event):
    """The venue amended the order in place: new amount, price and trigger; same ids."""

    amount: Decimal
    price: Decimal | None = None
    trigger_price: Decimal | None = None


OrderEvent = (
    OrderAmended
    | OrderAccepted
    | OrderRejected
    | OrderFilled
    | CancelRequested
    | OrderCanceled
    | CancelRejected
    | OrderExpired
    | OutcomeUnknown
    | OrderArmed
    | OrderTriggered
)
EVENT_TYPES: tuple[type, ...] = (
    OrderAmended,
    OrderAccepted,
    OrderRejected,
    OrderFilled,
    CancelRequested,
    OrderCanceled,
    CancelRejected,
    OrderExpired,
    OutcomeUnknown,
    OrderArmed,
    OrderTriggered,
)
