"""A display coordinate (a float) as the exact price text a click puts in the ticket.

Why one helper: the chart's double-click and the depth chart's click turn a pixel
position into a price the same way the ladder does, so the ticket receives text on the
market's tick grid (as the ladder's exact level prices), never a float.
"""

from __future__ import annotations

import math
from decimal import Decimal

from terminal.domain.market import MarketRules


def price_on_tick(rules: MarketRules | None, value: float) -> str | None:
    """`value` rounded to the nearest tick, as exact text (None: no tick, or not a price)."""
    if rules is None or rules.tick_size is None or not math.isfinite(value) or value <= 0:
        return None
    # repr of a display float -> Decimal, then onto the grid: never a float price
    price = rules.round_price(Decimal(repr(round(value, 12))))
    if price <= 0:
        return None
    return rules.format_price(price)
