"""ccxt's unified futures structures -> the domain's Position, FundingInfo, LeverageTier.

ccxt parses the venue's numbers to floats; each one is taken back to Decimal through its
shortest repr (`decimal_from_float_repr`), which is the text the venue sent. A position
row that cannot be read (no symbol, no side, a size that is not a number) is a venue
fault: it raises `FuturesMappingError` with one line saying which field, never a
half-filled Position.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from terminal.domain.ids import IdError, Symbol
from terminal.domain.money import ZERO, MoneyError, decimal_from_float_repr
from terminal.domain.position import (
    FundingInfo,
    IncomeEntry,
    IncomeKind,
    LeverageTier,
    MarginAccount,
    MarginMode,
    Position,
    PositionMode,
    PositionSide,
)

ONE = Decimal(1)


class FuturesMappingError(ValueError):
    """A venue's futures payload that cannot be read."""


def _dec(row: Mapping[str, Any], key: str, *, required: bool = False) -> Decimal | None:
    value = row.get(key)
    if value is None or value == "":
        if required:
            raise FuturesMappingError(f"position without {key}")
        return None
    try:
        return decimal_from_float_repr(value)
    except MoneyError:
        raise FuturesMappingError(f"unreadable {key}: {str(value)[:40]!r}") from None


def _info(raw: Mapping[str, Any], key: str = "info") -> Mapping[str, Any]:
    value = raw.get(key)
    return value if isinstance(value, Mapping) else {}


def _int(value: Any) -> int | None:
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def margin_mode_from_ccxt(value: Any) -> MarginMode | None:
    text = str(value or "").lower()
    if text in ("cross", "crossed"):
        return MarginMode.CROSS
    if text == "isolated":
        return MarginMode.ISOLATED
    return None


def position_from_ccxt(
    raw: Mapping[str, Any],
    *,
    leverage: Decimal | None = None,
    margin_mode: MarginMode | None = None,
) -> Position | None:
    """One ccxt position, or None for an empty (zero-size) row. `leverage` and
    `margin_mode` fill what a venue leaves out of its position rows (Binance's
    positionRisk v3 has no leverage)."""
    try:
        symbol = Symbol(str(raw.get("symbol") or ""))
    except IdError:
        raise FuturesMappingError(f"position with a bad symbol {raw.get('symbol')!r}") from None
    contracts = _dec(raw, "contracts", required=True)
    assert contracts is not None
    if contracts == ZERO:
        return None
    side_text = str(raw.get("side") or "").lower()
    if side_text not in ("long", "short"):
        raise FuturesMappingError(f"position {symbol} with side {raw.get('side')!r}")
    side = PositionSide(side_text)
    mode = margin_mode_from_ccxt(raw.get("marginMode")) or margin_mode
    info = _info(raw)
    isolated_wallet = None
    if mode is MarginMode.ISOLATED:
        # Binance names the margin put aside isolatedWallet; ccxt's `collateral` is that
        # plus the uPnL on Binance and the position margin elsewhere
        isolated_wallet = _dec(info, "isolatedWallet") if "isolatedWallet" in info else None
        if isolated_wallet is None:
            isolated_wallet = _dec(raw, "positionMargin") or _dec(raw, "collateral")
    liq = _dec(raw, "liquidationPrice")
    lev = _dec(raw, "leverage") or leverage
    return Position(
        symbol=symbol,
        side=side,
        size=abs(contracts),
        contract_size=_dec(raw, "contractSize") or ONE,
        entry_price=_dec(raw, "entryPrice", required=True) or ZERO,
        mark_price=_dec(raw, "markPrice"),
        unrealized_pnl=_dec(raw, "unrealizedPnl") or ZERO,
        liquidation_price=liq if liq is not None and liq > ZERO else None,
        initial_margin=_dec(raw, "initialMargin") or ZERO,
        maintenance_margin=_dec(raw, "maintenanceMargin") or ZERO,
        leverage=lev,
        margin_mode=mode,
        hedged=bool(raw.get("hedged")),
        isolated_wallet=isolated_wallet,
        timestamp_ms=_int(raw.get("timestamp")),
    )


