"""The latest futures figures of one perpetual session, refreshed by polling.

Positions and the margin account are read every `positions_every_s`; the funding of the
symbols being watched, their margin settings and leverage brackets less often. Views read
`snapshot` on their frame timer; `changed` fires after every refresh that changed it.
A failed refresh keeps the last good figures and records why (`error`), so a panel can
grey out rather than show nothing.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any, Protocol

from terminal.core.callbacks import Callbacks
from terminal.core.errors import VenueError
from terminal.domain.ids import Symbol
from terminal.domain.market import MarketRules
from terminal.domain.marketdata import Balance, Balances
from terminal.domain.position import (
    FundingInfo,
    LeverageTier,
    MarginAccount,
    MarginMode,
    MarginSettings,
    Position,
    PositionMode,
    PositionSide,
)
from terminal.domain.session import SessionKey

log = logging.getLogger(__name__)


class FuturesPort(Protocol):
    """What the positions state needs of a perpetual session."""

    key: SessionKey
    position_mode: PositionMode | None

    @property
    def markets(self) -> Mapping[Symbol, MarketRules]: ...

    async def fetch_positions(self, symbols: Iterable[str] | None = None) -> list[Position]: ...
    async def fetch_margin_account(self) -> MarginAccount: ...
    async def fetch_funding(self, symbol: str) -> FundingInfo: ...
    async def fetch_margin_settings(self, symbol: str) -> MarginSettings: ...
    async def fetch_leverage_tiers(self, symbol: str) -> list[LeverageTier]: ...
    async def set_leverage(self, symbol: str, leverage: int) -> None: ...
    async def set_margin_mode(self, symbol: str, mode: MarginMode) -> None: ...
    async def set_position_mode(self, mode: PositionMode) -> None: ...


@dataclass(frozen=True)
class FuturesSnapshot:
    key: SessionKey
    positions: tuple[Position, ...] = ()
    account: MarginAccount | None = None
    position_mode: PositionMode | None = None
    funding: Mapping[Symbol, FundingInfo] = field(default_factory=dict)
    settings: Mapping[Symbol, MarginSettings] = field(default_factory=dict)
    tiers: Mapping[Symbol, tuple[LeverageTier, ...]] = field(default_factory=dict)
    error: str | None = None
    version: int = 0


@dataclass(frozen=True)
class PerpGateInputs:
    """What the pre-trade check of a perpetual order needs that no spot feed carries:
    the contract's mark price (to value a market order), the symbol's leverage (the
    margin an order takes) and the futures wallet's available margin as balances."""

    reference_price: Decimal | None
    leverage: Decimal | None
    balances: Balances | None
    position_size: Decimal | None = None  # base units, short < 0 (hedge: long + short)


class FuturesState:
    """See the module docstring."""

    def __init__(
        self,
        port: FuturesPort,
        *,
        positions_every_s: float = 1.0,
        funding_every_s: float = 15.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.port = port
        self.positions_every_s = positions_every_s
        self.funding_every_s = funding_every_s
        self._clock = clock
        self._watched: set[Symbol] = set()
        self._slow_due: dict[Symbol, float] = {}
        self.snapshot = FuturesSnapshot(port.key, position_mode=port.position_mode)
        self.changed: Callbacks[FuturesSnapshot] = Callbacks("futures")

    @property
    def key(self) -> SessionKey:
        return self.port.key

    def watch(self, symbol: str) -> None:
        """Keep the funding, settings and brackets of `symbol` fresh (the ticket's)."""
        sym = Symbol(symbol)
        if sym not in self._watched:
            self._watched.add(sym)
            self._slow_due[sym] = float("-inf")

    def gate_inputs(self, symbol: str) -> PerpGateInputs:
        """The latest mark, leverage and available margin of `symbol` (None where not
        read yet: the check then refuses what it cannot value)."""
        snap, sym = self.snapshot, Symbol(symbol)
        funding = snap.funding.get(sym)
        mark = funding.mark_price if funding is not None else None
        if mark is None:
            mark = next((p.mark_price for p in snap.positions if p.symbol == sym), None)
        settings = snap.settings.get(sym)
        account = snap.account
        balances = None
        if account is not None and account.available is not None:
            used = max(account.wallet_balance - account.available, Decimal(0))
            balances = Balances(
                {account.currency: Balance(account.currency, account.available, used)}
            )
        size = sum(
            (p.base_size if p.side is PositionSide.LONG else -p.base_size)
            for p in snap.positions
            if p.symbol == sym
        )
        leverage = settings.leverage if settings else None
        return PerpGateInputs(mark, leverage, balances, Decimal(size))

    def _publish(self, **changes: Any) -> None:
        self.snapshot = replace(self.snapshot, version=self.snapshot.version + 1, **changes)
        self.changed.emit(self.snapshot)

    async def refresh_positions(self) -> None:
        try:
            positions = await self.port.fetch_positions()
            account = await self.port.fetch_margin_account()
        except VenueError as exc:
            self._publish(error=f"positions not refreshed: {exc}")
            return
        self._publish(
            positions=tuple(positions),
            account=account,
            position_mode=self.port.position_mode,
            error=None,
        )

    async def refresh_symbol(self, symbol: str) -> None:
        """Funding, margin settings and brackets of one symbol."""
        sym = Symbol(symbol)
        try:
            funding = await self.port.fetch_funding(sym)
            settings = await self.port.fetch_margin_settings(sym)
            tiers = self.snapshot.tiers.get(sym) or tuple(await self.port.fetch_leverage_tiers(sym))
        except VenueError as exc:
            self._publish(error=f"{sym} not refreshed: {exc}")
            return
        self._publish(
            funding={**self.snapshot.funding, sym: funding},
            settings={**self.snapshot.settings, sym: settings},
            tiers={**self.snapshot.tiers, sym: tiers},
            error=None,
        )

    async def poll_once(self) -> None:
        await self.refresh_positions()
        now = self._clock()
        for sym in sorted(self._watched):
            if now >= self._slow_due.get(sym, float("-inf")):
                self._slow_due[sym] = now + self.funding_every_s
                await self.refresh_symbol(sym)

    async def run(self) -> None:
        """Poll until cancelled (the owner of the session's tasks cancels it)."""
        while True:
            await self.poll_once()
            await asyncio.sleep(self.positions_every_s)

    # ---- settings, refreshed right after they change ------------------------------------
    async def set_leverage(self, symbol: str, leverage: int) -> None:
        await self.port.set_leverage(symbol, leverage)
        await self.refresh_symbol(symbol)

    async def set_margin_mode(self, symbol: str, mode: MarginMode) -> None:
        await self.port.set_margin_mode(symbol, mode)
        await self.refresh_symbol(symbol)

    async def set_position_mode(self, mode: PositionMode) -> None:
        await self.port.set_position_mode(mode)
        await self.refresh_positions()
