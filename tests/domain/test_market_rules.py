"""Market rules from ccxt markets, rounding and validation, with property-based edges."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from terminal.domain.enums import OrderType, RoundingMode, Side
from terminal.domain.market import (
    CCXT_DECIMAL_PLACES,
    CCXT_SIGNIFICANT_DIGITS,
    MarketRules,
    round_to_step,
)

CCXT_BTCUSDT = {
    "symbol": "BTC/USDT",
    "base": "BTC",
    "quote": "USDT",
    "active": True,
    "maker": 0.001,
    "taker": 0.001,
    "precision": {"amount": 1e-05, "price": 0.01},
    "limits": {
        "amount": {"min": 1e-05, "max": 9000.0},
        "price": {"min": 0.01, "max": 1000000.0},
        "cost": {"min": 5.0, "max": 9000000.0},
    },
    "info": {"orderTypes": ["LIMIT", "LIMIT_MAKER", "MARKET"]},
}
RULES = MarketRules.from_ccxt_market(CCXT_BTCUSDT)


def test_from_ccxt_market_is_exact():
    assert RULES.tick_size == Decimal("0.01")
    assert RULES.step_size == Decimal("0.00001")
    assert RULES.min_amount == Decimal("0.00001")
    assert RULES.min_notional == Decimal("5")
    assert RULES.max_price == Decimal("1000000")
    assert RULES.taker_fee == Decimal("0.001")
    assert RULES.order_types == {"LIMIT", "LIMIT_MAKER", "MARKET"}
    assert RULES.price_places() == 2 and RULES.amount_places() == 5


def test_decimal_places_mode_and_missing_values():
    m = dict(CCXT_BTCUSDT, precision={"amount": 3, "price": 1}, limits={})
    r = MarketRules.from_ccxt_market(m, precision_mode=CCXT_DECIMAL_PLACES)
    assert r.tick_size == Decimal("0.1") and r.step_size == Decimal("0.001")
    assert r.min_notional is None and r.min_amount is None
    r2 = MarketRules.from_ccxt_market(m, precision_mode=CCXT_SIGNIFICANT_DIGITS)
    assert r2.tick_size is None
    assert r2.round_price(Decimal("1.23456")) == Decimal("1.23456")


@pytest.mark.parametrize(
    "price,mode,side,expected",
    [
        ("100.005", RoundingMode.NEAREST, None, "100.01"),
        ("100.004", RoundingMode.NEAREST, None, "100.00"),
        ("100.009", RoundingMode.PASSIVE, Side.BUY, "100.00"),
        ("100.001", RoundingMode.PASSIVE, Side.SELL, "100.01"),
        ("100.001", RoundingMode.AGGRESSIVE, Side.BUY, "100.01"),
        ("100.009", RoundingMode.AGGRESSIVE, Side.SELL, "100.00"),
        ("100.01", RoundingMode.PASSIVE, Side.BUY, "100.01"),
    ],
)
def test_round_price_examples(price, mode, side, expected):
    assert RULES.round_price(Decimal(price), mode, side) == Decimal(expected)
    assert str(RULES.round_price(Decimal(price), mode, side)) == expected


def test_round_amount_truncates():
    assert RULES.round_amount(Decimal("0.123456789")) == Decimal("0.12345")
    assert RULES.round_amount(Decimal("0.000009")) == Decimal("0")


def test_validate_names_each_rule_with_numbers():
    v = RULES.validate(Side.BUY, OrderType.LIMIT, Decimal("0.000015"), Decimal("100.001"))
    rules = {x.rule for x in v}
    assert {"amount_step", "price_tick", "min_notional"} <= rules
    notional = next(x for x in v if x.rule == "min_notional")
    assert notional.limit == Decimal("5") and "USDT" in notional.message
    assert RULES.validate(Side.BUY, OrderType.LIMIT, Decimal("0.01"), Decimal("25000")) == []
    assert [
        x.rule for x in RULES.validate(Side.SELL, OrderType.LIMIT, Decimal("-1"), Decimal("1"))
    ] == ["amount_positive"]
    assert [x.rule for x in RULES.validate(Side.SELL, OrderType.LIMIT, Decimal("1"), None)] == [
        "price_required"
    ]
    assert [
        x.rule for x in RULES.validate(Side.SELL, OrderType.LIMIT, Decimal("1"), Decimal("0"))
    ] == ["price_positive"]
    big = RULES.validate(Side.BUY, OrderType.LIMIT, Decimal("9001"), Decimal("2000000"))
    assert {"max_amount", "max_price", "max_notional"} <= {x.rule for x in big}


def test_market_order_notional_uses_reference_price():
    assert RULES.validate(Side.BUY, OrderType.MARKET, Decimal("0.0001")) == []
    v = RULES.validate(
        Side.BUY, OrderType.MARKET, Decimal("0.0001"), reference_price=Decimal("100")
    )
    assert [x.rule for x in v] == ["min_notional"]


def test_inactive_market_refused():
    r = MarketRules.from_ccxt_market(dict(CCXT_BTCUSDT, active=False))
    assert "market_inactive" in {
        x.rule for x in r.validate(Side.BUY, OrderType.LIMIT, Decimal("1"), Decimal("100"))
    }


# ---- properties ---------------------------------------------------------------------
steps = st.sampled_from([Decimal(s) for s in ("0.01", "0.00001", "0.5", "1", "5", "0.0025", "10")])
values = st.decimals(
    min_value=Decimal("0"),
    max_value=Decimal("10000000"),
    allow_nan=False,
    allow_infinity=False,
    places=8,
)


@given(values, steps)
def test_truncation_never_rounds_up_and_lands_on_grid(value, step):
    out = round_to_step(value, step, "ROUND_DOWN")
    assert out <= value
    assert value - out < step
    assert out % step == 0


@given(values, steps, st.sampled_from(list(Side)))
def test_passive_rounding_never_crosses(value, step, side):
    r = MarketRules(symbol=RULES.symbol, base="BTC", quote="USDT", tick_size=step)
    out = r.round_price(value, RoundingMode.PASSIVE, side)
    assert out % step == 0
    assert abs(out - value) < step
    if side is Side.BUY:
        assert out <= value
    else:
        assert out >= value


@given(values, steps)
def test_nearest_rounding_is_within_half_a_tick(value, step):
    r = MarketRules(symbol=RULES.symbol, base="BTC", quote="USDT", tick_size=step)
    out = r.round_price(value)
    assert abs(out - value) <= step / 2
    assert out % step == 0


@settings(max_examples=300)
@given(
    st.decimals(min_value=Decimal("0.00001"), max_value=Decimal("100"), places=6),
    st.decimals(min_value=Decimal("0.01"), max_value=Decimal("200000"), places=3),
)
def test_rounded_orders_pass_grid_rules_and_notional_is_exact(amount, price):
    a = RULES.round_amount(amount)
    p = RULES.round_price(price)
    v = RULES.validate(Side.BUY, OrderType.LIMIT, a, p)
    rules = {x.rule for x in v}
    assert "amount_step" not in rules and "price_tick" not in rules
    if a > 0 and p > 0:
        assert ("min_notional" in rules) == (a * p < Decimal("5"))
        assert ("min_amount" in rules) == (a < Decimal("0.00001"))
