"""Perpetual-futures values: a position, its margin settings, the funding of a contract.

Every figure is a Decimal as the venue reported it (no arithmetic on floats). The
derived figures (notional, ROE, margin ratio) follow Binance's USDⓈ-M definitions
("Leverage and Margin of USDⓈ-M Futures", "How to Calculate Unrealized PnL"), which the
other USDT-margined venues share:

* notional = size x mark
* ROE % = unrealised PnL / initial margin x 100
* margin ratio % = maintenance margin / margin balance x 100 (liquidation at 100 %),
  where the margin balance is the isolated wallet plus the unrealised PnL for an isolated
  position; for a cross position it is the account's cross margin balance, given by the
  caller.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import Enum

from .enums import Side
from .ids import Symbol
from .money import ZERO

HUNDRED = Decimal(100)


class PositionSide(str, Enum):
    LONG = "long"
    SHORT = "short"

    @property
    def opening_side(self) -> Side:
        """The order side that opens (adds to) a position of this side."""
        return Side.BUY if self is PositionSide.LONG else Side.SELL

    @property
    def closing_side(self) -> Side:
        return Side.SELL if self is PositionSide.LONG else Side.BUY

    @property
    def other(self) -> PositionSide:
        return PositionSide.SHORT if self is PositionSide.LONG else PositionSide.LONG


class MarginMode(str, Enum):
    CROSS = "cross"
    ISOLATED = "isolated"


class PositionMode(str, Enum):
    """One position per symbol (long or short), or a long and a short side by side."""

    ONE_WAY = "one-way"
    HEDGE = "hedge"


@dataclass(frozen=True, slots=True)
class Position:
    """One open position of a perpetual contract, as the venue reports it."""

    symbol: Symbol
    side: PositionSide
    size: Decimal  # contracts, always > 0
    contract_size: Decimal  # base units per contract (1 on Binance USDⓈ-M)
    entry_price: Decimal
    mark_price: Decimal | None  # None: the venue's position row has no mark
    unrealized_pnl: Decimal
    liquidation_price: Decimal | None  # None: the venue reports none (0 on Binance)
    initial_margin: Decimal
    maintenance_margin: Decimal
    leverage: Decimal | None
    margin_mode: MarginMode | None  # None: the venue's row does not say
    hedged: bool  # the account is in hedge mode (the venue's position side is sent)
    isolated_wallet: Decimal | None = None  # isolated positions: margin put aside
    timestamp_ms: int | None = None

    @property
    def base_size(self) -> Decimal:
        return self.size * self.contract_size

    @property
    def signed_size(self) -> Decimal:
        return self.size if self.side is PositionSide.LONG else -self.size

    @property
    def notional(self) -> Decimal | None:
        if self.mark_price is None:
            return None
        return self.base_size * self.mark_price

    @property
    def margin(self) -> Decimal:
        """The margin held: the isolated wallet of an isolated position, the initial
        margin of a cross one."""
        if self.margin_mode is MarginMode.ISOLATED and self.isolated_wallet is not None:
            return self.isolated_wallet
        return self.initial_margin

    @property
    def roe_percent(self) -> Decimal | None:
        """Return on equity: uPnL over the initial margin, in percent."""
        if self.initial_margin <= ZERO:
            return None
        return self.unrealized_pnl / self.initial_margin * HUNDRED

    def margin_ratio_percent(self, cross_margin_balance: Decimal | None = None) -> Decimal | None:
        """Maintenance margin over margin balance, in percent (100 % = liquidation).
        An isolated position has its own balance; a cross one needs the account's."""
        balance: Decimal | None
        if self.margin_mode is MarginMode.ISOLATED and self.isolated_wallet is not None:
            balance = self.isolated_wallet + self.unrealized_pnl
        elif self.margin_mode is MarginMode.CROSS:
            balance = cross_margin_balance
        else:
            balance = None
        if balance is None:
            return None
        if balance <= ZERO:
            return HUNDRED
        return self.maintenance_margin / balance * HUNDRED

    def pnl_at(self, price: Decimal) -> Decimal:
        """Unrealised PnL if the mark were `price` (long: size x (price - entry))."""
        return self.signed_size * self.contract_size * (price - self.entry_price)


@dataclass(frozen=True, slots=True)
class FundingInfo:
    """The funding of one perpetual contract."""

    symbol: Symbol
    rate: Decimal  # the rate of the next settlement (0.0001 = 0.01 %)
    next_funding_ms: int | None
    mark_price: Decimal | None
    index_price: Decimal | None

    def seconds_to_funding(self, now_ms: int) -> int | None:
        if self.next_funding_ms is None:
            return None
        return max(0, (self.next_funding_ms - now_ms) // 1000)


@dataclass(frozen=True, slots=True)
class LeverageTier:
    """One tier of a contract's leverage brackets: up to `notional_cap` the maintenance
    margin is notional x `mmr` - `cum`, and at most `max_leverage` may be used."""

    notional_floor: Decimal
    notional_cap: Decimal
    max_leverage: Decimal
    mmr: Decimal
    cum: Decimal


@dataclass(frozen=True, slots=True)
class MarginSettings:
    """The settings of one contract on one session."""

    symbol: Symbol
    leverage: Decimal | None
    margin_mode: MarginMode | None


@dataclass(frozen=True, slots=True)
class MarginAccount:
    """The futures wallet of one session, in its settlement currency (USDT)."""

    currency: str
    wallet_balance: Decimal
    available: Decimal | None
    cross_wallet: Decimal | None  # the wallet less what isolated positions put aside
    cross_unrealized_pnl: Decimal | None

    @property
    def cross_margin_balance(self) -> Decimal | None:
        if self.cross_wallet is None:
            return None
        return self.cross_wallet + (self.cross_unrealized_pnl or ZERO)


def cross_margin_ratio_percent(
    positions: list[Position], account: MarginAccount | None
) -> Decimal | None:
    """The cross account's margin ratio: the cross positions' maintenance margin over the
    cross margin balance, in percent (every cross position is liquidated at 100 %)."""
    if account is None or account.cross_margin_balance is None:
        return None
    maint = sum(
        (p.maintenance_margin for p in positions if p.margin_mode is MarginMode.CROSS), ZERO
    )
    balance = account.cross_margin_balance
    if balance <= ZERO:
        return HUNDRED
    return maint / balance * HUNDRED


class IncomeKind(str, Enum):
    """What moved money in a futures wallet (Binance's income types, by meaning)."""

    REALIZED_PNL = "realized_pnl"
    COMMISSION = "commission"
    FUNDING = "funding"
    LIQUIDATION_FEE = "liquidation_fee"  # Binance INSURANCE_CLEAR
    TRANSFER = "transfer"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class IncomeEntry:
    """One movement of the futures wallet, signed (negative: paid)."""

    id: str
    kind: IncomeKind
    symbol: Symbol | None
    amount: Decimal
    asset: str
    time_ms: int
    trade_id: str | None = None
    venue_type: str = ""  # the venue's own name of the type, kept for the export
