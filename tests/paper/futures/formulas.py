"""Binance's published USDⓈ-M formulas, written out independently of the server's code,
to check what the paper exchange reports through ccxt.

Sources: Binance "How to Calculate Liquidation Price of USDⓈ-M Contracts", "How to
Calculate Unrealized PnL" and "Leverage and Margin of USDⓈ-M Futures" (support FAQ);
the bracket table is the exchange's own GET /fapi/v1/leverageBracket.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

D = Decimal
CENT = D("0.01")


def bracket(brackets: list[dict[str, Any]], notional: Decimal) -> tuple[Decimal, Decimal]:
    """(maintenance margin rate, maintenance amount) of the tier holding ``notional``."""
    for b in brackets:
        if notional < D(str(b["notionalCap"])):
            return D(str(b["maintMarginRatio"])), D(str(b["cum"]))
    last = brackets[-1]
    return D(str(last["maintMarginRatio"])), D(str(last["cum"]))


def upnl(amount: Decimal, entry: Decimal, mark: Decimal) -> Decimal:
    """Long: size x (mark - entry); short: size x (entry - mark)."""
    size = abs(amount)
    return size * (mark - entry) if amount > 0 else size * (entry - mark)


def maint(amount: Decimal, mark: Decimal, brackets: list[dict[str, Any]]) -> Decimal:
    notional = abs(amount) * mark
    mmr, cum = bracket(brackets, notional)
    return notional * mmr - cum


def liquidation_price(
    wb: Decimal,
    tmm1: Decimal,
    upnl1: Decimal,
    positions: list[dict[str, Any]],
    brackets: list[dict[str, Any]],
) -> Decimal:
    """LP = (WB - TMM1 + UPNL1 + cumB + cumL + cumS - Side1*Position1*EP1
             - Position_LONG*EP_LONG + Position_SHORT*EP_SHORT)
            / (Position1*MMR_B + Position_LONG*MMR_L + Position_SHORT*MMR_S
               - Side1*Position1 - Position_LONG + Position_SHORT)
    ``positions``: the symbol's positions as {"side": BOTH/LONG/SHORT, "amount", "entry",
    "mark"}. The maintenance rate and amount are those of the bracket at the current
    price; when the bracket at the resulting price differs, the FAQ says to recalculate
    with that bracket, which is done once here."""
    lp = solve_once(wb, tmm1, upnl1, positions, brackets, "mark")
    if not lp:
        return lp
    return solve_once(wb, tmm1, upnl1, [{**p, "at": lp} for p in positions], brackets, "at")


def solve_once(
    wb: Decimal,
    tmm1: Decimal,
    upnl1: Decimal,
    positions: list[dict[str, Any]],
    brackets: list[dict[str, Any]],
    price_key: str,
) -> Decimal:
    num = wb - tmm1 + upnl1
    den = D(0)
    for p in positions:
        size = abs(p["amount"])
        mmr, cum = bracket(brackets, size * p[price_key])
        num += cum
        den += size * mmr
        if p["side"] == "BOTH":
            side1 = 1 if p["amount"] > 0 else -1
            num -= side1 * size * p["entry"]
            den -= side1 * size
        elif p["side"] == "LONG":
            num -= size * p["entry"]
            den -= size
        else:
            num += size * p["entry"]
            den += size
    if not den:
        return D(0)
    lp = num / den
    return lp if lp > 0 else D(0)
