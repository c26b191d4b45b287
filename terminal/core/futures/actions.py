"""The orders behind the positions panel's buttons: close (market or limit), close half,
reverse. Every closing order is reduce-only, so it can never open a position (or add to
one) even if the position changed since it was shown; a reverse in one-way mode is one
order of twice the size (not reduce-only: its second half opens the other side), in hedge
mode a reduce-only close of the side and an opening order of the other side."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from terminal.domain.enums import OrderType, TimeInForce
from terminal.domain.ids import Symbol
from terminal.domain.money import ZERO
from terminal.domain.order import OrderRequest
from terminal.domain.position import Position
from terminal.domain.session import SessionKey

TWO = Decimal(2)


class PositionActionError(ValueError):
    """The action cannot be built (a size below the market's step, no price, ...)."""


def _round_down(value: Decimal, step: Decimal | None) -> Decimal:
    if not step:
        return value
    return (value / step).to_integral_value(rounding="ROUND_DOWN") * step


def _request(
    key: SessionKey,
    position: Position,
    amount: Decimal,
    *,
    closing: bool,
    price: Decimal | None = None,
) -> OrderRequest:
    side = position.side.closing_side if closing else position.side.opening_side
    return OrderRequest(
        venue=key.venue,
        symbol=Symbol(position.symbol),
        side=side,
        type=OrderType.LIMIT if price is not None else OrderType.MARKET,
        amount=amount,
        price=price,
        time_in_force=TimeInForce.GTC,
        mode=key.mode,
        account=key.account,
        market=key.market,
        reduce_only=closing,
    )


def close_requests(
    key: SessionKey,
    position: Position,
    *,
    fraction: Decimal = Decimal(1),
    price: Decimal | None = None,
    step: Decimal | None = None,
) -> list[OrderRequest]:
    """Close `fraction` of the position (1 = all, 0.5 = half) at market, or at `price`."""
    if not ZERO < fraction <= 1:
        raise PositionActionError(f"a fraction of a position is in (0, 1], not {fraction}")
    if price is not None and price <= ZERO:
        raise PositionActionError("a close price must be above zero")
    amount = position.size if fraction == 1 else _round_down(position.size * fraction, step)
    if amount <= ZERO:
        raise PositionActionError(
            f"{fraction:%} of {position.size} {position.symbol} is below the contract step {step}"
        )
    return [_request(key, position, amount, closing=True, price=price)]


def reverse_requests(key: SessionKey, position: Position) -> list[OrderRequest]:
    """Turn a long of N into a short of N (or back), at market."""
    if position.hedged:
        close = _request(key, position, position.size, closing=True)
        opposite = replace(position, side=position.side.other)
        return [close, _request(key, opposite, position.size, closing=False)]
    req = _request(key, position, position.size * TWO, closing=True)
    return [replace(req, reduce_only=False)]
