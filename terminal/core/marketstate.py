"""The latest market data per venue connection: books, candles, trades, tickers, balances.

Feed loops write here; views read here on their frame timer. Nothing is pushed to a
widget per message: every item carries a version taken from one monotonically
increasing counter, so a frame timer compares integers and repaints only what changed.

Cost model (a saturated book feed applies ~17k diffs/s inside ccxt): an update stores a
*reference* to the feed's level lists (ccxt's own sorted book, or lists from a REST
snapshot) and bumps a version, O(1). Only when a view asks is the top N converted to
Decimal `BookLevel`s, and that copy is cached per (version, depth). Memory is bounded
whatever the rate: one book reference per key, candle series and trade rings capped.

Pure: imports only the standard library and terminal.domain.
"""

from __future__ import annotations

import bisect
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum
from typing import Any

from terminal.core.callbacks import Callbacks
from terminal.domain.enums import VenueMode
from terminal.domain.ids import AccountLabel, Symbol, VenueId
from terminal.domain.marketdata import (
    Balances,
    BookLevel,
    BookView,
    Candle,
    Ticker,
    Trade,
    bucket_start,
)
from terminal.domain.money import ZERO, decimal_from_float_repr
from terminal.domain.session import SessionKey


# ---- keys ------------------------------------------------------------------------------
class FeedKind(str, Enum):
    """The seven feeds the terminal uses (the last three need keys)."""

    BOOK = "book"
    TRADES = "trades"
    CANDLES = "candles"
    TICKER = "ticker"
    BALANCE = "balance"
    ORDERS = "orders"
    MY_TRADES = "my_trades"

    @property
    def is_private(self) -> bool:
        return self in (FeedKind.BALANCE, FeedKind.ORDERS, FeedKind.MY_TRADES)


class FeedStatus(str, Enum):
    CONNECTING = "connecting"  # subscribing; no message yet since (re)connect
    LIVE = "live"  # messages arriving within the staleness window
    STALE = "stale"  # silent longer than the window: data shown must not look live
    DOWN = "down"  # failed; waiting for the next reconnect attempt, or stopped


@dataclass(frozen=True, slots=True)
class FeedKey:
    """One feed of one venue connection. Public feeds carry no account (they are shared
    by every account of a venue+mode); private feeds carry the account."""

    venue: VenueId
    mode: VenueMode
    kind: FeedKind
    symbol: Symbol | None = None
    timeframe: str | None = None
    account: AccountLabel | None = None

    @classmethod
    def book(cls, venue: str, symbol: str, mode: VenueMode = VenueMode.PAPER) -> FeedKey:
        return cls(VenueId(venue), mode, FeedKind.BOOK, Symbol(symbol))

    @classmethod
    def trades(cls, venue: str, symbol: str, mode: VenueMode = VenueMode.PAPER) -> FeedKey:
        return cls(VenueId(venue), mode, FeedKind.TRADES, Symbol(symbol))

    @classmethod
    def candles(
        cls, venue: str, symbol: str, timeframe: str, mode: VenueMode = VenueMode.PAPER
    ) -> FeedKey:
        return cls(VenueId(venue), mode, FeedKind.CANDLES, Symbol(symbol), timeframe)

    @classmethod
    def ticker(cls, venue: str, symbol: str, mode: VenueMode = VenueMode.PAPER) -> FeedKey:
        return cls(VenueId(venue), mode, FeedKind.TICKER, Symbol(symbol))

    @classmethod
    def private(cls, session: SessionKey, kind: FeedKind) -> FeedKey:
        if not kind.is_private:
            raise ValueError(f"{kind} is a public feed")
        return cls(session.venue, session.mode, kind, account=session.account)

    def need_symbol(self) -> Symbol:
        """The symbol of a market feed (book, trades, candles, ticker)."""
        if self.symbol is None:
            raise ValueError(f"feed {self.label} has no symbol")
        return self.symbol

    def need_timeframe(self) -> str:
        """The timeframe of a candles feed."""
        if self.timeframe is None:
            raise ValueError(f"feed {self.label} has no timeframe")
        return self.timeframe

    def need_account(self) -> AccountLabel:
        """The account of a private feed."""
        if self.account is None:
            raise ValueError(f"feed {self.label} has no account")
        return self.account

    @property
    def label(self) -> str:
        parts = [self.venue, self.mode.value, self.kind.value]
        if self.symbol:
            parts.append(self.symbol)
        if self.timeframe:
            parts.append(self.timeframe)
        if self.account:
            parts.append(self.account)
        return ":".join(parts)

    def __str__(self) -> str:
        return self.label


