"""Pre-trade precautions: each rule refuses with its name and numbers."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from terminal.core.ports import GateContext
from terminal.core.safety import PrecautionConfig, Precautions
from terminal.core.safety import precautions as P
from terminal.domain.enums import OrderType, Side, VenueMode
from terminal.domain.ids import Symbol, VenueId
from terminal.domain.order import OrderRequest
from terminal.settings import PrecautionSettings
from tests.core.test_safety_support import balances, btc_usdt_rules


def req(
    side=Side.BUY,
    type_=OrderType.LIMIT,
    amount="0.01",
    price="50000",
    venue="paper",
    symbol="BTC/USDT",
    post_only=False,
):
    return OrderRequest(
        venue=VenueId(venue),
        symbol=Symbol(symbol),
        side=side,
        type=type_,
        amount=amount if not isinstance(amount, str) else D(amount),
        price=price if not isinstance(price, str) else D(price),
        post_only=post_only,
        mode=VenueMode.PAPER,
    )


def ctx(ref="50000", bal=None, market=None, confirmed=()):
    return GateContext(
        market=market or btc_usdt_rules(),
        mode=VenueMode.PAPER,
        reference_price=D(ref) if ref is not None else None,
        balances=bal if bal is not None else balances(USDT="100000", BTC="10"),
        confirmed=frozenset(confirmed),
    )


def rules(refusals):
    return [r.rule for r in refusals]


def test_a_sane_order_passes():
    assert Precautions().check(req(), ctx()) == []
    assert Precautions().check(req(type_=OrderType.MARKET, price=None), ctx()) == []


@pytest.mark.parametrize(
    "amount,price",
    [
        (D("0"), D("1")),
        (D("-1"), D("1")),
        (D("NaN"), D("1")),
        (D("Infinity"), D("1")),
        (0.5, D("1")),
        (D("1"), None),
        (D("1"), D("0")),
        (D("1"), D("-5")),
        (D("1"), 1.5),
        (D("1"), D("sNaN")),
    ],
)
def test_price_and_amount_must_be_positive_finite_decimals(amount, price):
    out = Precautions().check(req(amount=amount, price=price), ctx())
    assert rules(out) and set(rules(out)) == {P.INVALID_VALUE}
    assert not any(r.overridable for r in out)


def test_unknown_market_is_refused():
    out = Precautions().check(req(), GateContext(market=None, mode=VenueMode.PAPER))
    assert rules(out) == [P.MARKET_UNKNOWN]


def test_market_rules_are_checked_locally_with_numbers():
    out = Precautions().check(req(amount="0.000011", price="50000.001"), ctx())
    names = rules(out)
    assert "amount_step" in names and "price_tick" in names
    tick = next(r for r in out if r.rule == "price_tick")
    assert tick.values["limit"] == "0.01" and not tick.overridable
    small = Precautions().check(req(amount="0.00001", price="50000"), ctx())
    assert rules(small) == ["min_notional"] and "below the minimum 5" in small[0].message


def test_max_notional_per_venue_and_quote():
    cfg = PrecautionConfig(max_notional={"*": D("50000"), "paper": D("1000"), "*:BTC": D("1")})
    out = Precautions(cfg).check(req(amount="0.1"), ctx())  # 5000 USDT > 1000 on paper
    assert rules(out) == [P.MAX_ORDER_NOTIONAL]
    assert out[0].values == {"notional": "5000", "limit": "1000", "quote": "USDT", "key": "paper"}
    assert "5000" in out[0].message and "1000 USDT" in out[0].message
    assert Precautions(cfg).check(req(amount="0.1", venue="binance"), ctx()) == []
    eth_btc = btc_usdt_rules(
        symbol=Symbol("ETH/BTC"), base="ETH", quote="BTC", min_notional=None, tick_size=D("0.00001")
    )
    out = Precautions(cfg).check(
        req(symbol="ETH/BTC", amount="30", price="0.05", venue="binance"),
        ctx(ref="0.05", market=eth_btc, bal=balances(BTC="100")),
    )
    assert rules(out) == [P.MAX_ORDER_NOTIONAL] and out[0].values["key"] == "*:BTC"


def test_limit_price_deviation_is_overridable():
    out = Precautions().check(req(price="53000"), ctx(ref="50000"))  # 6 %
    assert rules(out) == [P.PRICE_DEVIATION] and out[0].overridable
    assert out[0].values["deviation_pct"] == "6.0000" and out[0].values["limit_pct"] == "5"
    assert Precautions().check(req(price="52400"), ctx(ref="50000")) == []  # 4.8 %


def test_limit_without_reference_price_needs_confirmation():
    out = Precautions().check(req(), ctx(ref=None))
    assert rules(out) == [P.PRICE_DEVIATION] and out[0].overridable


def test_market_order_above_size_needs_confirmation_and_a_reference():
    out = Precautions().check(req(type_=OrderType.MARKET, price=None, amount="0.03"), ctx())
    assert rules(out) == [P.MARKET_ORDER_CONFIRM] and out[0].overridable
    assert out[0].values["notional"] == "1500" and out[0].values["limit"] == "1000"
    out = Precautions().check(req(type_=OrderType.MARKET, price=None), ctx(ref=None))
    assert rules(out) == [P.REFERENCE_PRICE_MISSING] and not out[0].overridable


def test_balance_buy_includes_fee_and_sell_needs_base():
    # 0.01 * 50000 = 500 USDT + 0.1 % fee = 500.5
    out = Precautions().check(req(), ctx(bal=balances(USDT="500.4")))
    assert rules(out) == [P.INSUFFICIENT_BALANCE] and not out[0].overridable
    assert out[0].values == {"asset": "USDT", "needed": "500.5", "free": "500.4"}
    assert Precautions().check(req(), ctx(bal=balances(USDT="500.5"))) == []
    out = Precautions().check(req(side=Side.SELL), ctx(bal=balances(BTC="0.009")))
    assert rules(out) == [P.INSUFFICIENT_BALANCE] and out[0].values["asset"] == "BTC"
    out = Precautions().check(
        req(),
        GateContext(market=btc_usdt_rules(), mode=VenueMode.PAPER, reference_price=D("50000")),
    )
    assert rules(out) == [P.BALANCE_UNKNOWN]


def test_checks_can_be_switched_off_in_settings():
    s = PrecautionSettings(
        max_notional={},
        max_price_deviation_pct="",
        confirm_market_above_notional="0",
        check_balance=False,
    )
    p = Precautions(PrecautionConfig.from_settings(s))
    assert p.check(req(price="90000", amount="10"), ctx(bal=balances())) == []
    assert p.check(req(type_=OrderType.MARKET, price=None, amount="5"), ctx(bal=balances())) == []


def test_settings_defaults_are_on_and_garbage_keeps_the_safe_default():
    cfg = PrecautionConfig.from_settings(PrecautionSettings())
    assert cfg.max_notional["*"] == D("50000") and cfg.max_price_deviation_pct == D("5")
    assert cfg.confirm_market_above_notional == D("1000") and cfg.check_balance
    assert cfg.notional_cap("binance", "BTC") == ("*:BTC", D("1"))
    assert cfg.notional_cap("binance", "USDT") == ("*", D("50000"))
    assert cfg.default_fee_rate == D("0.001")
    bad = PrecautionConfig.from_settings(
        PrecautionSettings(
            max_notional={"*": "lots"},
            max_price_deviation_pct="abc",
            confirm_market_above_notional="-3",
            check_balance=True,
        )
    )
    assert bad.max_notional["*"] == D("50000") and bad.max_price_deviation_pct == D("5")
    assert bad.confirm_market_above_notional == D("1000")


def test_settings_numbers_are_read_as_typed_numbers_never_guessed(caplog):
    cfg = PrecautionConfig.from_settings(
        PrecautionSettings(
            max_notional={"*": "1e9", "binance": "1,500", "kraken": "2,5", "okx": "0"},
            max_price_deviation_pct="0.0",
            confirm_market_above_notional="500",
            check_balance=True,
        )
    )
    assert cfg.max_notional["*"] == D("50000")  # '1e9' would lift the cap: refused
    assert cfg.max_notional["binance"] == D("50000")  # ambiguous: the safe default
    assert cfg.max_notional["kraken"] == D("2.5") and "okx" not in cfg.max_notional
    assert cfg.max_price_deviation_pct is None  # 0 switches the check off
    assert cfg.confirm_market_above_notional == D("500")
    warned = " ".join(r.getMessage() for r in caplog.records)
    assert "scientific notation" in warned and "ambiguous" in warned


def test_refusal_messages_and_values_write_numbers_plainly():
    texts = []
    for amount, price in (
        ("-1", "50000"),
        ("1E+12", "50000"),
        ("0.0100000", "1E+5"),
        ("1.1200000", "49999.9900000"),
    ):
        for r in Precautions().check(req(amount=amount, price=price), ctx()):
            texts.append(r.message)
            texts.extend(str(v) for v in r.values.values())
    assert texts
    joined = " | ".join(texts)
    assert "Decimal(" not in joined and "E+" not in joined and "E-" not in joined
    assert "1.1200000" not in joined and "0.0100000" not in joined
    assert "got -1" in joined and "1000000000000" in joined
