"""What the order gate looks at, without I/O: the market's rules, a reference price
(the live book's mid, else the ticker, else one fetched on demand), the session's
balances, and for a perpetual its mark, leverage and margin. Part of `TerminalServices`."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from terminal.core.futures.state import PerpGateInputs
from terminal.core.policy import RateBudget
from terminal.core.ports import GateContext
from terminal.domain.enums import VenueMode
from terminal.domain.ids import Symbol, VenueId
from terminal.domain.marketdata import Balances
from terminal.domain.order import OrderRequest
from terminal.domain.session import MarketType, SessionKey

if TYPE_CHECKING:
    from terminal.exchange.manager import ExchangeManager

    pass

log = logging.getLogger(__name__)


def _order_rate(session: Any) -> tuple[int, float, float] | None:
    """The session's order-rate budget as the gate reads it (limit, window, seconds until
    one more order fits), read without taking a slot; None for a session without one."""
    policy = getattr(session, "policy", None) if session is not None else None
    budget = getattr(policy, "orders", None)
    if not isinstance(budget, RateBudget):
        return None
    return budget.limit, budget.window_s, budget.retry_after()


@dataclass
class _Prices:
    """Reference prices and balances fetched on demand (headless use, no feeds)."""

    reference: dict[tuple[str, str], Decimal] = field(default_factory=dict)
    balances: dict[SessionKey, Balances] = field(default_factory=dict)


class GateInputs:
    """The gate's context of `TerminalServices` (which holds the state used here)."""

    exchange: ExchangeManager | None  # while running
    by_key: dict[SessionKey, Any]
    sessions: dict[VenueId, Any]
    perp_inputs: Callable[[SessionKey, Symbol], PerpGateInputs | None] | None
    _prices: _Prices

    @property
    def market_state(self) -> Any:
        """terminal.core.marketstate.MarketState fed by the venue manager's feeds."""
        return self.exchange.state if self.exchange is not None else None

    # ---- what the gate looks at ------------------------------------------------------------
    def gate_context(self, request: OrderRequest) -> GateContext:
        """Market rules, reference price and balances for the gate (no I/O)."""
        session = self.by_key.get(request.session) or self.sessions.get(request.venue)
        market = session.markets.get(request.symbol) if session is not None else None
        mode = session.mode if session is not None else request.mode
        order_rate = _order_rate(session)
        if request.market is not MarketType.SPOT:
            perp = self.perp_inputs(request.session, request.symbol) if self.perp_inputs else None
            return GateContext(
                market=market,
                mode=mode,
                reference_price=perp.reference_price if perp else None,
                balances=perp.balances if perp else None,
                leverage=perp.leverage if perp else None,
                position_size=perp.position_size if perp else None,
                order_rate=order_rate,
            )
        return GateContext(
            market=market,
            mode=mode,
            reference_price=self._reference_price(request.venue, request.symbol),
            balances=self._balances(request.venue, session),
            order_rate=order_rate,
        )

    def _reference_price(self, venue: VenueId, symbol: Symbol) -> Decimal | None:
        state = self.market_state
        if state is not None:
            try:
                from terminal.core.marketstate import FeedKey

                session = self.sessions.get(venue)
                mode = session.mode if session is not None else VenueMode.PAPER
                view = state.book_view(FeedKey.book(venue, symbol, mode), 1)
                mid = getattr(view, "mid", None) if view is not None else None
                if mid:
                    return mid
                ticker = state.ticker(FeedKey.ticker(venue, symbol, mode))
                if ticker is not None and getattr(ticker, "last", None):
                    return ticker.last
            except Exception:
                log.debug("no reference price from market state", exc_info=True)
        return self._prices.reference.get((venue, symbol))

    def _balances(self, venue: VenueId, session: Any = None) -> Balances | None:
        session = session if session is not None else self.sessions.get(venue)
        state = self.market_state
        if state is not None and session is not None:
            found = state.balances(session.key)
            if found is not None:
                return found
        return self._prices.balances.get(session.key) if session is not None else None

    async def refresh_market_inputs(
        self, venue: str, symbol: str, key: SessionKey | None = None
    ) -> None:
        """Fetch a reference price and the balances of one session (the venue's first
        when `key` is None) once (headless: no feeds are running)."""
        from terminal.domain.money import decimal_from_float_repr

        session = self.by_key[key] if key is not None else self.sessions[VenueId(venue)]
        ticker = await session.fetch_ticker_raw(symbol)
        bid, ask, last = (decimal_from_float_repr(ticker.get(k)) for k in ("bid", "ask", "last"))
        ref = (bid + ask) / 2 if bid and ask else last
        if ref:
            self._prices.reference[(VenueId(venue), Symbol(symbol))] = ref
        self._prices.balances[session.key] = await session.fetch_balances()
