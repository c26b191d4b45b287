"""The local venue's matching rules, on the real paper engine with a live book and live
trades given by hand (no network): queue position, trading through, market orders
walking the book, the market's fees, filters and precision, persistence."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from terminal.core.errors import OrderNotFoundError, OrderRejectedError
from terminal.domain.enums import OrderType, Side, VenueMode
from terminal.domain.ids import ClientOrderId, Symbol, VenueId
from terminal.domain.market import MarketRules
from terminal.domain.marketdata import BookLevel, Trade
from terminal.domain.order import Order, OrderStatus
from terminal.livepaper.venue import LocalVenue

BTC = Symbol("BTC/USDT")
D = Decimal
RULES = MarketRules(
    BTC,
    "BTC",
    "USDT",
    tick_size=D("0.5"),
    step_size=D("0.0001"),
    min_amount=D("0.0001"),
    min_notional=D(5),
    maker_fee=D("0.0002"),
    taker_fee=D("0.0007"),
)
_ids = iter(range(1, 10_000))


def venue(tmp: Path | None = None, usdt: str = "10000", reset: bool = False) -> LocalVenue:
    return LocalVenue(
        "binance",
        {BTC: RULES},
        lambda: 1_000,
        balances={"USDT": D(usdt)},
        data_dir=tmp,
        reset=reset,
    )


def levels(*pairs: tuple[str, str]) -> list[BookLevel]:
    return [BookLevel(D(p), D(q)) for p, q in pairs]


BIDS = levels(("100", "1"), ("99.5", "2"), ("99", "3"))
ASKS = levels(("100.5", "1"), ("101", "2"), ("101.5", "3"))


def order(side: Side, kind: OrderType, amount: str, price: str | None = None) -> Order:
    return Order(
        ClientOrderId(f"t{next(_ids)}"),
        VenueId("binance"),
        BTC,
        side,
        kind,
        D(amount),
        D(price) if price else None,
        mode=VenueMode.PAPER_LIVE,
    )


def trade(price: str, amount: str, taker: Side) -> Trade:
    return Trade(BTC, None, 2_000, D(price), D(amount), taker)


def test_a_resting_buy_waits_for_the_queue_ahead_then_fills_at_its_price() -> None:
    v = venue()
    v.sync_book(BTC, BIDS, ASKS)
    buy = v.place(order(Side.BUY, OrderType.LIMIT, "0.5", "99.5"))  # 2 BTC ahead of it
    assert buy.status is OrderStatus.OPEN
    v.live_trades(BTC, [trade("100", "1", Side.SELL)])  # above its price
    assert v.query(buy.client_order_id, BTC).filled == 0
    v.live_trades(BTC, [trade("99.5", "1.5", Side.SELL)])  # 0.5 still ahead
    assert v.query(buy.client_order_id, BTC).filled == 0
    # the level shrinks in the book (cancels ahead, or the trade seen twice): the queue
    # only moves with trades
    v.sync_book(BTC, levels(("99.5", "0.2"), ("99", "3")), ASKS)
    v.live_trades(BTC, [trade("99.5", "0.7", Side.SELL)])  # 0.5 ahead, then 0.2 of ours
    got = v.query(buy.client_order_id, BTC)
    assert got.status is OrderStatus.PARTIALLY_FILLED and got.filled == D("0.2")
    assert got.fills[0].price == D("99.5") and got.fills[0].is_maker
    assert got.fills[0].fee == D("0.2") * D("0.0002")  # the market's maker rate, in BTC
    v.live_trades(BTC, [trade("99", "0.1", Side.SELL)])  # traded THROUGH: all of it
    got = v.query(buy.client_order_id, BTC)
    assert got.status is OrderStatus.FILLED and got.filled == D("0.5")
    assert {f.price for f in got.fills} == {D("99.5")}
    bal = v.balances()
    assert bal.get("USDT").total == D(10000) - D("0.5") * D("99.5")
    assert bal.get("BTC").total == D("0.5") - D("0.5") * D("0.0002")


def test_a_buy_taker_trade_never_fills_a_resting_buy() -> None:
    v = venue()
    v.sync_book(BTC, BIDS, ASKS)
    buy = v.place(order(Side.BUY, OrderType.LIMIT, "0.5", "100"))
    v.live_trades(BTC, [trade("99", "10", Side.BUY)])  # a buyer: takes asks, not bids
    assert v.query(buy.client_order_id, BTC).filled == 0


def test_a_resting_sell_fills_when_the_venue_trades_through_upwards() -> None:
    v = venue(usdt="0")
    v.engine.ledger.set("paper-on-live", "BTC", D(1))
    v.sync_book(BTC, BIDS, ASKS)
    sell = v.place(order(Side.SELL, OrderType.LIMIT, "0.4", "101"))  # 2 ahead at 101
    v.live_trades(BTC, [trade("101", "1", Side.BUY)])
    assert v.query(sell.client_order_id, BTC).filled == 0
    v.live_trades(BTC, [trade("101.5", "0.01", Side.BUY)])
    assert v.query(sell.client_order_id, BTC).status is OrderStatus.FILLED
    assert v.balances().get("USDT").total == D("0.4") * 101 * (1 - D("0.0002"))


def test_a_market_order_walks_the_live_book_and_pays_the_taker_fee() -> None:
    v = venue()
    v.sync_book(BTC, BIDS, ASKS)
    buy = v.place(order(Side.BUY, OrderType.MARKET, "2"))
    assert buy.status is OrderStatus.FILLED
    assert [(f.price, f.amount) for f in buy.fills] == [(D("100.5"), D(1)), (D(101), D(1))]
    assert all(not f.is_maker for f in buy.fills)
    assert sum(f.fee for f in buy.fills) == D(2) * D("0.0007")
    # more than the visible book: what is there fills, the rest expires
    again = v.place(order(Side.BUY, OrderType.MARKET, "5"))
    assert again.status is OrderStatus.EXPIRED and again.filled == D(4)


def test_a_crossing_limit_takes_what_it_crosses_and_rests_the_rest() -> None:
    v = venue()
    v.sync_book(BTC, BIDS, ASKS)
    buy = v.place(order(Side.BUY, OrderType.LIMIT, "1.5", "100.5"))
    assert buy.status is OrderStatus.PARTIALLY_FILLED and buy.filled == D(1)
    assert v.open_orders(BTC)[0].client_order_id == buy.client_order_id


def test_the_venue_filters_and_funds_are_enforced() -> None:
    v = venue(usdt="50")
    v.sync_book(BTC, BIDS, ASKS)
    with pytest.raises(OrderRejectedError, match="tick"):
        v.place(order(Side.BUY, OrderType.LIMIT, "0.1", "99.7"))  # tick is 0.5
    with pytest.raises(OrderRejectedError, match="step"):
        v.place(order(Side.BUY, OrderType.LIMIT, "0.00015", "99"))
    with pytest.raises(OrderRejectedError, match="below the minimum 5 USDT"):
        v.place(order(Side.BUY, OrderType.LIMIT, "0.01", "99"))  # 0.99 < 5
    with pytest.raises(OrderRejectedError, match="balance"):
        v.place(order(Side.BUY, OrderType.LIMIT, "1", "99"))  # 99 USDT, 50 held
    with pytest.raises(OrderNotFoundError):
        v.cancel(ClientOrderId("nope"), BTC)


def test_cancel_releases_the_funds() -> None:
    v = venue()
    v.sync_book(BTC, BIDS, ASKS)
    buy = v.place(order(Side.BUY, OrderType.LIMIT, "1", "99"))
    assert v.balances().get("USDT").used == D(99)
    assert v.cancel(buy.client_order_id, BTC).status is OrderStatus.CANCELED
    assert v.balances().get("USDT").used == 0 and v.open_orders() == []


def test_state_persists_and_reset_starts_again(tmp_path: Path) -> None:
    v = venue(tmp_path)
    v.sync_book(BTC, BIDS, ASKS)
    buy = v.place(order(Side.BUY, OrderType.LIMIT, "1", "99"))
    v.close()
    again = venue(tmp_path, usdt="5")  # an existing account keeps its own balances
    assert again.query(buy.client_order_id, BTC).status is OrderStatus.OPEN
    assert again.balances().get("USDT").total == D(10000)
    again.close()
    fresh = venue(tmp_path, usdt="5", reset=True)
    assert fresh.open_orders() == [] and fresh.balances().get("USDT").total == D(5)
    fresh.close()


def test_a_stop_fires_on_the_venue_trade_price_and_sells_into_the_live_book() -> None:
    v = venue(usdt="0")
    v.engine.ledger.set("paper-on-live", "BTC", D(1))
    v.sync_book(BTC, BIDS, ASKS)
    stop = order(Side.SELL, OrderType.STOP_MARKET, "0.5")
    stop.trigger_price = D("99")
    placed = v.place(stop)
    assert placed.status is OrderStatus.PENDING_TRIGGER
    v.live_trades(BTC, [trade("99.5", "0.1", Side.SELL)])  # above the trigger
    assert v.query(placed.client_order_id, BTC).status is OrderStatus.PENDING_TRIGGER
    # the venue trades at the trigger; the copy of its book then shows bids from 98.5
    v.sync_book(BTC, levels(("98.5", "2")), ASKS)
    v.live_trades(BTC, [trade("99", "0.1", Side.SELL)])
    fired = v.query(placed.client_order_id, BTC)
    assert fired.status is OrderStatus.FILLED and fired.average_price == D("98.5")