# ---- items -----------------------------------------------------------------------------
def level_decimal(value: Any) -> Decimal:
    """A price or amount from a feed (ccxt floats, strings or Decimals) as Decimal.

    Floats go through their shortest repr, exactly as `decimal_from_float_repr` does;
    the fast path matters because a book view converts 2 x depth x 2 numbers.
    """
    if type(value) is float:
        d = Decimal(repr(value))
        if d.is_finite():
            return d
        return ZERO
    if isinstance(value, Decimal):
        return value
    parsed = decimal_from_float_repr(value)
    return parsed if parsed is not None else ZERO


class _Book:
    __slots__ = ("_cache", "asks", "bids", "sequence", "symbol", "timestamp_ms", "version")

    def __init__(self, symbol: Symbol) -> None:
        self.symbol = symbol
        self.bids: Sequence[Sequence[Any]] = ()
        self.asks: Sequence[Sequence[Any]] = ()
        self.sequence: int | None = None
        self.timestamp_ms: int | None = None
        self.version = 0
        self._cache: tuple[int, int, BookView] | None = None

    def view(self, depth: int) -> BookView:
        cache = self._cache
        if cache is not None and cache[0] == self.version and cache[1] == depth:
            return cache[2]
        conv = level_decimal
        view = BookView(
            self.symbol,
            tuple([BookLevel(conv(lv[0]), conv(lv[1])) for lv in self.bids[:depth]]),
            tuple([BookLevel(conv(lv[0]), conv(lv[1])) for lv in self.asks[:depth]]),
            self.sequence,
            self.timestamp_ms,
        )
        self._cache = (self.version, depth, view)
        return view


class CandleSeries:
    """Candles of one (venue, symbol, timeframe), oldest first, at most `max_len`."""

    __slots__ = ("_candles", "_times", "max_len", "timeframe", "version")

    def __init__(self, timeframe: str, max_len: int = 5000) -> None:
        self.timeframe = timeframe
        self.max_len = max_len
        self._candles: list[Candle] = []
        self._times: list[int] = []
        self.version = 0

    def __len__(self) -> int:
        return len(self._candles)

    @property
    def candles(self) -> tuple[Candle, ...]:
        return tuple(self._candles)

    def last(self) -> Candle | None:
        return self._candles[-1] if self._candles else None

    def upsert(self, candle: Candle) -> None:
        t = candle.open_time_ms
        times = self._times
        if not times or t > times[-1]:
            times.append(t)
            self._candles.append(candle)
        elif t == times[-1]:
            self._candles[-1] = candle
        else:
            i = bisect.bisect_left(times, t)
            if i < len(times) and times[i] == t:
                self._candles[i] = candle
            else:
                times.insert(i, t)
                self._candles.insert(i, candle)
        if len(times) > self.max_len:
            drop = len(times) - self.max_len
            del times[:drop]
            del self._candles[:drop]

    def apply_trade(self, trade: Trade) -> None:
        """Fold one trade into the bar it falls in (for venues without a kline stream)."""
        t = bucket_start(trade.timestamp_ms, self.timeframe)
        last = self._candles[-1] if self._candles else None
        if last is not None and last.open_time_ms == t:
            self._candles[-1] = Candle(
                t,
                last.open,
                max(last.high, trade.price),
                min(last.low, trade.price),
                trade.price,
                last.volume + trade.amount,
            )
        elif last is None or t > last.open_time_ms:
            self.upsert(Candle(t, trade.price, trade.price, trade.price, trade.price, trade.amount))
        # a trade older than the last bar is already counted by the bar's source


