"""The pieces of a feed loop that carry no behaviour of the hub: its options, its
per-feed record, the loop's own exceptions, and finding a feed's ccxt.pro clients."""

from __future__ import annotations

import asyncio
import math
from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any

from terminal.core.marketstate import FeedKey, FeedKind
from terminal.settings import FeedSettings

from .wsclients import client_of_task, clients_for_feed, close_clients

if TYPE_CHECKING:
    from .session import VenueSession


def feed_clients(pro: Any, key: FeedKey, task: asyncio.Task | None = None) -> list[Any]:
    """The ccxt.pro clients carrying the public feed `key` (see wsclients)."""
    if task is not None:
        client = client_of_task(pro, task)
        if client is not None:
            return [client]
    if key.symbol is None or key.kind.is_private:
        return []
    names = [str(key.symbol)]
    market = (getattr(pro, "markets", None) or {}).get(str(key.symbol))
    if market and market.get("id"):  # markets not loaded on this instance: the symbol must do
        names.append(str(market["id"]))
    return clients_for_feed(pro, key.kind.value, names, key.timeframe)


_DEFAULTS = FeedSettings()  # the user-settable defaults are defined there only


@dataclass(frozen=True)
class FeedOptions:
    """What the feed hub runs with: the user's FeedSettings (their defaults are the
    settings' own) and a few fields the settings file does not offer."""

    book_depth: int = _DEFAULTS.book_depth  # levels requested (the REST snapshot size too)
    stale_after_s: float = _DEFAULTS.stale_after_s  # book and ticker watchdog window
    trades_stale_after_s: float = _DEFAULTS.trades_stale_after_s
    candles_stale_after_s: float = _DEFAULTS.candles_stale_after_s
    private_stale_after_s: float = _DEFAULTS.private_stale_after_s  # 0 = off
    private_check_s: float = _DEFAULTS.private_check_s
    # each check pings the socket: no pong within this many seconds = a silently stalled
    # socket (or a ccxt receive loop killed by a bad frame), closed and subscribed again
    # (which reconciles); 0 = only check that the socket is open
    private_pong_timeout_s: float = _DEFAULTS.private_pong_timeout_s
    backoff_base_s: float = _DEFAULTS.backoff_base_s
    backoff_cap_s: float = _DEFAULTS.backoff_cap_s
    candle_backfill: int = _DEFAULTS.candle_backfill
    trades_backfill: int = _DEFAULTS.trades_backfill
    # not in the settings file:
    private_connect_timeout_s: float = 15.0
    private_settle_s: float = 0.3  # after the socket is up, before reconciling over REST
    poll_scale: float = 1.0  # multiply the catalogue's REST polling intervals (tests)

    @classmethod
    def from_settings(cls, feeds: FeedSettings, **overrides: Any) -> FeedOptions:
        """From the user's FeedSettings: every one of its fields is an option here."""
        values: dict[str, Any] = {f.name: getattr(feeds, f.name) for f in fields(FeedSettings)}
        values.update(overrides)
        return cls(**values)

    def window(self, kind: FeedKind) -> float:
        if kind in (FeedKind.BOOK, FeedKind.TICKER):
            return self.stale_after_s
        if kind is FeedKind.TRADES:
            return self.trades_stale_after_s
        if kind is FeedKind.CANDLES:
            return self.candles_stale_after_s
        return self.private_stale_after_s


MAX_STALE_FACTOR = 8.0


class StaleFeed(Exception):
    """The watchdog window passed without a message."""


class SocketLost(Exception):
    """The socket a private stream waits on is closed, yet ccxt did not say so."""


class FeedLoop:
    """One shared feed: its subscribers, task and what its watchdog knows."""

    __slots__ = (
        "key",
        "last_message",
        "reconnects",
        "refs",
        "seen",
        "session",
        "stale_factor",
        "task",
        "watch_task",
    )

    def __init__(self, key: FeedKey) -> None:
        self.key = key
        self.refs = 0
        self.task: asyncio.Task | None = None
        self.watch_task: asyncio.Task | None = None  # the pending ccxt.pro watch call
        self.seen: dict = {}  # private streams: what was delivered already
        self.session: VenueSession | None = None
        self.reconnects = 0
        # A quiet market (an illiquid book) is silent without anything being wrong: each
        # stale verdict that a fresh subscription cannot fix doubles the window (up to
        # MAX_STALE_FACTOR), so it is not resubscribed (and re-snapshotted) every few
        # seconds; messages within the base window bring it back to 1.
        self.stale_factor = 1.0
        self.last_message: float | None = None


def message_count(result: Any, kind: FeedKind) -> int:
    if kind in (FeedKind.TRADES, FeedKind.ORDERS, FeedKind.MY_TRADES):
        try:
            return max(1, len(result))
        except TypeError:
            return 1
    return 1


class FeedFault(Exception):
    """The venue sent data that cannot be right (unreadable values, NaN, a crossed or
    unordered book): counted in health, and the feed resyncs from a fresh subscription."""


def check_book(bids: Sequence[Sequence[Any]], asks: Sequence[Sequence[Any]]) -> None:
    """Refuse a book no venue can have: levels that are not positive finite numbers,
    sides out of order, or a best bid at or above the best ask."""
    for side, levels, descending in (("bid", bids, True), ("ask", asks, False)):
        prev: float | None = None
        for level in levels:
            price, amount = level[0], level[1]
            if not isinstance(price, (int, float)) or not isinstance(amount, (int, float)):
                raise FeedFault(f"{side} level {price!r} x {amount!r} is not a number")
            if not (math.isfinite(price) and math.isfinite(amount)) or price <= 0 or amount < 0:
                raise FeedFault(
                    f"{side} level {price!r} x {amount!r} is not a positive finite number"
                )
            if prev is not None and (price >= prev if descending else price <= prev):
                raise FeedFault(f"{side}s out of order at {price!r}")
            prev = price
    if bids and asks and bids[0][0] >= asks[0][0]:
        raise FeedFault(f"crossed book: best bid {bids[0][0]!r} >= best ask {asks[0][0]!r}")


async def resync_feed(session: VenueSession, loop: FeedLoop) -> None:
    """Drop the socket(s) a feed reads, so its next subscription starts from a fresh
    snapshot instead of patching data known to be wrong."""
    pro = session.pro
    if pro is None or not session.info.has_ws(loop.key.kind):
        return
    task = loop.watch_task if loop.watch_task is not None and not loop.watch_task.done() else None
    clients = feed_clients(pro, loop.key, task)
    if clients:
        await close_clients(pro, clients)
