"""What the futures handlers take from the running paper exchange, as narrow protocols
(the spot ones are in `terminal.paper.host`): the server hands itself in."""

from __future__ import annotations

from typing import Protocol

from ..auth import Authenticator
from ..feeds import Feeds
from ..host import ClockHost, EngineHost, FaultHost
from ..hub import Hub
from ..limits import RateLimiter
from ..marketdata import MarketData
from .venue import FuturesVenue


class FuturesMarketHost(ClockHost, EngineHost, Protocol):
    """The public futures endpoints: contracts, marks, books and candles."""

    futures: FuturesVenue
    md: MarketData


class ListenKeys(Protocol):
    """The futures user streams' listen keys."""

    def listen_key(self, account: str, fresh: str) -> str: ...
    def drop_key(self, account: str) -> None: ...


class FuturesRestHost(ClockHost, FaultHost, Protocol):
    """The signed futures endpoints: keys, order limits, the venue and its listen keys."""

    auth: Authenticator
    limits: RateLimiter
    futures: FuturesVenue

    @property
    def futures_stream(self) -> ListenKeys: ...


class FuturesStreamHost(ClockHost, Protocol):
    """The futures streams' publisher: the venue, the hub and the book diffs."""

    futures: FuturesVenue
    feeds: Feeds
    hub: Hub
