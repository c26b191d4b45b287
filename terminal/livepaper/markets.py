"""The venue's markets as the paper engine's market specs.

The engine keeps prices in integer ticks and quantities in integer steps, both powers of
ten. A venue's tick or step that is not a power of ten (0.5, 5) is kept on the finer
decimal grid and checked against the venue's own grid before an order reaches the engine
(`MarketRules.validate`). Markets with more than eight decimals (the engine's wire
format) are not offered.
"""

from __future__ import annotations

from decimal import Decimal

from terminal.domain.market import MarketRules
from terminal.paper.engine import FeeSchedule
from terminal.paper.markets import WIRE_DECIMALS, MarketSpec

# Binance's standard spot fee where ccxt gives a market none
DEFAULT_FEE = Decimal("0.001")
HUGE = Decimal(10) ** 12


def places(step: Decimal | None) -> int | None:
    """Decimals of a tick or step (0.01 -> 2, 0.5 -> 1, 5 -> 0); None when unknown."""
    if step is None or step <= 0:
        return None
    exponent = step.normalize().as_tuple().exponent
    if not isinstance(exponent, int):
        return None
    return max(0, -exponent)


def spec_of(rules: MarketRules) -> MarketSpec | None:
    """The engine's spec of one spot market, or None when the engine cannot carry it."""
    price_places = places(rules.tick_size)
    qty_places = places(rules.step_size)
    if price_places is None or qty_places is None:
        return None
    if price_places > WIRE_DECIMALS or qty_places > WIRE_DECIMALS:
        return None
    step = Decimal(1).scaleb(-qty_places)
    min_steps = 1
    if rules.min_amount is not None:
        min_steps = max(1, int(rules.min_amount / step))
    return MarketSpec(
        str(rules.symbol),
        rules.base,
        rules.quote,
        price_places,
        qty_places,
        rules.min_notional or Decimal(0),
        # the generator's parameters: no simulated market runs here
        start_price=Decimal(1),
        grid_ticks=1,
        levels=0,
        level_qty=Decimal(0),
        annual_vol=0.0,
        min_qty_steps=min_steps,
        max_qty=rules.max_amount or HUGE,
    )


def fees_of(rules: MarketRules) -> FeeSchedule:
    """The market's maker and taker rates as ccxt reports them."""
    return FeeSchedule(
        maker=rules.maker_fee if rules.maker_fee is not None else DEFAULT_FEE,
        taker=rules.taker_fee if rules.taker_fee is not None else DEFAULT_FEE,
    )