@dataclass
class _Versioned:
    value: Any
    version: int


# ---- the state -----------------------------------------------------------------------------
class MarketState:
    """Latest market data of every connected venue, read by views on a frame timer."""

    def __init__(self, *, max_candles: int = 5000, max_trades: int = 500) -> None:
        self.max_candles = max_candles
        self.max_trades = max_trades
        self._seq = 0
        self._books: dict[FeedKey, _Book] = {}
        self._candles: dict[FeedKey, CandleSeries] = {}
        self._trades: dict[FeedKey, _Versioned] = {}  # value: deque[Trade]
        self._tickers: dict[FeedKey, _Versioned] = {}
        self._balances: dict[SessionKey, _Versioned] = {}
        self._status: dict[FeedKey, _Versioned] = {}
        # Called with the key after each ticker or book update (alert evaluation); a
        # listener must be cheap for keys it does not watch: books update thousands of
        # times a second.
        self.updated: Callbacks[FeedKey] = Callbacks("market state")
        # Called with (key, the new trades) each time trades are added (each trade once):
        # paper trading on live data matches its resting orders against them.
        self.trades_added: Callbacks[tuple[FeedKey, list[Trade]]] = Callbacks("trades")

    def add_listener(self, listener: Callable[[FeedKey], None]) -> None:
        self.updated.add(listener)

    def remove_listener(self, listener: Callable[[FeedKey], None]) -> None:
        self.updated.remove(listener)

    def _notify(self, key: FeedKey) -> None:
        self.updated.emit(key)

    def _next(self) -> int:
        self._seq += 1
        return self._seq

    @property
    def version(self) -> int:
        """Bumps on every change of anything (cheap 'did anything change' test)."""
        return self._seq

    # -- books -------------------------------------------------------------------------
    def update_book(
        self,
        key: FeedKey,
        bids: Sequence[Sequence[Any]],
        asks: Sequence[Sequence[Any]],
        sequence: int | None = None,
        timestamp_ms: int | None = None,
    ) -> None:
        """Store references to the level lists (best first); O(1). The caller keeps
        ownership; the lists may be mutated in place by the feed between calls."""
        book = self._books.get(key)
        if book is None:
            book = self._books[key] = _Book(key.symbol or Symbol("X/X"))
        book.bids, book.asks = bids, asks
        book.sequence, book.timestamp_ms = sequence, timestamp_ms
        book.version = self._next()
        if self.updated:
            self._notify(key)

    def book_view(self, key: FeedKey, depth: int = 20) -> BookView | None:
        book = self._books.get(key)
        return None if book is None else book.view(depth)

    # -- candles -------------------------------------------------------------------------
    def _series(self, key: FeedKey) -> CandleSeries:
        series = self._candles.get(key)
        if series is None:
            if not key.timeframe:
                raise ValueError("a candle key needs a timeframe")
            series = self._candles[key] = CandleSeries(key.timeframe, self.max_candles)
        return series

    def update_candles(self, key: FeedKey, candles: Iterable[Candle]) -> None:
        series = self._series(key)
        changed = False
        for candle in candles:
            series.upsert(candle)
            changed = True
        if changed:
            series.version = self._next()

    def candles_from_trades(self, key: FeedKey, trades: Iterable[Trade]) -> None:
        series = self._series(key)
        for trade in trades:
            series.apply_trade(trade)
        series.version = self._next()

    def candles(self, key: FeedKey) -> tuple[Candle, ...]:
        series = self._candles.get(key)
        return () if series is None else series.candles

    def candle_series(self, key: FeedKey) -> CandleSeries | None:
        return self._candles.get(key)

    # -- trades ------------------------------------------------------------------------------
    def add_trades(self, key: FeedKey, trades: Iterable[Trade]) -> None:
        trades = list(trades)
        item = self._trades.get(key)
        if item is None:
            item = self._trades[key] = _Versioned(deque(maxlen=self.max_trades), 0)
        if trades:
            item.value.extend(trades)
            item.version = self._next()
            if self.trades_added:
                self.trades_added.emit((key, trades))

    def recent_trades(
        self, key: FeedKey, limit: int | None = None, newest_first: bool = True
    ) -> list[Trade]:
        item = self._trades.get(key)
        if item is None:
            return []
        ring: deque[Trade] = item.value
        out = list(ring)
        if limit is not None:
            out = out[-limit:] if limit > 0 else []
        if newest_first:
            out.reverse()
        return out

    # -- tickers ---------------------------------------------------------------------------
    def update_ticker(self, key: FeedKey, ticker: Ticker) -> None:
        item = self._tickers.get(key)
        if item is None:
            self._tickers[key] = _Versioned(ticker, self._next())
        else:
            item.value, item.version = ticker, self._next()
        if self.updated:
            self._notify(key)

    def ticker(self, key: FeedKey) -> Ticker | None:
        item = self._tickers.get(key)
        return None if item is None else item.value

    # -- balances -------------------------------------------------------------------------
    def update_balances(self, session: SessionKey, balances: Balances) -> None:
        item = self._balances.get(session)
        if item is None:
            self._balances[session] = _Versioned(balances, self._next())
        else:
            item.value, item.version = balances, self._next()

    def balances(self, session: SessionKey) -> Balances | None:
        item = self._balances.get(session)
        return None if item is None else item.value

    def balances_version(self, session: SessionKey) -> int:
        item = self._balances.get(session)
        return 0 if item is None else item.version

    # -- feed status ------------------------------------------------------------------------
    def set_feed_status(self, key: FeedKey, status: FeedStatus) -> None:
        item = self._status.get(key)
        if item is None:
            self._status[key] = _Versioned(status, self._next())
        elif item.value is not status:
            item.value, item.version = status, self._next()

    def feed_status(self, key: FeedKey) -> FeedStatus | None:
        item = self._status.get(key)
        return None if item is None else item.value

    def is_live(self, key: FeedKey) -> bool:
        return self.feed_status(key) is FeedStatus.LIVE

    # -- versions ----------------------------------------------------------------------------
    def item_version(self, key: FeedKey) -> int:
        """Version of the data item `key` names (0 if none); a frame timer repaints
        only when it differs from the one it last drew."""
        kind = key.kind
        if kind is FeedKind.BOOK:
            book = self._books.get(key)
            return book.version if book else 0
        if kind is FeedKind.CANDLES:
            series = self._candles.get(key)
            return series.version if series else 0
        if kind is FeedKind.TRADES:
            item = self._trades.get(key)
        elif kind is FeedKind.TICKER:
            item = self._tickers.get(key)
        else:
            item = None
        return item.version if item else 0

    def status_version(self, key: FeedKey) -> int:
        item = self._status.get(key)
        return item.version if item else 0

    # -- lifecycle -----------------------------------------------------------------------------
    def forget(self, key: FeedKey) -> None:
        """Drop one feed's data (its loop ended and nobody needs it)."""
        self._books.pop(key, None)
        self._candles.pop(key, None)
        self._trades.pop(key, None)
        self._tickers.pop(key, None)
        self._status.pop(key, None)
        self._next()

    def forget_session(self, session: SessionKey) -> None:
        self._balances.pop(session, None)
        for store in (self._status,):
            for key in [
                k
                for k in store
                if k.account == session.account
                and k.venue == session.venue
                and k.mode == session.mode
            ]:
                store.pop(key, None)
        self._next()

    def forget_venue(self, venue: str, mode: VenueMode) -> None:
        """Drop every public item of a venue+mode (its last session disconnected)."""
        for store in (self._books, self._candles, self._trades, self._tickers, self._status):
            for key in [k for k in store if k.venue == venue and k.mode == mode]:
                store.pop(key, None)
        self._next()

    def keys(self) -> list[FeedKey]:
        out: set[FeedKey] = set()
        for store in (self._books, self._candles, self._trades, self._tickers, self._status):
            out.update(store)
        return sorted(out, key=lambda k: k.label)
