"""What the ticket may offer: read from ccxt's `has` and the market info, with reasons."""

from __future__ import annotations

import ccxt

from terminal.domain.enums import OrderType
from terminal.domain.order import OrderStatus
from terminal.exchange.capabilities import order_capabilities
from terminal.exchange.mapping import report_from_ccxt

BINANCE_MARKET = {
    "symbol": "BTC/USDT",
    "spot": True,
    "info": {
        "orderTypes": [
            "LIMIT",
            "LIMIT_MAKER",
            "MARKET",
            "STOP_LOSS",
            "STOP_LOSS_LIMIT",
            "TAKE_PROFIT",
            "TAKE_PROFIT_LIMIT",
        ],
        "ocoAllowed": True,
        "otoAllowed": True,
        "allowTrailingStop": True,
    },
}


def test_binance_offers_every_conditional_type_trailing_and_native_lists():
    client = ccxt.binance()
    caps = order_capabilities(client.has, BINANCE_MARKET, client, "Binance")
    assert set(caps.order_types) == set(OrderType)
    assert caps.trailing and caps.native_oco and caps.native_bracket
    assert not caps.reduce_only and "spot" in caps.why_not("reduce_only")


def test_a_type_the_market_does_not_list_is_missing_with_the_reason():
    client = ccxt.binance()
    market = {
        **BINANCE_MARKET,
        "info": {
            **BINANCE_MARKET["info"],
            "orderTypes": ["LIMIT", "MARKET", "STOP_LOSS_LIMIT"],
            "ocoAllowed": False,
        },
    }
    caps = order_capabilities(client.has, market, client, "Binance")
    assert caps.order_types == (OrderType.MARKET, OrderType.LIMIT, OrderType.STOP_LIMIT)
    assert "does not list STOP_LOSS" in caps.why_not("stop_market")
    assert not caps.native_oco and "held by this terminal" in caps.why_not("oco")


def test_a_venue_without_stop_support_in_ccxt_offers_none():
    caps = order_capabilities({"createOrder": True}, {"symbol": "X/Y", "spot": True}, None, "V")
    assert caps.order_types == (OrderType.MARKET, OrderType.LIMIT)
    assert "has['createStopLossOrder']" in caps.why_not("stop_market")
    assert caps.why_not("trailing")


def test_a_waiting_binance_stop_maps_to_pending_trigger_and_its_type():
    raw = {
        "id": "5",
        "symbol": "BTC/USDT",
        "status": "open",
        "type": "market",
        "side": "sell",
        "amount": 0.01,
        "filled": 0.0,
        "triggerPrice": 49980.0,
        "info": {"type": "STOP_LOSS", "isWorking": False, "orderListId": -1},
    }
    report = report_from_ccxt(raw)
    assert report.status is OrderStatus.PENDING_TRIGGER
    assert report.type is OrderType.STOP_MARKET and str(report.trigger_price) == "49980.0"
    assert report.list_id is None
    working = report_from_ccxt({**raw, "info": {"o": "TAKE_PROFIT_LIMIT", "w": True, "g": 7}})
    assert working.status is OrderStatus.OPEN and working.type is OrderType.TAKE_PROFIT_LIMIT
    assert working.list_id == "7"
