"""Market data values: book levels, order book views, candles, trades, tickers, balances.

These are the shapes views read. The live book itself is kept by the core market state in
the cheapest form the feed gives; a `BookView` is the top-N copy handed out on request.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from .enums import Side
from .ids import Symbol, TradeId
from .money import ZERO


@dataclass(frozen=True, slots=True)
class BookLevel:
    price: Decimal
    amount: Decimal


@dataclass(frozen=True)
class BookView:
    """A consistent snapshot of the top of one order book.

    bids best (highest) first, asks best (lowest) first.
    """

    symbol: Symbol
    bids: tuple[BookLevel, ...]
    asks: tuple[BookLevel, ...]
    sequence: int | None = None
    timestamp_ms: int | None = None

    @property
    def best_bid(self) -> BookLevel | None:
        return self.bids[0] if self.bids else None

    @property
    def best_ask(self) -> BookLevel | None:
        return self.asks[0] if self.asks else None

    @property
    def spread(self) -> Decimal | None:
        if not self.bids or not self.asks:
            return None
        return self.asks[0].price - self.bids[0].price

    @property
    def mid(self) -> Decimal | None:
        if not self.bids or not self.asks:
            return None
        return (self.asks[0].price + self.bids[0].price) / 2

    @property
    def is_crossed(self) -> bool:
        spread = self.spread
        return spread is not None and spread <= ZERO

    def top(self, depth: int) -> BookView:
        return BookView(
            self.symbol, self.bids[:depth], self.asks[:depth], self.sequence, self.timestamp_ms
        )

    def grouped(self, step: Decimal) -> BookView:
        """Aggregate levels into price buckets of `step`.

        Bids are floored and asks ceiled to the bucket, so a grouped level never shows a
        better price than any order inside it (the usual convention of terminals).
        """
        return BookView(
            self.symbol,
            tuple(group_levels(self.bids, step, Side.BUY)),
            tuple(group_levels(self.asks, step, Side.SELL)),
            self.sequence,
            self.timestamp_ms,
        )


def group_levels(levels: Iterable[BookLevel], step: Decimal, side: Side) -> list[BookLevel]:
    """Sum amounts of consecutive levels that fall into the same `step` bucket.

    Levels must come best first (bids descending, asks ascending); the result keeps that order.
    """
    if step <= ZERO:
        raise ValueError("grouping step must be positive")
    rounding = ROUND_FLOOR if side is Side.BUY else ROUND_CEILING
    out: list[BookLevel] = []
    bucket_price: Decimal | None = None
    bucket_amount = ZERO
    for level in levels:
        price = (level.price / step).to_integral_value(rounding=rounding) * step
        if price == bucket_price:
            bucket_amount += level.amount
        else:
            if bucket_price is not None:
                out.append(BookLevel(bucket_price, bucket_amount))
            bucket_price, bucket_amount = price, level.amount
    if bucket_price is not None:
        out.append(BookLevel(bucket_price, bucket_amount))
    return out


def cumulative(levels: Sequence[BookLevel]) -> list[Decimal]:
    """Running total of amounts, best level first (for depth bars and the depth chart)."""
    total = ZERO
    out = []
    for level in levels:
        total += level.amount
        out.append(total)
    return out


@dataclass(frozen=True, slots=True)
class Candle:
    """One OHLCV bar; `open_time_ms` is the bar's start in epoch milliseconds (UTC)."""

    open_time_ms: int
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal
    volume: Decimal

    def __post_init__(self) -> None:
        if self.high < max(self.open, self.close) or self.low > min(self.open, self.close):
            raise ValueError(f"inconsistent candle: {self}")


TIMEFRAMES_MS: dict[str, int] = {
    "1m": 60_000,
    "5m": 300_000,
    "15m": 900_000,
    "1h": 3_600_000,
    "4h": 14_400_000,
    "1d": 86_400_000,
}


def timeframe_ms(timeframe: str) -> int:
    try:
        return TIMEFRAMES_MS[timeframe]
    except KeyError:
        raise ValueError(
            f"unsupported timeframe {timeframe!r}; use one of {', '.join(TIMEFRAMES_MS)}"
        ) from None


def bucket_start(timestamp_ms: int, timeframe: str) -> int:
    span = timeframe_ms(timeframe)
    return timestamp_ms - timestamp_ms % span


@dataclass(frozen=True, slots=True)
class Trade:
    """A public trade (the tape)."""

    symbol: Symbol
    trade_id: TradeId | None
    timestamp_ms: int
    price: Decimal
    amount: Decimal
    side: Side | None  # the taker's side, when the venue says

    @property
    def notional(self) -> Decimal:
        return self.price * self.amount


@dataclass(frozen=True)
class Ticker:
    symbol: Symbol
    last: Decimal | None = None
    bid: Decimal | None = None
    ask: Decimal | None = None
    open: Decimal | None = None
    high: Decimal | None = None
    low: Decimal | None = None
    change_percent: Decimal | None = None
    base_volume: Decimal | None = None
    quote_volume: Decimal | None = None
    timestamp_ms: int | None = None
    mark: Decimal | None = None  # the venue's mark price (perpetuals); None on spot


@dataclass(frozen=True, slots=True)
class Balance:
    asset: str
    free: Decimal
    used: Decimal

    @property
    def total(self) -> Decimal:
        return self.free + self.used


@dataclass(frozen=True)
class Balances:
    """Balances of one account on one venue, by asset."""

    by_asset: Mapping[str, Balance] = field(default_factory=dict)
    timestamp_ms: int | None = None

    def get(self, asset: str) -> Balance:
        return self.by_asset.get(asset) or Balance(asset, ZERO, ZERO)

    def free(self, asset: str) -> Decimal:
        return self.get(asset).free

    def non_zero(self) -> list[Balance]:
        return [b for b in self.by_asset.values() if b.total != ZERO]

    @staticmethod
    def combine(many: Iterable[Balances]) -> Balances:
        acc: dict[str, Balance] = {}
        for balances in many:
            for asset, bal in balances.by_asset.items():
                prev = acc.get(asset)
                acc[asset] = (
                    bal
                    if prev is None
                    else Balance(asset, prev.free + bal.free, prev.used + bal.used)
                )
        return Balances(acc)
