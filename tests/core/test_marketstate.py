"""Market state: cheap book updates, top-N views, bounded candles and trades, versions."""

from __future__ import annotations

from decimal import Decimal

import pytest

from terminal.core.marketstate import FeedKey, FeedStatus, MarketState
from terminal.domain.enums import Side, VenueMode
from terminal.domain.ids import AccountLabel, Symbol, TradeId, VenueId
from terminal.domain.marketdata import Balance, Balances, Candle, Ticker, Trade
from terminal.domain.session import SessionKey

BOOK = FeedKey.book("paper", "BTC/USDT")
CANDLES = FeedKey.candles("paper", "BTC/USDT", "1m")
TRADES = FeedKey.trades("paper", "BTC/USDT")
TICKER = FeedKey.ticker("paper", "BTC/USDT")
SESSION = SessionKey(VenueId("paper"), VenueMode.PAPER, AccountLabel("default"))
D = Decimal


def candle(t: int, c: str = "10") -> Candle:
    return Candle(t, D(c), D(c), D(c), D(c), D("1"))


def trade(i: int, price: str = "100", amount: str = "0.5", t: int = 0) -> Trade:
    return Trade(Symbol("BTC/USDT"), TradeId(i), t or i * 1000, D(price), D(amount), Side.BUY)


def test_book_update_keeps_a_reference_and_views_copy_only_the_top() -> None:
    state = MarketState()
    bids = [[100.5, 1.25], [100.0, 2.0], [99.5, 0.1]]
    asks = [[101.0, 0.3], [101.5, 4.0]]
    state.update_book(BOOK, bids, asks, sequence=7, timestamp_ms=123)
    view = state.book_view(BOOK, depth=2)
    assert [(lv.price, lv.amount) for lv in view.bids] == [
        (D("100.5"), D("1.25")),
        (D("100.0"), D("2.0")),
    ]
    assert view.asks[0].price == D("101.0") and view.sequence == 7
    assert view.mid == D("100.75")
    # the feed mutates its lists in place (as ccxt does) and reports an update
    bids[0][1] = 0.75
    state.update_book(BOOK, bids, asks, sequence=8)
    assert state.book_view(BOOK, 2).bids[0].amount == D("0.75")


def test_book_view_is_cached_until_the_next_update() -> None:
    state = MarketState()
    state.update_book(BOOK, [[1.0, 1.0]], [[2.0, 1.0]])
    v1 = state.book_view(BOOK, 10)
    assert state.book_view(BOOK, 10) is v1
    assert state.book_view(BOOK, 5) is not v1
    state.update_book(BOOK, [[1.0, 1.0]], [[2.0, 1.0]])
    assert state.book_view(BOOK, 10) is not v1


def test_decimal_levels_from_strings_and_decimals() -> None:
    state = MarketState()
    state.update_book(BOOK, [["0.1", "3"]], [[D("0.2"), D("1.5")]])
    view = state.book_view(BOOK)
    assert view.bids[0].price == D("0.1") and view.asks[0].amount == D("1.5")
    assert state.book_view(FeedKey.book("paper", "ETH/USDT")) is None


def test_versions_increase_per_item_and_unchanged_items_keep_theirs() -> None:
    state = MarketState()
    assert state.item_version(BOOK) == 0
    state.update_book(BOOK, [], [])
    v_book = state.item_version(BOOK)
    state.update_ticker(TICKER, Ticker(Symbol("BTC/USDT"), last=D("1")))
    assert state.item_version(BOOK) == v_book  # a frame timer can skip the book
    assert state.item_version(TICKER) > v_book
    state.update_book(BOOK, [], [])
    assert state.item_version(BOOK) > state.item_version(TICKER)
    assert state.version == state.item_version(BOOK)


def test_candles_upsert_live_bar_backfill_and_bound() -> None:
    state = MarketState(max_candles=100)
    state.update_candles(CANDLES, [candle(t * 60_000) for t in range(10, 20)])
    state.update_candles(CANDLES, [candle(19 * 60_000, "12")])  # the live bar changes
    bars = state.candles(CANDLES)
    assert len(bars) == 10 and bars[-1].close == D("12")
    state.update_candles(CANDLES, [candle(t * 60_000) for t in range(12)])  # back-fill
    bars = state.candles(CANDLES)
    assert [b.open_time_ms for b in bars] == [t * 60_000 for t in range(20)]
    state.update_candles(CANDLES, [candle(t * 60_000) for t in range(20, 500)])
    bars = state.candles(CANDLES)
    assert len(bars) == 100 and bars[0].open_time_ms == 400 * 60_000  # oldest dropped


