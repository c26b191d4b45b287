"""Small enumerations shared by the domain. Values are wire/storage codes, not UI text."""

from __future__ import annotations

from enum import Enum


class Side(str, Enum):
    BUY = "buy"
    SELL = "sell"

    @property
    def opposite(self) -> "Side":
        return Side.SELL if self is Side.BUY else Side.BUY


class OrderType(str, Enum):
    MARKET = "market"
    LIMIT = "limit"


class TimeInForce(str, Enum):
    GTC = "GTC"
    IOC = "IOC"
    FOK = "FOK"


class VenueMode(str, Enum):
    """How a venue is connected. Only LIVE moves real money.

    SANDBOX is a venue's testnet (its own hosts). DEMO is a venue's demo trading: its own
    host on some venues, the live host plus a header on others (OKX, Bitget), which is
    why it is a mode of its own, with keys of its own, and never called a testnet.
    """

    LIVE = "live"
    SANDBOX = "sandbox"
    DEMO = "demo"
    PAPER = "paper"

    @property
    def is_real_money(self) -> bool:
        return self is VenueMode.LIVE


class RoundingMode(str, Enum):
    """How a price is put on the tick grid."""

    NEAREST = "nearest"
    PASSIVE = "passive"  # away from the spread: buys down, sells up
    AGGRESSIVE = "aggressive"  # toward the spread: buys up, sells down
