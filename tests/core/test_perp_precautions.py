"""Precautions of perpetual orders: the symbol's leverage and the position an order
leaves against their caps per venue and symbol, the venue's allowed symbols, and the
margin (not the notional) checked against the free settlement currency; an order that
may only shrink a position passes them all."""

from __future__ import annotations

from decimal import Decimal as D

from terminal.core.ports import GateContext
from terminal.core.safety import PrecautionConfig, Precautions
from terminal.core.safety import precautions as P
from terminal.domain.enums import OrderType, Side, VenueMode
from terminal.domain.ids import Symbol, VenueId
from terminal.domain.order import OrderRequest
from terminal.domain.session import MarketType
from terminal.settings import PrecautionSettings
from tests.core.test_safety_support import balances, btc_usdt_rules

PERP = Symbol("BTC/USDT:USDT")


def order(side=Side.BUY, amount="0.1", reduce_only=False, symbol=PERP, market=MarketType.PERP):
    return OrderRequest(
        VenueId("paper"),
        Symbol(symbol),
        side,
        OrderType.MARKET,
        D(amount),
        mode=VenueMode.PAPER,
        market=market,
        reduce_only=reduce_only,
    )


def ctx(leverage="5", position="0", usdt="10000", symbol=PERP):
    return GateContext(
        market=btc_usdt_rules(symbol=Symbol(symbol)),
        mode=VenueMode.PAPER,
        reference_price=D("50000"),
        balances=balances(USDT=usdt),
        leverage=D(leverage) if leverage is not None else None,
        position_size=D(position),
    )


def checks(settings: PrecautionSettings) -> Precautions:
    settings.confirm_market_above_notional = ""
    return Precautions(PrecautionConfig.from_settings(settings))


def rules_of(refusals):
    return {r.rule for r in refusals}


def test_leverage_cap_per_venue_and_symbol() -> None:
    s = PrecautionSettings(max_leverage={"*": "20", "paper:BTC/USDT:USDT": "3"})
    (refusal,) = checks(s).check(order(), ctx(leverage="5"))
    assert refusal.rule == P.MAX_LEVERAGE
    assert (
        "leverage 5x" in refusal.message and "max_leverage[paper:BTC/USDT:USDT]" in refusal.message
    )
    assert "\n" not in refusal.message
    assert not checks(s).check(order(), ctx(leverage="3"))
    assert not checks(s).check(order(reduce_only=True), ctx(leverage="5", position="0.2"))


def test_position_notional_counts_what_is_held() -> None:
    s = PrecautionSettings(max_position_notional={"*": "10000"})
    # 0.1 BTC at 50000 = 5000: passes alone, not on top of a long of 0.15 (12500)
    assert not checks(s).check(order(amount="0.1"), ctx(position="0"))
    (refusal,) = checks(s).check(order(amount="0.1"), ctx(position="0.15"))
    assert refusal.rule == P.MAX_POSITION_NOTIONAL and "12500" in refusal.message
    # a sell that shrinks a long is never refused by the cap
    assert not checks(s).check(order(side=Side.SELL, amount="0.1"), ctx(position="0.3"))


def test_allowed_symbols_per_venue() -> None:
    s = PrecautionSettings(allowed_symbols={"paper": ["ETH/USDT:USDT"]})
    (refusal,) = checks(s).check(order(), ctx())
    assert refusal.rule == P.SYMBOL_NOT_ALLOWED and "allowed_symbols[paper]" in refusal.message
    other = PrecautionSettings(allowed_symbols={"binance": ["ETH/USDT"]})
    assert not checks(other).check(order(), ctx())


def test_perp_margin_not_notional_and_a_short_needs_no_base() -> None:
    s = PrecautionSettings(max_notional={"*": ""})
    # 1 BTC at 50000, 5x: margin 10000 + fee 50 > 10000 free
    (refusal,) = checks(s).check(order(amount="1"), ctx(usdt="10000"))
    assert refusal.rule == P.INSUFFICIENT_BALANCE and "margin" in refusal.message
    assert not checks(s).check(order(amount="1"), ctx(usdt="10100"))
    assert not checks(s).check(order(side=Side.SELL, amount="1"), ctx(usdt="10100"))
    (unknown,) = checks(s).check(order(), ctx(leverage=None))
    assert unknown.rule == P.BALANCE_UNKNOWN
