"""Derived position figures: notional, ROE, margin ratio, PnL at a price."""

from __future__ import annotations

from decimal import Decimal as D

from terminal.domain.ids import Symbol
from terminal.domain.position import (
    MarginAccount,
    MarginMode,
    Position,
    PositionSide,
    cross_margin_ratio_percent,
)


def pos(side=PositionSide.LONG, mode=MarginMode.CROSS, wallet=None) -> Position:
    return Position(
        symbol=Symbol("BTC/USDT:USDT"),
        side=side,
        size=D("0.5"),
        contract_size=D(1),
        entry_price=D(60000),
        mark_price=D(61000),
        unrealized_pnl=D(500) if side is PositionSide.LONG else D(-500),
        liquidation_price=None,
        initial_margin=D(3050),
        maintenance_margin=D(122),
        leverage=D(10),
        margin_mode=mode,
        hedged=False,
        isolated_wallet=wallet,
    )


def test_notional_roe_and_pnl_at() -> None:
    p = pos()
    assert p.notional == D(30500)
    assert p.roe_percent is not None and abs(p.roe_percent - D("16.3934")) < D("0.0001")
    assert p.pnl_at(D(59000)) == D(-500)
    assert pos(PositionSide.SHORT).pnl_at(D(59000)) == D(500)
    assert pos(PositionSide.SHORT).signed_size == D("-0.5")
    assert PositionSide.LONG.closing_side.value == "sell"


def test_margin_ratio_isolated_and_cross() -> None:
    iso = pos(mode=MarginMode.ISOLATED, wallet=D(3000))
    assert iso.margin == D(3000)
    assert iso.margin_ratio_percent() == D(122) / D(3500) * 100
    cross = pos()
    assert cross.margin_ratio_percent() is None  # needs the account's balance
    account = MarginAccount("USDT", D(10000), D(6000), D(9000), D(500))
    assert cross_margin_ratio_percent([cross, iso], account) == D(122) / D(9500) * 100
    broke = MarginAccount("USDT", D(0), D(0), D(-10), D(0))
    assert cross_margin_ratio_percent([cross], broke) == D(100)
