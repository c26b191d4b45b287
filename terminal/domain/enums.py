"""Small enumerations shared by the domain. Values are wire/storage codes, not UI text."""

from __future__ import annotations

from enum import Enum


class Side(str, Enum):
    BUY = "buy"
    SELL = "sell"

    @property
    def opposite(self) -> Side:
        return Side.SELL if self is Side.BUY else Side.BUY


class OrderType(str, Enum):
    MARKET = "market"
    LIMIT = "limit"
    # Conditional types: they wait on the venue (or in this terminal) for the last trade
    # price to reach their trigger, then run as a market or a limit order.
    STOP_MARKET = "stop_market"
    STOP_LIMIT = "stop_limit"
    TAKE_PROFIT_MARKET = "take_profit"
    TAKE_PROFIT_LIMIT = "take_profit_limit"

    @property
    def is_conditional(self) -> bool:
        return self not in (OrderType.MARKET, OrderType.LIMIT)

    @property
    def has_limit_price(self) -> bool:
        """Runs (or rests) at a limit price of its own."""
        return self in (OrderType.LIMIT, OrderType.STOP_LIMIT, OrderType.TAKE_PROFIT_LIMIT)

    @property
    def is_stop(self) -> bool:
        return self in (OrderType.STOP_MARKET, OrderType.STOP_LIMIT)

    @property
    def is_take_profit(self) -> bool:
        return self in (OrderType.TAKE_PROFIT_MARKET, OrderType.TAKE_PROFIT_LIMIT)

    @property
    def label(self) -> str:
        return _TYPE_LABELS[self]


_TYPE_LABELS = {
    OrderType.MARKET: "market",
    OrderType.LIMIT: "limit",
    OrderType.STOP_MARKET: "stop-market",
    OrderType.STOP_LIMIT: "stop-limit",
    OrderType.TAKE_PROFIT_MARKET: "take-profit market",
    OrderType.TAKE_PROFIT_LIMIT: "take-profit limit",
}


class LegRole(str, Enum):
    """The part an order plays in an order list or a bracket."""

    ENTRY = "entry"
    STOP = "stop"
    TARGET = "target"


class HeldBy(str, Enum):
    """Who watches a conditional order or a link between orders.

    VENUE: the exchange holds it even while this terminal is closed. TERMINAL: this
    terminal holds it, only while it runs (placed or cancelled by the terminal when the
    linked order fills).
    """

    VENUE = "venue"
    TERMINAL = "terminal"


class TimeInForce(str, Enum):
    GTC = "GTC"
    IOC = "IOC"
    FOK = "FOK"


class VenueMode(str, Enum):
    """How a venue is connected. Only LIVE moves real money.

    SANDBOX is a venue's testnet (its own hosts). DEMO is a venue's demo trading: its own
    host on some venues, the live host plus a header on others (OKX, Bitget), which is
    why it is a mode of its own, with keys of its own, and never called a testnet.
    PAPER_LIVE is paper trading on a venue's live market data: the public feeds come from
    the venue, the orders are matched on this machine and never reach it.
    """

    LIVE = "live"
    SANDBOX = "sandbox"
    DEMO = "demo"
    PAPER = "paper"
    PAPER_LIVE = "paper-live"

    @property
    def is_real_money(self) -> bool:
        return self is VenueMode.LIVE


class RoundingMode(str, Enum):
    """How a price is put on the tick grid."""

    NEAREST = "nearest"
    PASSIVE = "passive"  # away from the spread: buys down, sells up
    AGGRESSIVE = "aggressive"  # toward the spread: buys up, sells down
