"""Which ccxt call carries each kind of feed: the ccxt.pro watch call, or the REST read
that stands in for it where a venue has no stream."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import TYPE_CHECKING, Any

from terminal.core.marketstate import FeedKey, FeedKind

if TYPE_CHECKING:
    from .session import VenueSession


def watch_call(pro: Any, session: VenueSession, key: FeedKey, book_depth: int) -> Awaitable[Any]:
    """The ccxt.pro watch call that carries feed `key`."""
    kind, symbol = key.kind, key.symbol
    if kind is FeedKind.BOOK:
        return pro.watch_order_book(symbol, book_depth)
    if kind is FeedKind.TRADES:
        return pro.watch_trades(symbol)
    if kind is FeedKind.CANDLES:
        return pro.watch_ohlcv(symbol, key.timeframe)
    if kind is FeedKind.TICKER:
        # ccxt 4.5.90 binance: without name=ticker it subscribes to miniTicker (no bid/ask)
        params = {"name": "ticker"} if session.info.ccxt_id == "binance" else {}
        return pro.watch_ticker(symbol, params)
    if kind is FeedKind.BALANCE:
        return pro.watch_balance()
    if kind is FeedKind.ORDERS:
        return pro.watch_orders()
    if kind is FeedKind.MY_TRADES:
        return pro.watch_my_trades()
    raise ValueError(kind)


async def poll_once(session: VenueSession, key: FeedKey, book_depth: int) -> Any:
    """One REST read standing in for feed `key` where the venue has no stream."""
    kind = key.kind
    if kind is FeedKind.BOOK:
        return await session.fetch_order_book_raw(key.need_symbol(), book_depth)
    if kind is FeedKind.TRADES:
        return await session.fetch_trades_raw(key.need_symbol(), 50)
    if kind is FeedKind.CANDLES:
        return await session.fetch_ohlcv_raw(key.need_symbol(), key.need_timeframe(), None, 3)
    if kind is FeedKind.TICKER:
        return await session.fetch_ticker_raw(key.need_symbol())
    if kind is FeedKind.BALANCE:
        return await session.read(session.rest.fetch_balance)
    if kind is FeedKind.ORDERS:
        return await session.read(session.rest.fetch_open_orders)
    if kind is FeedKind.MY_TRADES:
        # without a symbol most venues refuse; the order service's reconciliation
        # fetches fills per symbol, so polling own trades has nothing to add here
        return []
    raise ValueError(kind)
