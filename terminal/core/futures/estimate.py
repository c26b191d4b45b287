"""What a perpetual order will cost and where the position would be liquidated after it.

Binance's USDⓈ-M definitions ("Leverage and Margin of USDⓈ-M Futures", "How to Calculate
Liquidation Price of USDⓈ-M Contracts"), all in Decimal:

* notional = amount x price (the limit price, or the mark for a market order)
* initial margin = the notional the order opens / leverage (a closing part needs none)
* fee = notional x the market's taker (market) or maker (limit) rate
* liquidation price of the resulting position, one symbol:

      LP = (WB - TMM1 + UPNL1 + cum - Side x Size x Entry) / (Size x MMR - Side x Size)

  with Side = 1 long, -1 short; WB the isolated margin of the position (isolated) or the
  cross wallet after the fee (cross), TMM1/UPNL1 the maintenance margin and uPnL of every
  other cross position (cross only); MMR/cum of the bracket at the resulting notional,
  recalculated once with the bracket at the result when it differs (as the FAQ says).
  In hedge mode only the side the order works on is counted (an estimate of that side).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from terminal.domain.enums import Side
from terminal.domain.money import ZERO
from terminal.domain.position import (
    LeverageTier,
    MarginAccount,
    MarginMode,
    Position,
    PositionSide,
)


@dataclass(frozen=True, slots=True)
class OrderEstimate:
    notional: Decimal
    initial_margin: Decimal
    fee: Decimal
    fee_is_taker: bool
    resulting_size: Decimal  # signed, base units; 0 when the order flattens
    liquidation_price: Decimal | None  # None: no position after it, or no liquidation


def tier_for(tiers: Sequence[LeverageTier], notional: Decimal) -> LeverageTier | None:
    for tier in tiers:
        if notional < tier.notional_cap:
            return tier
    return tiers[-1] if tiers else None


def liquidation_price(
    wallet: Decimal,
    signed_size: Decimal,
    entry: Decimal,
    tiers: Sequence[LeverageTier],
    *,
    others_maint: Decimal = ZERO,
    others_upnl: Decimal = ZERO,
    mark: Decimal | None = None,
) -> Decimal | None:
    """Binance's single-position liquidation price (None when it would be <= 0)."""
    if signed_size == ZERO or not tiers:
        return None
    side = Decimal(1) if signed_size > ZERO else Decimal(-1)
    size = abs(signed_size)

    def solve(price: Decimal) -> Decimal | None:
        tier = tier_for(tiers, size * price)
        assert tier is not None
        den = size * tier.mmr - side * size
        if den == ZERO:
            return None
        lp = (wallet - others_maint + others_upnl + tier.cum - side * size * entry) / den
        return lp if lp > ZERO else None

    first = solve(mark if mark is not None else entry)
    if first is None:
        return None
    return solve(first)


def estimate_order(
    *,
    side: Side,
    amount: Decimal,
    price: Decimal,
    is_market: bool,
    leverage: Decimal,
    margin_mode: MarginMode,
    hedged: bool,
    reduce_only: bool,
    taker_fee: Decimal,
    maker_fee: Decimal,
    tiers: Sequence[LeverageTier],
    positions: Sequence[Position],
    symbol: str,
    account: MarginAccount | None,
) -> OrderEstimate:
    """The ticket's figures for an order of `amount` (base units) at `price`."""
    notional = amount * price
    fee_rate = taker_fee if is_market else maker_fee
    fee = notional * fee_rate
    signed = amount if side is Side.BUY else -amount
    mine = [p for p in positions if p.symbol == symbol]
    if hedged:
        working = PositionSide.LONG if (side is Side.BUY) != reduce_only else PositionSide.SHORT
        mine = [p for p in mine if p.side is working]
    current = sum((p.signed_size * p.contract_size for p in mine), ZERO)
    result = current + signed
    if reduce_only and (current == ZERO or (current > ZERO) == (signed > ZERO)):
        result = current  # reduce-only never adds
    elif reduce_only and abs(signed) > abs(current):
        result = ZERO
    flipped = result != ZERO and current != ZERO and (result > ZERO) != (current > ZERO)
    opened = abs(result) if flipped else max(abs(result) - abs(current), ZERO)
    initial_margin = opened * price / leverage  # what this order puts up; closing: none
    entry = _entry_after(mine, current, signed, price, result)
    liq = None
    if result != ZERO and entry is not None:
        mark = (mine[0].mark_price if mine else None) or price
        if margin_mode is MarginMode.ISOLATED:
            kept = sum((p.isolated_wallet or ZERO for p in mine), ZERO)
            if (result > ZERO) != (current > ZERO) or current == ZERO:
                wallet = abs(result) * price / leverage
            else:
                added = max(abs(result) - abs(current), ZERO) * price / leverage
                wallet = kept * (min(abs(result), abs(current)) / abs(current)) + added
            liq = liquidation_price(wallet, result, entry, tiers, mark=mark)
        elif account is not None and account.cross_wallet is not None:
            others = [
                p
                for p in positions
                if p.margin_mode is MarginMode.CROSS and p not in mine and p.symbol != symbol
            ]
            liq = liquidation_price(
                account.cross_wallet - fee,
                result,
                entry,
                tiers,
                others_maint=sum((p.maintenance_margin for p in others), ZERO),
                others_upnl=sum((p.unrealized_pnl for p in others), ZERO),
                mark=mark,
            )
    return OrderEstimate(notional, initial_margin, fee, is_market, result, liq)


def _entry_after(
    mine: Sequence[Position], current: Decimal, signed: Decimal, price: Decimal, result: Decimal
) -> Decimal | None:
    if result == ZERO:
        return None
    if current == ZERO or (current > ZERO) != (result > ZERO):
        return price  # a new position (or a flip): its entry is this fill
    entry = mine[0].entry_price if mine else price
    if abs(result) <= abs(current):
        return entry  # reducing keeps the entry
    added = abs(result) - abs(current)
    return (abs(current) * entry + added * price) / abs(result)
