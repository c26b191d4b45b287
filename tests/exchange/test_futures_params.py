"""The futures part of an order's ccxt params, per venue family and position mode."""

from __future__ import annotations

from decimal import Decimal

import pytest

from terminal.core.errors import OrderRejectedError
from terminal.domain.enums import OrderType, Side
from terminal.domain.ids import Symbol, VenueId
from terminal.domain.order import Order, OrderRequest
from terminal.exchange.futures_params import futures_params


def order(side: Side, *, reduce_only=False, close_position=False, type_=OrderType.MARKET):
    return Order.from_request(
        OrderRequest(
            VenueId("paper"),
            Symbol("BTC/USDT:USDT"),
            side,
            type_,
            Decimal(1),
            trigger_price=Decimal(1) if type_.is_conditional else None,
            reduce_only=reduce_only,
            close_position=close_position,
        )
    )


@pytest.mark.parametrize(
    ("side", "reduce", "expected"),
    [
        (Side.BUY, False, "LONG"),  # open long
        (Side.SELL, True, "LONG"),  # close long
        (Side.SELL, False, "SHORT"),  # open short
        (Side.BUY, True, "SHORT"),  # close short
    ],
)
def test_binance_hedge_mode_sends_the_position_side_and_never_reduce_only(side, reduce, expected):
    params = futures_params(order(side, reduce_only=reduce), "binance", True, "paper")
    assert params == {"positionSide": expected}


def test_binance_one_way_sends_reduce_only():
    assert futures_params(order(Side.SELL, reduce_only=True), "binance", False, "b") == {
        "reduceOnly": True
    }
    assert futures_params(order(Side.SELL), "binance", False, "b") == {}


def test_close_position_stop_on_binance_and_refused_elsewhere():
    stop = order(Side.SELL, close_position=True, type_=OrderType.STOP_MARKET)
    assert futures_params(stop, "binance", False, "b") == {"closePosition": True}
    assert futures_params(stop, "binance", True, "b") == {
        "closePosition": True,
        "positionSide": "LONG",
    }
    with pytest.raises(OrderRejectedError, match="bybit has no close-position orders"):
        futures_params(stop, "bybit", False, "bybit")
    with pytest.raises(OrderRejectedError, match="stop-market and take-profit-market"):
        futures_params(order(Side.SELL, close_position=True), "binance", False, "b")


@pytest.mark.parametrize("venue", ["bybit", "okx", "bitget", "hyperliquid"])
def test_other_venues_use_ccxts_hedged_flag(venue):
    params = futures_params(order(Side.SELL, reduce_only=True), venue, True, venue)
    assert params == {"hedged": True, "reduceOnly": True}
    assert futures_params(order(Side.BUY), venue, False, venue) == {}
