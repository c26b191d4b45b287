"""Pre-trade checks of conditional orders (stop, take-profit, trailing).

Pure and synchronous, run by the gate with the other rules: a trigger price present,
positive and on the market's tick; a limit price for the limit kinds; and the trigger on
the side of the current price where it waits (a sell stop below it, a sell take-profit
above it, the reverse for buys), since a trigger already reached would fire at once
(Binance refuses it: "Order would trigger immediately").
"""

from __future__ import annotations

from decimal import Decimal

from terminal.core.ports import Refusal
from terminal.domain.enums import OrderType, Side
from terminal.domain.market import MarketRules
from terminal.domain.money import ZERO, format_decimal
from terminal.domain.order import OrderRequest

TRIGGER_REQUIRED = "trigger_required"
TRIGGER_INVALID = "trigger_invalid"
TRIGGER_TICK = "trigger_tick"
TRIGGER_SIDE = "trigger_side"
TRAILING_INVALID = "trailing_invalid"


def fires_when_price_rises(order_type: OrderType, side: Side) -> bool:
    """A buy stop and a sell take-profit fire when the price rises to the trigger; a sell
    stop and a buy take-profit when it falls to it."""
    return (side is Side.BUY) == order_type.is_stop


def value_price(request: OrderRequest, reference: Decimal | None) -> Decimal | None:
    """The price an order is valued at for the notional and balance rules: its limit
    price, else its trigger (what a triggered market order is expected to trade near),
    else the current price."""
    if request.type.has_limit_price:
        return request.price
    if request.type.is_conditional and request.trigger_price is not None:
        return request.trigger_price
    return reference


def conditional_refusals(
    request: OrderRequest, market: MarketRules | None, reference: Decimal | None
) -> list[Refusal]:
    """Every refusal specific to a conditional order; empty for market and limit."""
    f = format_decimal
    if not request.type.is_conditional:
        out: list[Refusal] = []
        if request.trigger_price is not None or request.trailing_percent is not None:
            out.append(
                Refusal(
                    TRIGGER_INVALID,
                    f"a {request.type.label} order takes no trigger price or trailing distance",
                )
            )
        return out
    trigger = request.trigger_price
    trailing = request.trailing_percent
    if trailing is not None and (not trailing.is_finite() or trailing <= ZERO):
        return [
            Refusal(
                TRAILING_INVALID,
                f"the trailing distance must be a positive percentage, got {f(trailing)}",
            )
        ]
    if trigger is None:
        if trailing is not None:
            return []  # a trailing order may start tracking at once
        return [Refusal(TRIGGER_REQUIRED, f"a {request.type.label} order needs a trigger price")]
    if not trigger.is_finite() or trigger <= ZERO:
        return [
            Refusal(
                TRIGGER_INVALID,
                f"trigger price must be positive, got {f(trigger)}",
                values={"trigger": f(trigger)},
            )
        ]
    out = []
    if market is not None and market.tick_size and trigger % market.tick_size != ZERO:
        out.append(
            Refusal(
                TRIGGER_TICK,
                f"trigger price {f(trigger)} is not a multiple of the tick {f(market.tick_size)}",
                values={"trigger": f(trigger), "tick": f(market.tick_size)},
            )
        )
    if reference is not None and reference > ZERO and trailing is None:
        rises = fires_when_price_rises(request.type, request.side)
        reached = trigger <= reference if rises else trigger >= reference
        if reached:
            where = "above" if rises else "below"
            out.append(
                Refusal(
                    TRIGGER_SIDE,
                    f"a {request.side.value} {request.type.label} fires when the price reaches "
                    f"{f(trigger)} from {'below' if rises else 'above'}; the price is already "
                    f"{f(reference)}: put the trigger {where} it",
                    values={"trigger": f(trigger), "reference": f(reference)},
                )
            )
    return out
