"""A silently stalled private stream while an order fills: the exchange layer notices and
the reconnect's reconciliation brings the fill into the order state.

Real pieces only: the paper exchange's stall fault on the user-data connection (socket
open, nothing written: events, replies and pongs are lost, never replayed), the exchange
manager's private feeds on ccxt.pro, the order service with its SQLite journal.

A quiet private stream is normal (an idle account sends nothing), so private feeds have
no staleness watchdog by default; instead every `private_check_s` the socket is checked
and pinged, and a missing pong (`private_pong_timeout_s`) closes it and subscribes again.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import time
from collections.abc import AsyncIterator, Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from terminal.core.marketstate import FeedKey, FeedKind, FeedStatus
from terminal.core.orders import OrderPolicy, OrderService
from terminal.domain.enums import OrderType, Side, VenueMode
from terminal.domain.ids import Symbol, VenueId
from terminal.domain.order import OrderRequest, OrderStatus
from terminal.domain.session import SessionKey
from terminal.exchange.feeds import FeedOptions
from terminal.exchange.manager import ExchangeManager
from terminal.journal import SqlJournal
from tests.exchange.conftest import FAST
from tests.fixtures_paper import run_async

PAPER, BTC = VenueId("paper"), Symbol("BTC/USDT")
PAPER_KEY = SessionKey(VenueId("paper"), VenueMode.PAPER)
D = Decimal
OPTS = FeedOptions(
    backoff_base_s=0.05,
    backoff_cap_s=0.5,
    private_settle_s=0.1,
    private_check_s=0.5,
    private_pong_timeout_s=2.0,
)
POLICY = OrderPolicy(
    unknown_query_backoff_s=0.1, unknown_query_backoff_max_s=0.5, double_submit_window_s=0.0
)
KINDS = (FeedKind.ORDERS, FeedKind.MY_TRADES, FeedKind.BALANCE)
RECONCILED = {"query", "reconciliation"}  # journal event sources of a reconciliation pass


async def until(pred: Callable[[], Any], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while True:
        value = pred()
        if asyncio.iscoroutine(value):
            value = await value
        if value:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        await asyncio.sleep(0.05)


@contextlib.asynccontextmanager
async def stack(
    endpoint: Any, journal_path: Path, options: FeedOptions
) -> AsyncIterator[tuple[ExchangeManager, Any, SqlJournal, OrderService]]:
    """Manager + private feeds wired into the order service as TerminalServices does."""
    journal = SqlJournal.open(f"sqlite:///{journal_path}")
    service = OrderService(journal, policy=POLICY)
    try:
        async with ExchangeManager(paper=endpoint, feed_options=options, session_options=FAST) as m:
            session = await m.connect("paper")
            service.attach(session)
            assert (await service.reconcile(PAPER_KEY)).ok
            m.feeds.add_order_listener(lambda k, r: service.on_order_report(k, r))
            m.feeds.add_fill_listener(lambda k, f: service.on_fill(k, f))
            passes: list[float] = []  # when each reconnect reconciliation finished

            async def reconnected(k: Any, _open: Any) -> None:
                await service.on_stream_reconnect(k)
                passes.append(time.monotonic())

            m.feeds.add_reconnect_listener(reconnected)
            subs = m.subscribe_private(session.key)
            keys = [FeedKey.private(session.key, k) for k in KINDS]
            await until(lambda: all(m.state.is_live(k) for k in keys), 15, "private live")
            # the start-up reconciliations of the three streams are over before a test
            # places anything (else one of them could find the fill instead)
            await until(
                lambda: passes and time.monotonic() - passes[-1] > 1.0,
                15,
                "start-up reconciliation quiet",
            )
            m.reconcile_passes = passes  # type: ignore[attr-defined]
            try:
                yield m, session, journal, service
            finally:
                for s in subs:
                    s.close()
                await service.aclose()
    finally:
        journal.close()


async def resting_sell(session: Any, service: OrderService) -> tuple[Any, Decimal]:
    """A sell just above the best ask (a forced buy sweep fills it); and that sweep price."""
    book = await session.fetch_order_book_raw(BTC, 5)
    ask = D(repr(book["asks"][0][0]))
    order = await service.submit(
        OrderRequest(
            PAPER,
            BTC,
            Side.SELL,
            OrderType.LIMIT,
            D("0.001"),
            (ask * D("1.001")).quantize(D("0.01")),
        )
    )
    assert order.status is OrderStatus.OPEN
    return order, (ask * D("1.01")).quantize(D("0.01"))


async def fill_sources(journal: SqlJournal, coid: Any) -> set[str]:
    sources = {e.source for e in await journal.events(coid) if e.kind == "OrderFilled"}
    assert sources, "no fill recorded"
    return sources


async def journal_status(journal: SqlJournal, coid: Any) -> OrderStatus:
    return (await journal.get_order(coid)).status


def test_a_fill_during_a_silent_private_stall_is_reconciled(paper, endpoint, tmp_path) -> None:
    async def go() -> None:
        ctl = paper.control
        key = endpoint.accounts[0][0]
        async with stack(endpoint, tmp_path / "j.sqlite", OPTS) as (m, session, journal, svc):
            orders = FeedKey.private(session.key, FeedKind.ORDERS)
            assert m.health_snapshot(session.key).feed(orders).reconnects == 0
            passes = len(m.reconcile_passes)
            sell, sweep = await resting_sell(session, svc)
            stalled = await asyncio.to_thread(ctl.stall_ws, True, "user", None, key)
            assert stalled["stalled"] >= 1
            await asyncio.to_thread(ctl.force_trade, BTC, "buy", str(sweep))
            # the venue filled it; the stalled stream says nothing, the probe notices
            await until(
                lambda: m.health_snapshot(session.key).feed(orders).reconnects >= 1,
                15,
                "the silent socket noticed",
            )
            assert "no pong" in m.health_snapshot(session.key).feed(orders).last_error
            await until(lambda: len(m.reconcile_passes) > passes, 15, "a reconciliation")
            await until(
                lambda: _is(journal_status(journal, sell.client_order_id), OrderStatus.FILLED),
                15,
                "the fill reconciled",
            )
            # learnt by the reconnect's reconciliation (it queries the orders it knows),
            # never from the stream
            assert await fill_sources(journal, sell.client_order_id) <= RECONCILED
            got = await journal.get_order(sell.client_order_id)
            assert got.filled == D("0.001")
            fills = await journal.fills(client_order_id=sell.client_order_id)
            assert sum((f.amount for f in fills), D(0)) == D("0.001")
            # the stall stays on for the old connections; the new socket is clean and the
            # stream delivers again
            keys = [FeedKey.private(session.key, k) for k in KINDS]
            await until(lambda: all(m.state.is_live(k) for k in keys), 15, "private live")
            await asyncio.sleep(0.5)  # let the other private loops' reconnects settle
            second, sweep = await resting_sell(session, svc)
            await asyncio.to_thread(ctl.force_trade, BTC, "buy", str(sweep))
            await until(
                lambda: _is(journal_status(journal, second.client_order_id), OrderStatus.FILLED),
                15,
                "the second fill",
            )
            assert "stream" in await fill_sources(journal, second.client_order_id)

    run_async(go(), 90)


def test_without_the_ping_a_silent_stall_goes_unnoticed(paper, endpoint, tmp_path) -> None:
    """What the layer does with the pong check off (private_pong_timeout_s=0): the socket
    is open, so the feed stays LIVE and the journal keeps the filled order OPEN until
    ccxt's own keepalive (two missed 180 s pings on Binance) or a reconnect."""
    opts = dataclasses.replace(OPTS, private_pong_timeout_s=0.0)

    async def go() -> None:
        ctl = paper.control
        key = endpoint.accounts[0][0]
        async with stack(endpoint, tmp_path / "j.sqlite", opts) as (m, session, journal, svc):
            orders = FeedKey.private(session.key, FeedKind.ORDERS)
            passes = len(m.reconcile_passes)
            sell, sweep = await resting_sell(session, svc)
            await asyncio.to_thread(ctl.stall_ws, True, "user", None, key)
            await asyncio.to_thread(ctl.force_trade, BTC, "buy", str(sweep))
            raw = await session.rest.fetch_order(
                None, BTC, {"clientOrderId": str(sell.client_order_id)}
            )
            assert raw["status"] == "closed"  # the venue filled it
            await asyncio.sleep(3.0)  # six socket checks
            assert await journal_status(journal, sell.client_order_id) is OrderStatus.OPEN
            feed = m.health_snapshot(session.key).feed(orders)
            assert feed.status is FeedStatus.LIVE and feed.reconnects == 0
            assert len(m.reconcile_passes) == passes
            # a forced reconnect (what a user's "reconnect" or the keepalive leads to)
            await asyncio.to_thread(ctl.drop_ws, "user", None, key)
            await until(
                lambda: _is(journal_status(journal, sell.client_order_id), OrderStatus.FILLED),
                15,
                "the fill reconciled",
            )
            assert await fill_sources(journal, sell.client_order_id) <= RECONCILED

    run_async(go(), 60)


def test_a_truncated_private_frame_is_noticed_by_the_ping(paper, endpoint, tmp_path) -> None:
    """A truncated frame kills ccxt's receive loop with the socket open: no pong is read
    any more, so the same check resubscribes, and the fill that followed is reconciled."""

    async def go() -> None:
        ctl = paper.control
        async with stack(endpoint, tmp_path / "j.sqlite", OPTS) as (m, session, journal, svc):
            orders = FeedKey.private(session.key, FeedKind.ORDERS)
            await asyncio.to_thread(ctl.malformed, "truncated", 1, "user")
            sell, sweep = await resting_sell(session, svc)  # its NEW report is truncated
            await asyncio.to_thread(ctl.force_trade, BTC, "buy", str(sweep))
            await until(
                lambda: m.health_snapshot(session.key).feed(orders).reconnects >= 1,
                15,
                "the dead receive loop noticed",
            )
            await until(
                lambda: _is(journal_status(journal, sell.client_order_id), OrderStatus.FILLED),
                15,
                "the fill reconciled",
            )

    run_async(go(), 60)


async def _is(coro: Any, expected: Any) -> bool:
    return (await coro) is expected
