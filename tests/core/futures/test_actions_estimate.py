"""The orders behind the positions panel's buttons, and the ticket's estimates."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from terminal.core.futures.actions import PositionActionError, close_requests, reverse_requests
from terminal.core.futures.estimate import estimate_order, liquidation_price
from terminal.domain.enums import OrderType, Side, VenueMode
from terminal.domain.ids import AccountLabel, Symbol, VenueId
from terminal.domain.position import LeverageTier, MarginMode, Position, PositionSide
from terminal.domain.session import MarketType, SessionKey

KEY = SessionKey(VenueId("paper"), VenueMode.PAPER, AccountLabel("default"), MarketType.PERP)
BTC = Symbol("BTC/USDT:USDT")
TIERS = [LeverageTier(D(0), D(50000), D(125), D("0.004"), D(0))]


def pos(side=PositionSide.LONG, size="0.05", hedged=False, mode=MarginMode.CROSS, wallet=None):
    return Position(
        BTC, side, D(size), D(1), D(60000), D(60000), D(0), None,
        D(size) * 6000, D(size) * 240, D(10), mode, hedged, wallet,
    )  # fmt: skip


def test_close_full_half_and_at_a_price_are_reduce_only() -> None:
    (full,) = close_requests(KEY, pos())
    assert (full.side, full.amount, full.type, full.reduce_only) == (
        Side.SELL, D("0.05"), OrderType.MARKET, True,
    )  # fmt: skip
    assert full.session == KEY  # sent by the perpetual session, never the spot one
    (half,) = close_requests(KEY, pos(), fraction=D("0.5"), step=D("0.001"))
    assert half.amount == D("0.025")
    (odd,) = close_requests(KEY, pos(size="0.003"), fraction=D("0.5"), step=D("0.001"))
    assert odd.amount == D("0.001")  # rounded down to the step: never more than asked
    (limit,) = close_requests(KEY, pos(PositionSide.SHORT), price=D(61000))
    assert (limit.side, limit.type, limit.price, limit.reduce_only) == (
        Side.BUY, OrderType.LIMIT, D(61000), True,
    )  # fmt: skip
    with pytest.raises(PositionActionError, match="below the contract step"):
        close_requests(KEY, pos(size="0.001"), fraction=D("0.5"), step=D("0.001"))
    with pytest.raises(PositionActionError, match=r"in \(0, 1\]"):
        close_requests(KEY, pos(), fraction=D("1.5"))
    with pytest.raises(PositionActionError, match="above zero"):
        close_requests(KEY, pos(), price=D(0))


def test_reverse_one_way_is_one_order_of_twice_the_size_hedge_is_two() -> None:
    (one,) = reverse_requests(KEY, pos())
    assert (one.side, one.amount, one.reduce_only) == (Side.SELL, D("0.10"), False)
    close, open_ = reverse_requests(KEY, pos(hedged=True))
    assert (close.side, close.amount, close.reduce_only) == (Side.SELL, D("0.05"), True)
    assert (open_.side, open_.amount, open_.reduce_only) == (Side.SELL, D("0.05"), False)


def est(side, amount, positions, *, reduce_only=False, hedged=False, mode=MarginMode.CROSS):
    return estimate_order(
        side=side, amount=D(amount), price=D(60000), is_market=True, leverage=D(10),
        margin_mode=mode, hedged=hedged, reduce_only=reduce_only, taker_fee=D("0.0005"),
        maker_fee=D("0.0002"), tiers=TIERS, positions=positions, symbol=BTC, account=None,
    )  # fmt: skip


def test_estimate_margin_counts_only_what_the_order_opens() -> None:
    assert est(Side.BUY, "0.02", []).initial_margin == D(120)
    assert est(Side.BUY, "0.02", [pos()]).initial_margin == D(120)  # adds 0.02
    closing = est(Side.SELL, "0.02", [pos()])
    assert closing.initial_margin == 0 and closing.resulting_size == D("0.03")
    flip = est(Side.SELL, "0.08", [pos()])
    assert flip.resulting_size == D("-0.03") and flip.initial_margin == D(180)
    capped = est(Side.SELL, "0.08", [pos()], reduce_only=True)
    assert capped.resulting_size == 0 and capped.initial_margin == 0
    assert capped.fee == D("0.08") * D(60000) * D("0.0005")
    # hedge mode: a sell opens a short beside the long
    assert est(Side.SELL, "0.02", [pos(hedged=True)], hedged=True).resulting_size == D("-0.02")


def test_isolated_liquidation_price_is_binances_formula() -> None:
    # long 0.02 at 60000, 10x isolated: WB = 120; LP = (120 + 0 - 0.02*60000) /
    # (0.02*0.004 - 0.02) = -1080 / -0.01992
    e = est(Side.BUY, "0.02", [], mode=MarginMode.ISOLATED)
    assert e.liquidation_price == D(-1080) / D("-0.01992")
    short = liquidation_price(D(120), D("-0.02"), D(60000), TIERS)
    assert short == D(1320) / D("0.02008")
    assert liquidation_price(D(10**6), D("0.02"), D(60000), TIERS) is None
