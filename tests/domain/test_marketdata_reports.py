from __future__ import annotations

from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from terminal.domain.enums import OrderType, Side
from terminal.domain.ids import ClientOrderId, Symbol, TradeId, VenueId, VenueOrderId
from terminal.domain.marketdata import (
    Balance,
    Balances,
    BookLevel,
    BookView,
    Candle,
    bucket_start,
    cumulative,
    group_levels,
    timeframe_ms,
)
from terminal.domain.order import (
    EventSource,
    Order,
    OrderAccepted,
    OrderCanceled,
    OrderFilled,
    OrderStatus,
)
from terminal.domain.reports import FillReport, OrderReport, events_for_report, missing_fill_amount

SYM = Symbol("BTC/USDT")


def book():
    return BookView(
        SYM,
        bids=(
            BookLevel(D("100.07"), D("1")),
            BookLevel(D("100.03"), D("2")),
            BookLevel(D("99.99"), D("3")),
        ),
        asks=(
            BookLevel(D("100.11"), D("1")),
            BookLevel(D("100.18"), D("4")),
            BookLevel(D("100.21"), D("5")),
        ),
    )


def test_book_top_spread_mid():
    b = book()
    assert b.best_bid.price == D("100.07") and b.best_ask.price == D("100.11")
    assert b.spread == D("0.04") and b.mid == D("100.09")
    assert not b.is_crossed
    assert len(b.top(2).bids) == 2
    empty = BookView(SYM, (), ())
    assert empty.mid is None and empty.spread is None and empty.best_bid is None


def test_grouping_floors_bids_and_ceils_asks():
    g = book().grouped(D("0.1"))
    assert [(lv.price, lv.amount) for lv in g.bids] == [(D("100.0"), D("3")), (D("99.9"), D("3"))]
    assert [(lv.price, lv.amount) for lv in g.asks] == [(D("100.2"), D("5")), (D("100.3"), D("5"))]
    with pytest.raises(ValueError):
        group_levels(book().bids, D("0"), Side.BUY)


@given(
    st.lists(st.tuples(st.integers(1, 100000), st.integers(1, 1000)), min_size=1, max_size=60),
    st.sampled_from([D("0.01"), D("0.1"), D("1"), D("5")]),
)
def test_grouping_preserves_total_and_order(raw, step):
    prices = sorted({p for p, _ in raw}, reverse=True)
    levels = [
        BookLevel(D(p) / 100, D(a)) for p, a in zip(prices, [a for _, a in raw], strict=False)
    ]
    grouped = group_levels(levels, step, Side.BUY)
    assert sum(lv.amount for lv in grouped) == sum(lv.amount for lv in levels)
    assert [lv.price for lv in grouped] == sorted({lv.price for lv in grouped}, reverse=True)
    assert all(lv.price % step == 0 for lv in grouped)


def test_cumulative():
    assert cumulative(book().asks) == [D("1"), D("5"), D("10")]


def test_candles_and_timeframes():
    Candle(0, D("1"), D("2"), D("0.5"), D("1.5"), D("10"))
    with pytest.raises(ValueError):
        Candle(0, D("1"), D("1.2"), D("0.5"), D("1.5"), D("10"))
    assert timeframe_ms("4h") == 14_400_000
    assert bucket_start(3_600_000 * 5 + 17, "1h") == 3_600_000 * 5
    with pytest.raises(ValueError):
        timeframe_ms("2m")


def test_balances_combine():
    a = Balances({"USDT": Balance("USDT", D("10"), D("5")), "BTC": Balance("BTC", D("1"), D("0"))})
    b = Balances({"USDT": Balance("USDT", D("1"), D("0"))})
    c = Balances.combine([a, b])
    assert c.get("USDT").total == D("16") and c.free("BTC") == D("1")
    assert c.free("ETH") == D("0")
    assert {x.asset for x in Balances({"X": Balance("X", D(0), D(0))}).non_zero()} == set()


def _order(status=OrderStatus.PENDING_SUBMIT):
    return Order(
        client_order_id=ClientOrderId("tt1"),
        venue=VenueId("paper"),
        symbol=SYM,
        side=Side.BUY,
        type=OrderType.LIMIT,
        amount=D("2"),
        price=D("100"),
        status=status,
    )


def _apply(order, events):
    for e in events:
        order.apply(e)


def test_report_brings_unknown_order_to_partially_filled():
    order = _order(OrderStatus.UNKNOWN)
    report = OrderReport(
        symbol=SYM,
        status=OrderStatus.PARTIALLY_FILLED,
        client_order_id=order.client_order_id,
        venue_order_id=VenueOrderId("9"),
        filled=D("1"),
        fills=(FillReport(TradeId("t1"), SYM, D("100"), D("1")),),
    )
    events = events_for_report(order, report, EventSource.QUERY)
    assert [type(e) for e in events] == [OrderAccepted, OrderFilled]
    _apply(order, events)
    assert order.status is OrderStatus.PARTIALLY_FILLED and order.venue_order_id == "9"
    assert events_for_report(order, report, EventSource.QUERY) == []


def test_report_canceled_with_missing_fills():
    order = _order(OrderStatus.OPEN)
    order.venue_order_id = VenueOrderId("9")
    report = OrderReport(symbol=SYM, status=OrderStatus.CANCELED, filled=D("0.5"))
    events = events_for_report(order, report, EventSource.RECONCILIATION)
    assert [type(e) for e in events] == [OrderCanceled]
    assert missing_fill_amount(order, report) == D("0.5")
    _apply(order, events)
    assert order.status is OrderStatus.CANCELED
