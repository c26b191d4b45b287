"""ccxt unified dicts -> domain reports, fills, balances, candles, trades, tickers."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from terminal.core.errors import ErrorKind, OrderRejectedError, VenueError, VenuePayloadError
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


# ---- malformed venue payloads: refused at the adapter edge, classified ----------------


@pytest.mark.parametrize(
    "fields,problem",
    [
        ({"average": -5.0, "filled": 0.001, "status": "closed"}, "average price is negative"),
        ({"filled": -0.001}, "filled is negative"),
        ({"amount": -0.001}, "amount is negative"),
        ({"price": -1.0}, "price is negative"),
        ({"triggerPrice": -2.0}, "trigger price is negative"),
        ({"remaining": -0.5}, "remaining is negative"),
        ({"filled": 0.002}, "filled 0.002 is more than the amount 0.001"),
        ({"filled": float("nan")}, "not a finite number"),
        ({"amount": float("inf")}, "not a finite number"),
        ({"price": "NaN"}, "unreadable: not a finite number: NaN"),
        ({"status": "weird"}, "order status 'weird' is not known"),
        ({"trades": [{"id": "1", "price": 100.0, "amount": -0.001}]}, "fill amount is not above"),
        ({"trades": [{"id": "1", "amount": 0.001}]}, "fill price is not above zero"),
        (
            {"trades": [{"id": "1", "price": 1.0, "amount": 0.001, "fee": {"cost": float("inf")}}]},
            "not a finite number",
        ),
        (
            {
                "filled": 0.001,
                "trades": [
                    {"id": "1", "price": 1.0, "amount": 0.001},
                    {"id": "2", "price": 1.0, "amount": 0.001},
                ],
            },
            "fills add up to 0.002, more than the amount 0.001",
        ),
    ],
)
def test_a_payload_that_cannot_be_right_is_a_classified_refusal(fields, problem) -> None:
    with pytest.raises(VenuePayloadError) as caught:
        report_from_ccxt(ccxt_order(**fields))
    err = caught.value
    assert isinstance(err, VenueError) and err.kind is ErrorKind.BAD_PAYLOAD
    assert not isinstance(err, OrderRejectedError)  # on a write: outcome unknown, not "no"
    assert str(err).startswith("the venue sent an order that cannot be right (order 42): ")
    assert problem in str(err)
    assert "\n" not in str(err)


def test_a_negative_rebate_fee_is_a_real_fill() -> None:
    trade = {"id": "1", "price": 1.0, "amount": 0.001, "fee": {"cost": -0.0001, "currency": "X"}}
    report = report_from_ccxt(ccxt_order(filled=0.001, status="closed", trades=[trade]))
    assert report.fills[0].fee == D("-0.0001")


def test_a_stream_fill_that_cannot_be_right_is_refused() -> None:
    with pytest.raises(VenuePayloadError) as caught:
        fill_from_ccxt({"id": "7", "symbol": "BTC/USDT", "price": -3.0, "amount": 1.0})
    assert str(caught.value) == (
        "the venue sent a trade that cannot be right (trade 7): fill price is not above zero (-3)"
    )


_NUMBER = st.one_of(
    st.none(),
    st.floats(),
    st.integers(-(10**30), 10**30),
    st.text(max_size=8),
    st.sampled_from(["", "NaN", "inf", "-1", "1e400", "0"]),
)
_TRADE = st.fixed_dictionaries(
    {},
    optional={
        "id": st.one_of(st.none(), st.text(max_size=6), st.integers()),
        "price": _NUMBER,
        "amount": _NUMBER,
        "fee": st.one_of(st.none(), st.fixed_dictionaries({}, optional={"cost": _NUMBER})),
        "takerOrMaker": st.sampled_from(["maker", "taker", None]),
    },
)
_ORDER = st.fixed_dictionaries(
    {"symbol": st.just("BTC/USDT")},
    optional={
        "id": st.one_of(st.none(), st.text(max_size=8), st.integers()),
        "status": st.sampled_from(["open", "closed", "canceled", "expired", "rejected", "x"]),
        "side": st.sampled_from(["buy", "sell", None, 3]),
        "type": st.sampled_from(["limit", "market", None]),
        "amount": _NUMBER,
        "price": _NUMBER,
        "filled": _NUMBER,
        "average": _NUMBER,
        "remaining": _NUMBER,
        "triggerPrice": _NUMBER,
        "trades": st.one_of(st.none(), st.lists(_TRADE, max_size=3)),
    },
)


def _valid(value: Decimal | None) -> bool:
    return value is None or (value.is_finite() and value >= 0)


@settings(max_examples=400, deadline=None, database=None)
@given(payload=_ORDER)
def test_any_payload_gives_a_report_that_can_be_right_or_a_payload_error(payload) -> None:
    try:
        r = report_from_ccxt(payload)
    except VenuePayloadError as exc:
        assert exc.kind is ErrorKind.BAD_PAYLOAD and "\n" not in str(exc)
        return
    # anything else raised fails the test: nothing but the classified error may escape
    for value in (r.amount, r.price, r.filled, r.average_price, r.trigger_price):
        assert _valid(value), r
    assert r.amount is None or r.filled <= r.amount
    for f in r.fills:
        assert f.price.is_finite() and f.price > 0 and f.amount.is_finite() and f.amount > 0
        assert f.fee.is_finite()
    assert r.amount is None or sum((f.amount for f in r.fills), D(0)) <= r.amount


def test_a_refusal_names_an_unprintable_order_id_on_one_line() -> None:
    with pytest.raises(VenuePayloadError) as caught:
        report_from_ccxt({"id": "7\n\r\x1b[2J", "status": "open", "amount": 0.0, "filled": 1.0})
    assert "\n" not in str(caught.value) and "\x1b" not in str(caught.value)
    assert "(order 7" in str(caught.value)
