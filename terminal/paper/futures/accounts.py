"""Futures wallets, per-symbol settings and positions of the paper exchange's accounts.

The wallet balance is the account's USDT in the futures wallet, isolated margins
included; the cross wallet is the wallet minus every isolated position's wallet.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from .risk import ZERO, q8

DEFAULT_LEVERAGE = 20


@dataclass
class SymbolConfig:
    leverage: int = DEFAULT_LEVERAGE
    isolated: bool = False

    @property
    def margin_type(self) -> str:
        return "isolated" if self.isolated else "cross"


@dataclass
class Position:
    symbol: str
    side: str  # BOTH (one-way), LONG or SHORT (hedge mode)
    amount: Decimal = ZERO  # signed: long > 0, short < 0
    entry: Decimal = ZERO
    isolated_wallet: Decimal = ZERO
    update_time: int = 0
    realized_cum: Decimal = ZERO  # accumulated realised PnL ("cr" of ACCOUNT_UPDATE)

    def apply_fill(
        self, delta: Decimal, price: Decimal, leverage: int, isolated: bool
    ) -> tuple[Decimal, Decimal]:
        """Add a signed fill. Returns (realised PnL, margin moved from the cross wallet
        into the isolated wallet; negative when released)."""
        a = self.amount
        realized = ZERO
        moved = ZERO
        if not a or (a > 0) == (delta > 0):
            self.entry = q8((abs(a) * self.entry + abs(delta) * price) / (abs(a) + abs(delta)))
            self.amount = a + delta
            if isolated:
                moved = abs(delta) * price / leverage
        else:
            closed = min(abs(delta), abs(a))
            realized = q8(closed * (price - self.entry) * (1 if a > 0 else -1))
            self.amount = a + delta
            if isolated:
                self.isolated_wallet += realized
                release = self.isolated_wallet * closed / abs(a)
                moved -= release
            if self.amount and (self.amount > 0) != (a > 0):  # reversed: the rest opens
                self.entry = price
                if isolated:
                    moved += abs(self.amount) * price / leverage
            elif not self.amount:
                self.entry = ZERO
        self.isolated_wallet += moved
        self.realized_cum += realized
        if not self.amount:
            self.isolated_wallet = ZERO
        return realized, moved


@dataclass
class Income:
    tran_id: int
    symbol: str
    income_type: str  # TRANSFER, REALIZED_PNL, COMMISSION, FUNDING_FEE, INSURANCE_CLEAR
    income: Decimal
    time: int
    trade_id: str = ""

    def json(self) -> dict[str, object]:
        return {
            "symbol": self.symbol,
            "incomeType": self.income_type,
            "income": f"{q8(self.income):f}",
            "asset": "USDT",
            "info": self.income_type,
            "time": self.time,
            "tranId": self.tran_id,
            "tradeId": self.trade_id,
        }


@dataclass
class FuturesAccount:
    key: str
    wallet: Decimal
    dual_side: bool = False
    configs: dict[str, SymbolConfig] = field(default_factory=dict)
    positions: dict[tuple[str, str], Position] = field(default_factory=dict)
    income: list[Income] = field(default_factory=list)
    update_time: int = 0
    # countdownCancelAll: symbol -> (countdown ms, deadline ms)
    countdowns: dict[str, tuple[int, int]] = field(default_factory=dict)

    def config(self, symbol: str) -> SymbolConfig:
        return self.configs.setdefault(symbol, SymbolConfig())

    def position(self, symbol: str, side: str) -> Position:
        p = self.positions.get((symbol, side))
        if p is None:
            p = self.positions[(symbol, side)] = Position(symbol, side)
        return p

    def open_positions(self, symbol: str | None = None) -> list[Position]:
        return [
            p
            for p in self.positions.values()
            if p.amount and (symbol is None or p.symbol == symbol)
        ]

    @property
    def cross_wallet(self) -> Decimal:
        return self.wallet - sum((p.isolated_wallet for p in self.positions.values()), ZERO)
