"""The emergency stop with flatten on a perpetual session of the paper exchange: the
stop's real sweeper cancels the open orders, then every position is closed by reduce-only
market orders, journaled; afterwards the venue lists no open order and no position. In
one-way and hedge mode; flatten never opens a position."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest

from terminal.core.futures.flatten import flatten_positions
from terminal.core.safety.sweep import StopSweeper
from terminal.core.safety.targets import StopScope
from terminal.domain.enums import OrderType, Side, VenueMode
from terminal.domain.ids import Symbol, VenueId
from terminal.domain.order import Order, OrderRequest, OrderStatus
from terminal.domain.position import PositionMode
from terminal.exchange.catalogue import paper_info
from terminal.exchange.futures_session import FuturesSession
from terminal.exchange.session import PaperEndpoint, SessionOptions
from terminal.journal import SqlJournal
from terminal.paper.embedded import PaperExchangeHandle, start_paper_exchange
from tests.fixtures_paper import run_async

BTC, ETH = Symbol("BTC/USDT:USDT"), Symbol("ETH/USDT:USDT")
D = Decimal
KEYS = [("flat-key-1", "flat-secret-1"), ("flat-key-2", "flat-secret-2")]


@pytest.fixture(scope="module")
def flat_paper(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PaperExchangeHandle]:
    h = start_paper_exchange(tmp_path_factory.mktemp("flat"), faults=True, accounts=KEYS)
    try:
        yield h
    finally:
        h.stop()


def order(symbol, side, amount, price=None) -> Order:
    kind = OrderType.LIMIT if price is not None else OrderType.MARKET
    return Order.from_request(
        OrderRequest(VenueId("paper"), symbol, side, kind, D(amount), D(price) if price else None)
    )


@pytest.mark.parametrize("hedged", [False, True], ids=["one-way", "hedge"])
def test_stop_then_flatten_leaves_no_orders_and_no_positions(flat_paper, tmp_path, hedged):
    async def go() -> None:
        endpoint = PaperEndpoint(flat_paper.url, tuple(flat_paper.accounts))
        s = FuturesSession(
            paper_info(), VenueMode.PAPER, "acct2" if hedged else "default", paper=endpoint,
            options=SessionOptions(heartbeat_s=0, rate_limit_ms=1),
        )  # fmt: skip
        journal = SqlJournal.open(f"sqlite:///{tmp_path / 'j.sqlite'}")
        try:
            await s.connect()
            await s.set_position_mode(PositionMode.HEDGE if hedged else PositionMode.ONE_WAY)
            await s.create_order(order(BTC, Side.BUY, "0.03"))
            await s.create_order(order(ETH, Side.SELL, "0.5"))
            if hedged:
                await s.create_order(order(BTC, Side.SELL, "0.01"))  # a short beside
            mark = (await s.fetch_funding(BTC)).mark_price
            assert mark is not None
            resting = order(BTC, Side.BUY, "0.01", str((mark * D("0.97")).quantize(D("0.01"))))
            await s.create_order(resting)
            # a conditional order that would OPEN a position later: the stop must take it
            stop_buy = Order.from_request(
                OrderRequest(
                    VenueId("paper"), ETH, Side.BUY, OrderType.STOP_MARKET, D("0.1"),
                    trigger_price=D(str(((await s.fetch_funding(ETH)).mark_price or 0) * 2)),
                )
            )  # fmt: skip
            assert (await s.create_order(stop_buy)).status is OrderStatus.PENDING_TRIGGER
            listed = await s.fetch_open_orders(None)
            assert {r.client_order_id for r in listed} == {
                resting.client_order_id, stop_buy.client_order_id,
            }  # fmt: skip

            swept = await StopSweeper(journal).sweep([s], StopScope.ALL)
            assert swept.venues[0].failures == []
            assert await s.fetch_open_orders(None) == []
            assert await s.rest.fapiPrivateGetOpenAlgoOrders() == []
            before = await s.fetch_positions()
            assert len(before) == (3 if hedged else 2)

            result = await flatten_positions(s, journal, pause_s=0.2)
            assert result.ok, result.summary()
            assert await s.fetch_positions() == [] and await s.fetch_open_orders(None) == []
            assert len(result.sent) == len(before)
            for sent in result.sent:
                assert sent.reduce_only and sent.type is OrderType.MARKET
                stored = await journal.get_order(sent.client_order_id)
                assert stored is not None and stored.status is OrderStatus.FILLED
            # nothing left to close: a second flatten sends nothing and opens nothing
            again = await flatten_positions(s, journal, pause_s=0.1)
            assert again.ok and again.sent == [] and await s.fetch_positions() == []
            await s.set_position_mode(PositionMode.ONE_WAY)
        finally:
            await s.close()
            journal.close()

    run_async(go(), timeout=120)


def test_flatten_of_one_symbol_leaves_the_others(flat_paper, tmp_path) -> None:
    async def go() -> None:
        endpoint = PaperEndpoint(flat_paper.url, tuple(flat_paper.accounts))
        s = FuturesSession(paper_info(), VenueMode.PAPER, paper=endpoint,
                           options=SessionOptions(heartbeat_s=0, rate_limit_ms=1))  # fmt: skip
        try:
            await s.connect()
            await s.create_order(order(BTC, Side.BUY, "0.01"))
            await s.create_order(order(ETH, Side.BUY, "0.1"))
            result = await flatten_positions(s, symbols=[str(ETH)], pause_s=0.1)
            assert result.ok
            (left,) = await s.fetch_positions()
            assert left.symbol == BTC
            assert "no position left" in result.summary()
            await flatten_positions(s, pause_s=0.1)
            assert await s.fetch_positions() == []
        finally:
            await s.close()

    run_async(go(), timeout=60)


def test_a_single_conditional_order_is_cancelled_where_it_waits(flat_paper) -> None:
    async def go() -> None:
        endpoint = PaperEndpoint(flat_paper.url, tuple(flat_paper.accounts))
        s = FuturesSession(paper_info(), VenueMode.PAPER, paper=endpoint,
                           options=SessionOptions(heartbeat_s=0, rate_limit_ms=1))  # fmt: skip
        try:
            await s.connect()
            mark = (await s.fetch_funding(BTC)).mark_price
            assert mark is not None
            stop = Order.from_request(
                OrderRequest(VenueId("paper"), BTC, Side.BUY, OrderType.STOP_MARKET, D("0.01"),
                             trigger_price=(mark * D("1.2")).quantize(D("0.01"))))  # fmt: skip
            report = await s.create_order(stop)
            stop.venue_order_id = report.venue_order_id
            cancelled = await s.cancel_order(stop)
            assert cancelled is not None and cancelled.status is OrderStatus.CANCELED
            assert await s.fetch_open_orders(BTC) == []
        finally:
            await s.close()

    run_async(go(), timeout=60)