def test_candles_from_trades_build_and_extend_bars() -> None:
    state = MarketState()
    state.candles_from_trades(
        CANDLES,
        [
            trade(1, "100", "1", t=60_000 + 1),
            trade(2, "105", "2", t=60_000 + 5_000),
            trade(3, "95", "1", t=60_000 + 30_000),
            trade(4, "101", "1", t=120_000),
        ],
    )
    first, second = state.candles(CANDLES)
    assert (first.open, first.high, first.low, first.close, first.volume) == (
        D("100"),
        D("105"),
        D("95"),
        D("95"),
        D("4"),
    )
    assert second.open_time_ms == 120_000 and second.close == D("101")
    v = state.item_version(CANDLES)
    state.candles_from_trades(CANDLES, [trade(5, "99", "1", t=60_500)])  # older than last bar
    assert state.candles(CANDLES)[0].volume == D("4")
    assert state.item_version(CANDLES) > v


def test_candle_key_needs_a_timeframe() -> None:
    with pytest.raises(ValueError):
        MarketState().update_candles(FeedKey.book("paper", "BTC/USDT"), [candle(0)])


def test_trade_ring_is_bounded_and_newest_first() -> None:
    state = MarketState(max_trades=50)
    for i in range(1, 201):
        state.add_trades(TRADES, [trade(i)])
    recent = state.recent_trades(TRADES)
    assert len(recent) == 50
    assert recent[0].trade_id == "200" and recent[-1].trade_id == "151"
    assert [t.trade_id for t in state.recent_trades(TRADES, 3, newest_first=False)] == [
        "198",
        "199",
        "200",
    ]
    v = state.item_version(TRADES)
    state.add_trades(TRADES, [])
    assert state.item_version(TRADES) == v


def test_memory_stays_bounded_under_a_flood() -> None:
    state = MarketState(max_candles=200, max_trades=100)
    bids = [[100.0 - i * 0.5, 1.0] for i in range(100)]
    asks = [[100.5 + i * 0.5, 1.0] for i in range(100)]
    for i in range(20_000):
        bids[i % 100][1] = 1.0 + i % 7
        state.update_book(BOOK, bids, asks, sequence=i)
        if i % 10 == 0:
            state.add_trades(TRADES, [trade(i + 1)])
            state.update_candles(CANDLES, [candle(i * 60_000)])
    assert len(state.recent_trades(TRADES)) == 100
    assert len(state.candles(CANDLES)) == 200
    assert state.book_view(BOOK, 20).sequence == 19_999


def test_balances_and_feed_status_per_session() -> None:
    state = MarketState()
    bal = Balances({"USDT": Balance("USDT", D("10"), D("2"))})
    state.update_balances(SESSION, bal)
    assert state.balances(SESSION).free("USDT") == D("10")
    v = state.balances_version(SESSION)
    state.update_balances(SESSION, bal)
    assert state.balances_version(SESSION) > v
    state.set_feed_status(BOOK, FeedStatus.LIVE)
    sv = state.status_version(BOOK)
    state.set_feed_status(BOOK, FeedStatus.LIVE)  # no change, no new version
    assert state.status_version(BOOK) == sv and state.is_live(BOOK)
    state.set_feed_status(BOOK, FeedStatus.STALE)
    assert not state.is_live(BOOK) and state.status_version(BOOK) > sv


def test_forget_drops_a_feed_and_a_venue() -> None:
    state = MarketState()
    state.update_book(BOOK, [[1.0, 1.0]], [])
    state.add_trades(TRADES, [trade(1)])
    state.set_feed_status(BOOK, FeedStatus.LIVE)
    state.forget(BOOK)
    assert state.book_view(BOOK) is None and state.feed_status(BOOK) is None
    assert state.recent_trades(TRADES)
    sandbox_book = FeedKey.book("paper", "BTC/USDT", VenueMode.SANDBOX)
    state.update_book(sandbox_book, [], [])
    state.forget_venue("paper", VenueMode.PAPER)
    assert not state.recent_trades(TRADES)
    assert state.keys() == [sandbox_book]  # another mode's data is kept
