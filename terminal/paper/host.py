"""What the HTTP and WebSocket handlers take from the running paper exchange, as narrow
protocols. `PaperServer` wires the handlers and hands itself in; no handler imports the
server, so the server is the only module that knows them all."""

from __future__ import annotations

from typing import Protocol

from .auth import Authenticator
from .engine import Engine
from .faults import Faults
from .feeds import Feeds
from .hub import Hub
from .limits import RateLimiter
from .marketdata import MarketData


class ClockHost(Protocol):
    def now_ms(self) -> int:
        """The exchange's clock (the wall clock, moved by the clock-skew fault)."""
        ...


class EngineHost(Protocol):
    engine: Engine


class FaultHost(Protocol):
    """The faults a reply consults (the order-unknown fault and its timeout)."""

    faults: Faults
    faults_timeout_s: float


class PublicHost(ClockHost, EngineHost, Protocol):
    """The public REST endpoints: books, trades, candles and the request weight."""

    md: MarketData
    limits: RateLimiter


class MarketStreamHost(Protocol):
    """The market-data WebSocket: the connection hub and the topics it may serve."""

    hub: Hub
    feeds: Feeds


class SignedHost(ClockHost, EngineHost, FaultHost, Protocol):
    """The signed REST endpoints: keys, order limits, the engine and the reply faults."""

    auth: Authenticator
    limits: RateLimiter


class StreamHost(ClockHost, EngineHost, Protocol):
    """A user data stream: listen keys, the hub and the engine's account state."""

    auth: Authenticator
    hub: Hub
