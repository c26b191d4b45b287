"""The watchlist: ticker subscriptions for its symbols on the active venue, a provider
the panel pulls per frame, and a click that makes a symbol active.

Ticker subscriptions follow the watchlist and the active venue (released on change).
The same tickers price the balances panel, so assets are valued without extra feeds.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from terminal.core.marketstate import FeedKey, FeedKind, MarketState
from terminal.domain.ids import Symbol
from terminal.domain.marketdata import Ticker
from terminal.domain.session import SessionKey
from terminal.ui.frame import FrameCounter

if TYPE_CHECKING:
    from terminal.settings import UiSettings
    from terminal.ui.wiring.ports import Closable, FeedSubscriber

log = logging.getLogger(__name__)

VALUATION_QUOTE = "USDT"


class WatchlistWiring:
    """`ui` holds the watchlist (kept up to date for the settings file); `select_symbol`
    makes a clicked symbol active; `balances` (a panel or None) is priced from the
    tickers."""

    def __init__(
        self,
        panel: Any,
        ui: UiSettings,
        feeds: FeedSubscriber,
        state: MarketState,
        select_symbol: Callable[[str], None],
        balances: Any = None,
    ) -> None:
        self.panel = panel
        self.ui = ui
        self.feeds = feeds
        self.state = state
        self.balances = balances
        self.session: SessionKey | None = None
        self._markets: Mapping[Symbol, Any] = {}
        self._subs: dict[FeedKey, Closable] = {}
        self._keys: dict[str, FeedKey] = {}
        self.frames = FrameCounter()
        self._priced_version = -1
        self._next_pricing = 0.0
        panel.set_symbols(ui.watchlist)
        panel.set_tickers_provider(self.tickers)
        panel.symbolActivated.connect(select_symbol)
        panel.watchlistChanged.connect(self._changed)

    def activate(self, session: Any, symbol: str) -> None:
        """Active venue (its markets for the search) and symbol (highlighted)."""
        if self.session != session.key:
            self.session = session.key
            self._markets = session.markets
            self.panel.set_markets(session.markets)  # symbol -> rules: prices on the tick
            self._resubscribe()
        self.panel.set_active_symbol(symbol)

    def _changed(self, symbols: list[str]) -> None:
        self.ui.watchlist = list(symbols)
        self._resubscribe()

    def _resubscribe(self) -> None:
        session = self.session
        if session is None:
            return
        markets = self._markets
        wanted: dict[str, FeedKey] = {}
        for text in self.panel.symbols():
            try:
                symbol = Symbol(text)
            except ValueError:
                continue
            if symbol in markets:
                wanted[str(symbol)] = FeedKey(session.venue, session.mode, FeedKind.TICKER, symbol)
        keep = set(wanted.values())
        for key in [k for k in self._subs if k not in keep]:
            self._subs.pop(key).close()
        for key in keep:
            if key not in self._subs:
                self._subs[key] = self.feeds.subscribe(key)
        self._keys = wanted

    def tickers(self) -> tuple[int, dict[str, Ticker]]:
        state = self.state
        version = sum(state.item_version(k) for k in self._keys.values())
        out = {}
        for symbol, key in self._keys.items():
            ticker = state.ticker(key)
            if ticker is not None:
                out[symbol] = ticker
        return version, out

    def price_of(self, asset: str) -> Decimal | None:
        """`asset` valued in USDT from the watchlist's tickers (for the balances panel)."""
        if asset == VALUATION_QUOTE:
            return Decimal(1)
        key = self._keys.get(f"{asset}/{VALUATION_QUOTE}")
        ticker = self.state.ticker(key) if key is not None else None
        return ticker.last if ticker is not None else None

    def refresh(self) -> bool:
        """Frame clock: re-price the balances when the tickers moved (at most 1/s)."""
        now = time.monotonic()
        if now < self._next_pricing:
            return False
        version, _ = self.tickers()
        if version != self._priced_version:
            self._priced_version = version
            self._next_pricing = now + 1.0
            if self.balances is not None:
                self.balances.set_prices(self.price_of, VALUATION_QUOTE)
        return False

    def close(self) -> None:
        for sub in self._subs.values():
            sub.close()
        self._subs.clear()
        self._keys = {}
