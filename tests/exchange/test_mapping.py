"""ccxt unified dicts -> domain reports, fills, balances, candles, trades, tickers."""

from __future__ import annotations

from decimal import Decimal

import pytest

from terminal.domain.enums import OrderType, Side, TimeInForce
from terminal.domain.order import OrderStatus
from terminal.exchange.mapping import (
    balances_from_ccxt,
    candle_from_ccxt,
    fill_from_ccxt,
    report_from_ccxt,
    ticker_from_ccxt,
    trade_from_ccxt,
)

D = Decimal


def ccxt_order(**kw):
    base = {
        "id": "42",
        "clientOrderId": "ttabc",
        "symbol": "BTC/USDT",
        "status": "open",
        "side": "buy",
        "type": "limit",
        "amount": 0.001,
        "price": 54005.85,
        "filled": 0.0,
        "average": None,
        "timeInForce": "GTC",
        "postOnly": False,
        "trades": [],
        "timestamp": 1700000000000,
        "info": {"orderId": 42, "origQty": "0.00100000"},
    }
    base.update(kw)
    return base


@pytest.mark.parametrize(
    "status,filled,expected",
    [
        ("open", 0.0, OrderStatus.OPEN),
        ("open", 0.0005, OrderStatus.PARTIALLY_FILLED),
        ("closed", 0.001, OrderStatus.FILLED),
        ("canceled", 0.0005, OrderStatus.CANCELED),
        ("expired", 0.0, OrderStatus.EXPIRED),
        ("rejected", 0.0, OrderStatus.REJECTED),
    ],
)
def test_status_mapping(status, filled, expected) -> None:
    assert report_from_ccxt(ccxt_order(status=status, filled=filled)).status is expected


def test_numbers_become_exact_decimals() -> None:
    r = report_from_ccxt(
        ccxt_order(amount=0.1, price=0.3, filled=0.1, status="closed", average=0.3)
    )
    assert r.amount == D("0.1") and r.price == D("0.3") and r.filled == D("0.1")
    assert r.average_price == D("0.3")
    assert (r.side, r.type, r.time_in_force) == (Side.BUY, OrderType.LIMIT, TimeInForce.GTC)
    assert r.raw == {"orderId": 42, "origQty": "0.00100000"}


def test_cancel_reply_uses_the_original_client_id() -> None:
    reply = ccxt_order(
        status="canceled",
        clientOrderId="cancel_e2eed6",
        info={"origClientOrderId": "ttabc", "clientOrderId": "cancel_e2eed6"},
    )
    assert report_from_ccxt(reply).client_order_id == "ttabc"


def test_unknown_status_needs_a_default() -> None:
    with pytest.raises(ValueError):
        report_from_ccxt(ccxt_order(status=None))
    r = report_from_ccxt(ccxt_order(status=None), default_status=OrderStatus.CANCELED)
    assert r.status is OrderStatus.CANCELED


def test_fills_of_an_order_and_limit_maker_is_post_only() -> None:
    order = ccxt_order(
        type="limit_maker",
        status="closed",
        filled=0.001,
        trades=[
            {
                "id": "124",
                "price": 60006.0,
                "amount": 0.001,
                "fee": {"cost": 1e-06, "currency": "BTC"},
                "takerOrMaker": "maker",
                "order": None,
                "symbol": "BTC/USDT",
            },
            {"id": None, "price": 60006.0, "amount": 0.001},  # no id: cannot be de-duplicated
        ],
    )
    r = report_from_ccxt(order)
    assert r.post_only
    (fill,) = r.fills
    assert fill.trade_id == "124" and fill.venue_order_id == "42"
    assert fill.fee == D("0.000001") and fill.fee_currency == "BTC" and fill.is_maker


def test_fill_from_stream_trade() -> None:
    f = fill_from_ccxt(
        {
            "id": 9,
            "symbol": "ETH/USDT",
            "price": 3000.5,
            "amount": 0.25,
            "fee": {"cost": 0.75, "currency": "USDT"},
            "takerOrMaker": "taker",
            "order": "77",
            "side": "sell",
            "timestamp": 5,
            "info": {"c": "ttxyz"},
        }
    )
    assert (f.trade_id, f.venue_order_id, f.client_order_id, f.side) == (
        "9",
        "77",
        "ttxyz",
        Side.SELL,
    )
    assert f.amount == D("0.25") and f.is_maker is False
    assert fill_from_ccxt({"id": None}) is None


def test_balances_free_used_total() -> None:
    b = balances_from_ccxt(
        {
            "free": {"USDT": 99879.985, "BTC": 1.0, "ETH": None},
            "used": {"USDT": 120.015, "BTC": 0.0},
            "total": {"USDT": 100000.0, "BTC": 1.0, "ETH": 2.0},
            "timestamp": 17,
        }
    )
    assert b.get("USDT").free == D("99879.985") and b.get("USDT").used == D("120.015")
    assert b.get("ETH").free == D("2.0") and b.get("ETH").used == D("0")
    assert b.timestamp_ms == 17


def test_candle_trade_ticker() -> None:
    c = candle_from_ccxt([1700000000000, 1.1, 1.3, 1.0, 1.2, 10.5])
    assert (c.open, c.high, c.low, c.close, c.volume) == (
        D("1.1"),
        D("1.3"),
        D("1.0"),
        D("1.2"),
        D("10.5"),
    )
    t = trade_from_ccxt(
        {"id": "5", "timestamp": 3, "price": 0.07, "amount": 2.0, "side": "sell"}, "ETH/BTC"
    )
    assert t.symbol == "ETH/BTC" and t.price == D("0.07") and t.side is Side.SELL
    tk = ticker_from_ccxt(
        {
            "symbol": "BTC/USDT",
            "last": 60000.5,
            "bid": 60000.0,
            "ask": 60001.0,
            "percentage": -1.5,
            "baseVolume": None,
        }
    )
    assert tk.bid == D("60000.0") and tk.change_percent == D("-1.5") and tk.base_volume is None