def funding_from_ccxt(raw: Mapping[str, Any], symbol: str) -> FundingInfo:
    """ccxt's funding-rate structure. The rate is the one the next settlement uses;
    ccxt puts the next settlement time in `fundingTimestamp` on Binance and in
    `nextFundingTimestamp` on some venues, so the later of the two in the future wins."""
    rate = _dec(raw, "fundingRate")
    if rate is None:
        raise FuturesMappingError(f"funding of {symbol} without a rate")
    times = [t for t in (_int(raw.get("fundingTimestamp")), _int(raw.get("nextFundingTimestamp")))]
    known = [t for t in times if t]
    return FundingInfo(
        symbol=Symbol(str(raw.get("symbol") or symbol)),
        rate=rate,
        next_funding_ms=max(known) if known else None,
        mark_price=_dec(raw, "markPrice"),
        index_price=_dec(raw, "indexPrice"),
    )


def tiers_from_ccxt(rows: list[Mapping[str, Any]]) -> list[LeverageTier]:
    """ccxt's leverage tiers. The maintenance amount (`cum`) is Binance's own field when
    present, else derived as Binance defines it: cum[n] = cum[n-1] + floor[n] x
    (MMR[n] - MMR[n-1])."""
    tiers: list[LeverageTier] = []
    prev_mmr = ZERO
    prev_cum = ZERO
    for row in rows:
        info = _info(row)
        floor = _dec(row, "minNotional") or ZERO
        cap = _dec(row, "maxNotional")
        mmr = _dec(row, "maintenanceMarginRate")
        max_lev = _dec(row, "maxLeverage")
        if cap is None or mmr is None or max_lev is None:
            raise FuturesMappingError("leverage tier without its cap, rate or leverage")
        cum = _dec(info, "cum") if "cum" in info else prev_cum + floor * (mmr - prev_mmr)
        assert cum is not None
        tiers.append(LeverageTier(floor, cap, max_lev, mmr, cum))
        prev_mmr, prev_cum = mmr, cum
    return tiers


def position_mode_from_ccxt(raw: Mapping[str, Any]) -> PositionMode:
    return PositionMode.HEDGE if raw.get("hedged") else PositionMode.ONE_WAY


def account_from_ccxt(raw: Mapping[str, Any], currency: str = "USDT") -> MarginAccount:
    """ccxt's futures balance. Binance's account fields (`totalCrossWalletBalance`,
    `totalCrossUnPnl`) give the cross wallet; other venues give the settlement currency's
    total and free only, and the cross figures stay unknown."""
    info = _info(raw)
    if "totalWalletBalance" in info:
        return MarginAccount(
            currency=currency,
            wallet_balance=_dec(info, "totalWalletBalance") or ZERO,
            available=_dec(info, "availableBalance"),
            cross_wallet=_dec(info, "totalCrossWalletBalance"),
            cross_unrealized_pnl=_dec(info, "totalCrossUnPnl"),
        )
    row = _info(raw, currency)
    return MarginAccount(
        currency=currency,
        wallet_balance=_dec(row, "total") or ZERO,
        available=_dec(row, "free"),
        cross_wallet=None,
        cross_unrealized_pnl=None,
    )


# Binance USDⓈ-M income types ("Get Income History") by what they mean here.
BINANCE_INCOME: dict[str, IncomeKind] = {
    "REALIZED_PNL": IncomeKind.REALIZED_PNL,
    "COMMISSION": IncomeKind.COMMISSION,
    "FUNDING_FEE": IncomeKind.FUNDING,
    "INSURANCE_CLEAR": IncomeKind.LIQUIDATION_FEE,
    "TRANSFER": IncomeKind.TRANSFER,
}


def income_from_binance(row: Mapping[str, Any], symbol_of: Mapping[str, str]) -> IncomeEntry:
    """One row of Binance's GET /fapi/v1/income (`symbol_of`: market id -> symbol)."""
    venue_type = str(row.get("incomeType") or "")
    amount = _dec(row, "income")
    if amount is None:
        raise FuturesMappingError(f"income row without an amount ({venue_type or 'no type'})")
    time_ms = _int(row.get("time"))
    if time_ms is None:
        raise FuturesMappingError(f"income row without a time ({venue_type or 'no type'})")
    market_id = str(row.get("symbol") or "")
    symbol = symbol_of.get(market_id) if market_id else None
    return IncomeEntry(
        id=str(row.get("tranId") or ""),
        kind=BINANCE_INCOME.get(venue_type, IncomeKind.OTHER),
        symbol=Symbol(symbol) if symbol else None,
        amount=amount,
        asset=str(row.get("asset") or ""),
        time_ms=time_ms,
        trade_id=str(row.get("tradeId")) if row.get("tradeId") not in (None, "") else None,
        venue_type=venue_type,
    )
