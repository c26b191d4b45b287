"""Parameter and filter checks of a new order (POST /api/v3/order and each leg of an order
list), in Binance's order: type-specific mandatory parameters, parameters sent when not
required, then the symbol's filters. Nothing here touches engine state.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from .errors import ApiError, filter_failure, missing_param
from .markets import (
    MAX_TRAILING_DELTA,
    MIN_TRAILING_DELTA,
    MarketSpec,
    parse_decimal,
)

LIMIT_TYPES = ("LIMIT", "LIMIT_MAKER")
# Binance's contingent ("algo") order types: they wait for a trigger on the last trade price
CONDITIONAL = ("STOP_LOSS", "STOP_LOSS_LIMIT", "TAKE_PROFIT", "TAKE_PROFIT_LIMIT")
CONDITIONAL_MARKET = ("STOP_LOSS", "TAKE_PROFIT")
ORDER_TYPES = ("LIMIT", "LIMIT_MAKER", "MARKET", *CONDITIONAL)
TIFS = ("GTC", "IOC", "FOK")


@dataclass(frozen=True, slots=True)
class NewOrder:
    """A new order's parameters after the parameter and filter checks."""

    market: MarketSpec
    side: str
    type: str
    tif: str
    price: int
    qty: int
    quote_qty: Decimal
    stop_price: int = 0
    trailing_delta: int = 0

    @property
    def conditional(self) -> bool:
        return self.type in CONDITIONAL

    @property
    def market_like(self) -> bool:
        """Executes as a MARKET order (now, or once triggered)."""
        return self.type == "MARKET" or self.type in CONDITIONAL_MARKET


def not_required(name: str) -> ApiError:
    return ApiError(-1106, f"Parameter '{name}' sent when not required.")


def _tif(p: Mapping[str, str]) -> str:
    tif = p.get("timeInForce") or ""
    if not tif:
        raise missing_param("timeInForce")
    if tif not in TIFS:
        raise ApiError(-1115, "Invalid timeInForce.")
    return tif


def _trailing_delta(text: str) -> int:
    if not text.isdigit() or len(text) > 9:
        raise ApiError(
            -1100,
            "Illegal characters found in parameter 'trailingDelta'; legal "
            "range is '^[0-9]{1,20}$'.",
        )
    d = int(text)
    if not MIN_TRAILING_DELTA <= d <= MAX_TRAILING_DELTA:
        raise filter_failure("TRAILING_DELTA")
    return d


def check_new_order(
    spec: Callable[[str | None], MarketSpec],
    reference_price: Callable[[str], int],
    p: Mapping[str, str],
) -> NewOrder:
    """Binance's checks of a new order's parameters and filters (no state is touched):
    they run before anything else, also before the cancel of a cancel-replace."""
    m = spec(p.get("symbol"))
    side = p.get("side")
    if side not in ("BUY", "SELL"):
        raise ApiError(-1117, "Invalid side.") if side else missing_param("side")
    otype = p.get("type")
    if otype not in ORDER_TYPES:
        raise ApiError(-1116, "Invalid orderType.") if otype else missing_param("type")
    tif = "GTC"
    price = qty = stop = trailing = 0
    quote_qty = Decimal(0)
    if otype in CONDITIONAL:
        if otype in CONDITIONAL_MARKET:
            for name in ("price", "timeInForce", "quoteOrderQty"):
                if p.get(name):
                    raise not_required(name)
        else:
            tif = _tif(p)
            if not p.get("price"):
                raise missing_param("price")
            if p.get("quoteOrderQty"):
                raise not_required("quoteOrderQty")
        if not p.get("quantity"):
            raise missing_param("quantity")
        if not p.get("stopPrice") and not p.get("trailingDelta"):
            raise ApiError(
                -1102,
                "Param 'stopPrice' or 'trailingDelta' must be sent, but both were empty/null!",
            )
        qty = m.parse_qty(p["quantity"], market=otype in CONDITIONAL_MARKET)
        if p.get("stopPrice"):
            stop = m.parse_price(p["stopPrice"], "stopPrice")
        if p.get("trailingDelta"):
            trailing = _trailing_delta(p["trailingDelta"])
        if otype in CONDITIONAL_MARKET:
            ref = stop or reference_price(m.symbol)
            if ref:
                m.check_notional(ref * qty)
        else:
            price = m.parse_price(p["price"])
            m.check_notional(price * qty)
        return NewOrder(m, side, otype, tif, price, qty, quote_qty, stop, trailing)
    for name in ("stopPrice", "trailingDelta"):
        if p.get(name):
            raise not_required(name)
    if otype in LIMIT_TYPES:
        if otype == "LIMIT":
            tif = _tif(p)
        elif p.get("timeInForce"):
            raise not_required("timeInForce")
        if not p.get("price"):
            raise missing_param("price")
        if not p.get("quantity"):
            raise missing_param("quantity")
        price = m.parse_price(p["price"])
        qty = m.parse_qty(p["quantity"])
        m.check_notional(price * qty)
    else:
        if p.get("quantity"):
            qty = m.parse_qty(p["quantity"], market=True)
            ref = reference_price(m.symbol)
            if ref:
                m.check_notional(ref * qty)
        elif p.get("quoteOrderQty"):
            quote_qty = parse_decimal(p["quoteOrderQty"], "quoteOrderQty")
            if quote_qty < m.min_notional:
                raise filter_failure("NOTIONAL")
        else:
            raise ApiError(
                -1102, "Param 'quantity' or 'quoteOrderQty' must be sent, but both were empty/null!"
            )
    return NewOrder(m, side, otype, tif, price, qty, quote_qty)


def is_stop_loss(otype: str) -> bool:
    return otype.startswith("STOP_LOSS")


def stop_condition_met(otype: str, is_buy: bool, stop: int, last: int) -> bool:
    """Binance's stop price condition against the last trade price: a sell stop-loss and a
    buy take-profit fire at or below the stop, a buy stop-loss and a sell take-profit at or
    above it."""
    below = is_stop_loss(otype) != is_buy
    return last <= stop if below else last >= stop
