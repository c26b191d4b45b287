"""What the chart draws for working orders: one `OrderMark` per order (and per planned
leg of a bracket whose entry has not filled yet), with its label and whether it can be
dragged to amend it.

A resting limit order is a solid line, a pending trigger (stop, take-profit) a dashed
one at its trigger, a planned bracket leg a dotted one. Labels carry the role, side,
remaining amount and price, the distance from the last price in % and in quote, and,
for a stop or target whose entry price is known, the P&L if it executes there.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal

from terminal.domain.enums import LegRole, OrderType, Side
from terminal.domain.order import Order, OrderStatus

from .order_marks import OrderMark
from .price_lines import DragText, LineStyle, PriceLine

Fmt = Callable[[Decimal], str]

_ROLE = {
    OrderType.STOP_MARKET: "SL",
    OrderType.STOP_LIMIT: "SL",
    OrderType.TAKE_PROFIT_MARKET: "TP",
    OrderType.TAKE_PROFIT_LIMIT: "TP",
}
_LEG_ROLE = {LegRole.ENTRY: "ENTRY", LegRole.STOP: "SL", LegRole.TARGET: "TP"}
_DRAGGABLE_STATUS = (OrderStatus.OPEN, OrderStatus.PARTIALLY_FILLED, OrderStatus.PENDING_TRIGGER)


@dataclass(frozen=True)
class PlannedLeg:
    """A stop or target of a bracket whose entry has not filled: placed on the fill."""

    key: str  # "<bracket id>:stop" / ":target"
    role: LegRole
    side: Side  # the closing side
    amount: Decimal
    price: Decimal
    entry_price: Decimal | None


def line_price(order: Order) -> Decimal | None:
    """Where an order's line goes: a conditional order waiting for its trigger at the
    trigger, everything else at its limit price."""
    if order.type.is_conditional and not order.triggered and order.trigger_price is not None:
        return order.trigger_price
    return order.price


MOVES_PAIR = "Drag to move: the pair is replaced (cancelled, then placed anew)"


def drag_block_reason(order: Order, movable_lists: frozenset[str] = frozenset()) -> str | None:
    """Why this order's line cannot be dragged to amend it (None: it can). A stop or
    target of an OCO pair (`movable_lists`) moves by replacing the pair."""
    if order.list_id is not None:
        if order.list_id in movable_lists and order.leg_role in (LegRole.STOP, LegRole.TARGET):
            return None if not order.triggered else "already triggered"
        return (
            "part of an order list whose legs cannot move now (an entry still working, "
            "or a leg filled): cancel the group and place a new one"
        )
    if order.trailing_percent is not None:
        return "a trailing stop follows the price by itself"
    if order.status not in _DRAGGABLE_STATUS:
        return f"the order is {order.status.value}"
    if order.type.is_conditional and order.triggered:
        return "already triggered"
    if order.type is OrderType.MARKET:
        return "a market order has no price"
    return None


def order_marks(
    orders: Iterable[Order],
    symbol: str | None,
    last: Decimal | None,
    fmt_price: Fmt,
    fmt_amount: Fmt,
    entry_prices: dict[str, Decimal] | None = None,
    planned: Iterable[PlannedLeg] = (),
    can_amend: bool = True,
    movable_lists: frozenset[str] = frozenset(),
) -> list[OrderMark]:
    """The marks of the open orders of `symbol` and the planned bracket legs."""
    entry_prices = entry_prices or {}
    marks: list[OrderMark] = []
    for o in orders:
        if not o.status.is_open or (symbol is not None and o.symbol != symbol):
            continue
        price = line_price(o)
        if price is None:
            continue
        role = (_LEG_ROLE.get(o.leg_role) if o.leg_role else None) or _ROLE.get(o.type, "")
        head = f"{role + ' ' if role else ''}{o.side.value.upper()}"
        remaining = o.amount - o.filled
        text = f"{head} {fmt_amount(remaining)} @ {fmt_price(price)}"
        entry = entry_prices.get(o.list_id or "") if o.leg_role is not LegRole.ENTRY else None
        text += _distance(price, last, remaining, fmt_price)
        text += _pnl(o.side, price, entry, remaining, fmt_price)
        pending = o.type.is_conditional and not o.triggered
        # a venue-held bracket's target waits on the venue for the entry's fill
        held_back = not o.type.is_conditional and o.status is OrderStatus.PENDING_TRIGGER
        if held_back:
            text += "  (on fill)"
        moves_pair = o.list_id is not None
        why = (
            drag_block_reason(o, movable_lists)
            if can_amend or moves_pair
            else "this venue cannot amend orders"
        )
        tip = (
            (MOVES_PAIR if moves_pair else "Drag to amend")
            if why is None
            else f"Not draggable: {why}"
        )
        if o.held_by is not None and o.list_id is not None:
            tip += (
                "; held by the venue"
                if o.held_by.value == "venue"
                else "; held by this terminal: only while it runs"
            )
        marks.append(
            OrderMark(
                str(o.client_order_id),
                price,
                o.side,
                text,
                style=LineStyle.DOTTED
                if held_back
                else LineStyle.DASHED
                if pending
                else LineStyle.SOLID,
                draggable=why is None,
                tooltip=tip,
                edge_text=f"{head} {fmt_amount(remaining)} @ {fmt_price(price)}",
                short=f"{head} {fmt_amount(remaining)} @ {fmt_price(price)}"
                + _distance(price, last, remaining, fmt_price, short=True)
                + _pnl(o.side, price, entry, remaining, fmt_price),
            )
        )
    for leg in planned:
        name = "SL" if leg.role is LegRole.STOP else "TP"
        text = (
            f"{name} {leg.side.value.upper()} {fmt_amount(leg.amount)} @ {fmt_price(leg.price)}"
            " (on fill)"
        )
        text += _distance(leg.price, last, leg.amount, fmt_price)
        text += _pnl(leg.side, leg.price, leg.entry_price, leg.amount, fmt_price)
        marks.append(
            OrderMark(
                leg.key,
                leg.price,
                leg.side,
                text,
                style=LineStyle.DOTTED,
                tooltip="Bracket leg, placed when the entry fills",
                edge_text=f"{name} {fmt_amount(leg.amount)} @ {fmt_price(leg.price)} (on fill)",
            )
        )
    return marks


def _distance(
    price: Decimal, last: Decimal | None, amount: Decimal, fmt_price: Fmt, short: bool = False
) -> str:
    if last is None or last <= 0:
        return ""
    diff = price - last
    pct = diff * 100 / last
    sign = "+" if diff >= 0 else ""
    if short:
        return f"  {sign}{pct.quantize(Decimal('0.01')):f}%"
    return f"  {sign}{pct.quantize(Decimal('0.01')):f}% ({sign}{fmt_price(diff)})"


def _pnl(
    closing_side: Side, price: Decimal, entry: Decimal | None, amount: Decimal, fmt_price: Fmt
) -> str:
    """P&L of closing `amount` at `price` a position opened at `entry`."""
    if entry is None:
        return ""
    per_unit = price - entry if closing_side is Side.SELL else entry - price
    pnl = per_unit * amount
    sign = "+" if pnl >= 0 else ""
    return f"  P&L {sign}{pnl.quantize(Decimal('0.01')):f}"


def drag_text(fmt_price: Fmt, last: Callable[[], Decimal | None]) -> DragText:
    """The label of a line while it is dragged: where it would go, and how far that is."""

    def text(spec: PriceLine, price: Decimal) -> str:
        head = spec.text.split(" @ ")[0]
        distance = _distance(price, last(), Decimal(0), fmt_price)
        return f"{head} @ {fmt_price(price)}{distance}  (Esc: cancel)"

    return text
