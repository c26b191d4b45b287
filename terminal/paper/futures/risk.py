"""Binance's published USDⓈ-M margin formulas, in Decimal.

- Unrealised PnL = position amount (signed: long > 0, short < 0) x (mark price - entry).
- Initial margin = |amount| x mark price / leverage; ROE = unrealised PnL / initial margin.
- Maintenance margin = |amount| x mark price x maintenance margin rate - maintenance
  amount (``cum``) of the position's leverage bracket.
- Margin ratio = maintenance margin / margin balance; the position (isolated) or the
  cross account is liquidated when the ratio reaches 100 %.
- Liquidation price (Binance's "How to calculate the liquidation price of USDⓈ-M
  contracts"):

      LP = (WB - TMM1 + UPNL1 + cumB + cumL + cumS - Side1*Position1*EP1
            - Position_LONG*EP_LONG + Position_SHORT*EP_SHORT)
           / (Position1*MMR_B + Position_LONG*MMR_L + Position_SHORT*MMR_S
              - Side1*Position1 - Position_LONG + Position_SHORT)

  WB is the cross wallet balance (cross) or the position's isolated wallet (isolated);
  TMM1 and UPNL1 are the maintenance margin and unrealised PnL of every OTHER contract
  (zero for isolated); the ``B`` terms are the one-way (BOTH) position, ``L``/``S`` the
  hedge-mode LONG and SHORT positions of the symbol. A result of zero or below, or a zero
  denominator, is reported as 0 (no liquidation price).
- Funding rate = P + clamp(I - P, -0.05 %, +0.05 %) with interest rate I = 0.01 % per
  8 hours and premium index P = (mark - index) / index; funding fee = |amount| x mark x
  rate, paid by longs to shorts when the rate is positive.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

ZERO = Decimal(0)
INTEREST_RATE = Decimal("0.0001")
FUNDING_CLAMP = Decimal("0.0005")
E8 = Decimal("1e-8")


def q8(d: Decimal) -> Decimal:
    return d.quantize(E8, rounding=ROUND_HALF_UP)


def upnl(amount: Decimal, entry: Decimal, mark: Decimal) -> Decimal:
    return amount * (mark - entry)


def initial_margin(amount: Decimal, mark: Decimal, leverage: int) -> Decimal:
    return abs(amount) * mark / leverage


def maint_margin(amount: Decimal, mark: Decimal, mmr: Decimal, cum: Decimal) -> Decimal:
    if not amount:
        return ZERO
    return abs(amount) * mark * mmr - cum


def funding_rate(mark: Decimal, index: Decimal) -> Decimal:
    p = (mark - index) / index if index else ZERO
    return q8(p + min(max(INTEREST_RATE - p, -FUNDING_CLAMP), FUNDING_CLAMP))


def funding_fee(amount: Decimal, mark: Decimal, rate: Decimal) -> Decimal:
    """What the position RECEIVES (negative: pays)."""
    return -(amount * mark * rate)


@dataclass(frozen=True)
class Leg:
    """One position in the liquidation-price formula: size (absolute), entry, MMR, cum."""

    size: Decimal = ZERO
    entry: Decimal = ZERO
    mmr: Decimal = ZERO
    cum: Decimal = ZERO


def liquidation_price(
    wb: Decimal, tmm1: Decimal, upnl1: Decimal, both_side: int, both: Leg, long: Leg, short: Leg
) -> Decimal:
    if not (both.size or long.size or short.size):
        return ZERO
    num = (
        wb
        - tmm1
        + upnl1
        + both.cum
        + long.cum
        + short.cum
        - both_side * both.size * both.entry
        - long.size * long.entry
        + short.size * short.entry
    )
    den = (
        both.size * both.mmr
        + long.size * long.mmr
        + short.size * short.mmr
        - both_side * both.size
        - long.size
        + short.size
    )
    if not den:
        return ZERO
    lp = num / den
    return q8(lp) if lp > 0 else ZERO
