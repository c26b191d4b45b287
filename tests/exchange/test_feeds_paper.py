"""Feed loops against the paper exchange: sharing, drops, stalls, gaps, private streams,
REST fallback, and no leaked tasks or sockets after disconnect."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import Callable
from decimal import Decimal

import pytest

from terminal.core.health import VenueState
from terminal.core.marketstate import FeedKey, FeedKind, FeedStatus
from terminal.domain.enums import OrderType, Side, VenueMode
from terminal.domain.ids import Symbol, VenueId
from terminal.domain.order import Order, OrderRequest, OrderStatus
from terminal.exchange.catalogue import default_catalogue, paper_info
from terminal.exchange.feeds import FeedOptions
from terminal.exchange.manager import ExchangeManager
from terminal.exchange.session import PaperEndpoint
from tests.exchange.conftest import FAST, open_sockets
from tests.fixtures_paper import run_async

BOOK = FeedKey.book("paper", "BTC/USDT")
TRADES = FeedKey.trades("paper", "BTC/USDT")
CANDLES = FeedKey.candles("paper", "BTC/USDT", "1m")
TICKER = FeedKey.ticker("paper", "BTC/USDT")
OPTS = FeedOptions(
    book_depth=100,
    stale_after_s=1.5,
    trades_stale_after_s=10,
    candles_stale_after_s=10,
    backoff_base_s=0.05,
    backoff_cap_s=0.5,
    private_settle_s=0.1,
)
D = Decimal


def manager(
    endpoint: PaperEndpoint, options: FeedOptions = OPTS, catalogue=None
) -> ExchangeManager:
    return ExchangeManager(
        paper=endpoint, feed_options=options, session_options=FAST, catalogue=catalogue
    )


async def until(pred: Callable[[], object], timeout: float, what: str) -> float:
    """Seconds it took for `pred` to hold; fails after `timeout`."""
    t0 = time.monotonic()
    while not pred():
        if time.monotonic() - t0 > timeout:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        await asyncio.sleep(0.02)
    return time.monotonic() - t0


def test_market_feeds_fill_the_state_and_candles_are_back_filled(endpoint) -> None:
    async def go() -> None:
        async with manager(endpoint) as m:
            session = await m.connect("paper")
            subs = [m.subscribe(k) for k in (BOOK, TRADES, CANDLES, TICKER)]
            st = m.state
            for key in (BOOK, TRADES, CANDLES, TICKER):
                await until(lambda key=key: st.is_live(key), 10, f"{key} live")
            view = st.book_view(BOOK, 20)
            assert len(view.bids) == 20 and len(view.asks) == 20 and not view.is_crossed
            assert view.bids[0].price > view.bids[1].price
            assert len(st.candles(CANDLES)) >= 500  # REST back-fill before the stream
            times = [c.open_time_ms for c in st.candles(CANDLES)]
            assert times == sorted(times) and times[1] - times[0] == 60_000
            assert st.recent_trades(TRADES)
            assert st.ticker(TICKER).bid is not None
            v = st.item_version(BOOK)
            await until(lambda: st.item_version(BOOK) > v, 5, "book version moves")
            snap = m.health_snapshot(session.key)
            assert snap.state is VenueState.LIVE
            book = snap.feed(BOOK)
            assert book.status is FeedStatus.LIVE and book.messages > 0
            assert book.last_message_age_s is not None and book.last_message_age_s < 2
            for s in subs:
                s.close()

    run_async(go(), 60)


def test_subscriptions_share_one_loop_and_stop_with_the_last(endpoint) -> None:
    async def go() -> None:
        async with manager(endpoint) as m:
            session = await m.connect("paper")
            a = m.subscribe(BOOK)
            b = m.subscribe(BOOK)
            assert m.feeds.refcount(BOOK) == 2 and m.feeds.active_keys() == [BOOK]
            await until(lambda: m.state.is_live(BOOK), 10, "book live")
            pro = session.pro
            book_urls = [
                u for u, c in pro.clients.items() if "orderbook::BTC/USDT" in c.subscriptions
            ]
            assert len(book_urls) == 1  # one socket for two panels
            a.close()
            a.close()  # idempotent
            assert m.feeds.refcount(BOOK) == 1 and m.feeds.active_keys() == [BOOK]
            b.close()
            assert m.feeds.refcount(BOOK) == 0 and m.feeds.active_keys() == []
            assert m.state.book_view(BOOK) is None
            # the stream nobody needs is closed too (ccxt would keep parsing it)
            await until(lambda: book_urls[0] not in pro.clients, 5, "book socket closed")
            assert m.health_snapshot(session.key).feed(BOOK) is None

    run_async(go(), 60)


def test_feeds_survive_dropped_sockets(paper, endpoint) -> None:
    async def go() -> None:
        async with manager(endpoint) as m:
            session = await m.connect("paper")
            reconnects: list[object] = []
            m.feeds.add_reconnect_listener(lambda key, orders: reconnects.append(orders))
            subs = [m.subscribe(BOOK), m.subscribe(TRADES), *m.subscribe_private(session.key)]
            await until(lambda: m.state.is_live(BOOK) and m.state.is_live(TRADES), 10, "live")
            await until(lambda: reconnects, 10, "first private reconcile")
            first = len(reconnects)
            dropped = await asyncio.to_thread(paper.control.drop_ws, "all")
            assert dropped >= 3  # market sockets and the user-data socket
            await until(
                lambda: m.health_snapshot(session.key).reconnects >= 3, 10, "reconnects counted"
            )
            await until(lambda: all(m.state.is_live(k) for k in (BOOK, TRADES)), 10, "live again")
            v = m.state.item_version(BOOK)
            await until(lambda: m.state.item_version(BOOK) > v, 5, "book moving again")
            # the private streams came back and the REST reconciliation ran again
            await until(lambda: len(reconnects) > first, 10, "reconcile after reconnect")
            assert isinstance(reconnects[-1], list)  # the open-orders snapshot
            snap = m.health_snapshot(session.key)
            assert snap.feed(BOOK).reconnects >= 1 and snap.feed(TRADES).reconnects >= 1
            # the reconcile listener runs as soon as the orders stream is back; the other
            # private feeds (own trades, balance) may still be resubscribing at that moment,
            # so the venue must get back to LIVE within a bounded time, not on this tick
            await until(
                lambda: m.health_snapshot(session.key).state is VenueState.LIVE,
                10,
                "venue live again",
            )
            for s in subs:
                s.close()

    run_async(go(), 60)


def test_a_stalled_stream_is_caught_within_the_watchdog_window(paper, endpoint) -> None:
    async def go() -> None:
        async with manager(endpoint) as m:
            session = await m.connect("paper")
            sub = m.subscribe(BOOK)
            await until(lambda: m.state.is_live(BOOK), 10, "book live")
            await asyncio.to_thread(paper.control.stall_ws, True, "market")
            t0 = time.monotonic()
            saw_degraded = False

            def stale() -> bool:
                nonlocal saw_degraded
                snap = m.health_snapshot(session.key)
                if snap.feed(BOOK) and snap.feed(BOOK).status is FeedStatus.STALE:
                    saw_degraded = saw_degraded or snap.state is VenueState.DEGRADED
                return m.state.feed_status(BOOK) is FeedStatus.STALE or (
                    snap.feed(BOOK) is not None and snap.feed(BOOK).reconnects > 0
                )

            await until(stale, 5, "watchdog")
            caught = time.monotonic() - t0
            # the message that would have arrived right before the stall can add up to
            # one book interval (100 ms); the watchdog fires within its window (+ slack for a
            # loaded CI machine)
            assert caught <= OPTS.stale_after_s + 1.0, caught
            # the stalled socket was closed and a fresh subscription is live again
            await until(lambda: m.state.is_live(BOOK), 10, "book live again")
            v = m.state.item_version(BOOK)
            await until(lambda: m.state.item_version(BOOK) > v, 5, "book moving again")
            snap = m.health_snapshot(session.key)
            assert snap.feed(BOOK).reconnects >= 1 and "no message" in snap.feed(BOOK).last_error
            sub.close()

    run_async(go(), 60)


def test_after_a_gap_the_book_resyncs_and_equals_the_venue_book(paper, endpoint) -> None:
    async def go() -> None:
        async with manager(endpoint) as m:
            session = await m.connect("paper")
            sub = m.subscribe(BOOK)
            await until(lambda: m.state.is_live(BOOK), 10, "book live")
            await asyncio.to_thread(paper.control.depth_gap, "BTC/USDT")
            await until(
                lambda: m.health_snapshot(session.key).feed(BOOK).reconnects >= 1,
                10,
                "gap detected and resubscribed",
            )
            assert "Checksum" in m.health_snapshot(session.key).feed(BOOK).last_error
            await until(lambda: m.state.is_live(BOOK), 10, "book live again")
            paused = await asyncio.to_thread(paper.control.pause)
            venue_id = paused["update_ids"]["BTCUSDT"]
            await until(
                lambda: (m.state.book_view(BOOK, 1).sequence or 0) >= venue_id,
                10,
                "local book caught up with the venue",
            )
            venue = await asyncio.to_thread(paper.control.book, "BTC/USDT", 20)
            local = m.state.book_view(BOOK, 20)
            assert local.sequence == venue["lastUpdateId"]
            assert [(lv.price, lv.amount) for lv in local.bids] == [
                (D(p), D(q)) for p, q in venue["bids"]
            ]
            assert [(lv.price, lv.amount) for lv in local.asks] == [
                (D(p), D(q)) for p, q in venue["asks"]
            ]
            sub.close()

    run_async(go(), 60)


def test_private_streams_deliver_orders_fills_balances(paper, endpoint) -> None:
    async def go() -> None:
        async with manager(endpoint) as m:
            session = await m.connect("paper")
            reports, fills, reconciled = [], [], []

            async def on_order(key, report):  # async listeners are awaited in order
                reports.append((key, report))

            m.feeds.add_order_listener(on_order)
            m.feeds.add_fill_listener(lambda key, fill: fills.append(fill))
            m.feeds.add_reconnect_listener(lambda key, orders: reconciled.append(key))
            subs = m.subscribe_private(session.key)
            await until(lambda: reconciled, 10, "private streams up")
            assert reconciled[0] == session.key
            assert m.state.balances(session.key).get("USDT").total > 0  # REST snapshot
            v = m.state.balances_version(session.key)
            o = Order.from_request(
                OrderRequest(
                    VenueId("paper"), Symbol("BTC/USDT"), Side.BUY, OrderType.MARKET, D("0.001")
                )
            )
            await session.create_order(o)
            await until(
                lambda: any(
                    r.client_order_id == o.client_order_id and r.status is OrderStatus.FILLED
                    for _, r in reports
                ),
                10,
                "order report from the stream",
            )
            await until(
                lambda: any(
                    f.client_order_id == o.client_order_id or f.venue_order_id for f in fills
                ),
                10,
                "fill from the stream",
            )
            assert sum(f.amount for f in fills) >= D("0.001")
            await until(
                lambda: m.state.balances_version(session.key) > v, 10, "balance from the stream"
            )
            for key in (
                FeedKey.private(session.key, k)
                for k in (FeedKind.ORDERS, FeedKind.MY_TRADES, FeedKind.BALANCE)
            ):
                assert m.state.is_live(key)
            for s in subs:
                s.close()

    run_async(go(), 60)


def test_feeds_without_websocket_fall_back_to_rest_polling(endpoint) -> None:
    async def go() -> None:
        cat = default_catalogue()
        cat.register(dataclasses.replace(paper_info(), ws_feeds=frozenset()), replace_existing=True)
        opts = dataclasses.replace(OPTS, poll_scale=0.1)  # 1 s book floor -> 0.1 s
        async with manager(endpoint, opts, cat) as m:
            session = await m.connect("paper")
            subs = [m.subscribe(k) for k in (BOOK, CANDLES, TICKER, TRADES)]
            for key in (BOOK, CANDLES, TICKER, TRADES):
                await until(lambda key=key: m.state.is_live(key), 10, f"{key} polled")
            assert session.pro is None  # no WebSocket client was ever made
            v = m.state.item_version(BOOK)
            await until(lambda: m.state.item_version(BOOK) > v, 5, "book polled again")
            assert len(m.state.book_view(BOOK, 100).bids) > 20
            assert len(m.state.candles(CANDLES)) >= 500
            for s in subs:
                s.close()

    run_async(go(), 60)


def test_loops_wait_for_a_session_and_restart_after_reconnect(endpoint) -> None:
    async def go() -> None:
        async with manager(endpoint) as m:
            sub = m.subscribe(BOOK)  # before any session: waits, not live
            assert m.state.feed_status(BOOK) is FeedStatus.DOWN
            await m.connect("paper")
            await until(lambda: m.state.is_live(BOOK), 10, "book live after connect")
            await m.disconnect("paper")
            assert m.state.feed_status(BOOK) is FeedStatus.DOWN  # never shown as live
            with pytest.raises(Exception, match="not connected"):
                m.session("paper")
            await m.connect("paper", VenueMode.PAPER)
            await until(lambda: m.state.is_live(BOOK), 10, "book live after reconnect")
            sub.close()

    run_async(go(), 60)


def test_no_task_or_socket_leaks_after_disconnect(paper, endpoint) -> None:
    async def go() -> None:
        await asyncio.sleep(0.2)
        tasks_before = {t for t in asyncio.all_tasks() if t is not asyncio.current_task()}
        sockets_before = open_sockets()
        m = manager(endpoint)
        session = await m.connect("paper")
        subs = [m.subscribe(k) for k in (BOOK, TRADES, CANDLES, TICKER)]
        subs += m.subscribe_private(session.key)
        await until(
            lambda: all(m.state.is_live(k) for k in (BOOK, TRADES, CANDLES, TICKER)),
            10,
            "everything live",
        )
        await asyncio.to_thread(paper.control.drop_ws, "market")  # churn a little
        await until(lambda: m.state.is_live(BOOK), 10, "book back")
        assert open_sockets() > sockets_before
        await m.close()
        await asyncio.sleep(0.3)  # let aiohttp finish closing transports
        left = {t for t in asyncio.all_tasks() if t is not asyncio.current_task()} - tasks_before
        assert not left, [t.get_name() for t in left]
        assert open_sockets() <= sockets_before
        assert session.pro is None and session._rest is None
        with pytest.raises(RuntimeError):
            m.feeds.subscribe(BOOK)

    run_async(go(), 60)


def test_private_feed_without_keys_says_so_and_public_feeds_still_run(endpoint) -> None:
    async def go() -> None:
        cat = default_catalogue()
        needs_passphrase = dataclasses.replace(
            paper_info(), credentials=("apiKey", "secret", "password")
        )
        cat.register(needs_passphrase, replace_existing=True)
        async with manager(endpoint, catalogue=cat) as m:
            session = await m.connect("paper")
            assert not session.has_credentials
            orders = FeedKey.private(session.key, FeedKind.ORDERS)
            subs = [m.subscribe(orders), m.subscribe(BOOK)]
            await until(lambda: m.state.is_live(BOOK), 10, "book live")
            assert m.state.feed_status(orders) is FeedStatus.DOWN
            feed = m.health_snapshot(session.key).feed(orders)
            assert "API keys needed" in feed.last_error and feed.reconnects == 0
            for s in subs:
                s.close()

    run_async(go(), 60)


def test_feeds_survive_malformed_frames_and_a_venue_restart(paper, endpoint) -> None:
    # a socket ccxt saw a bad frame on may hang silently when the venue goes away: the
    # watchdog window bounds that, so it is kept short here
    opts = dataclasses.replace(OPTS, trades_stale_after_s=3.0)

    async def go() -> None:
        async with manager(endpoint, opts) as m:
            session = await m.connect("paper")
            reconciled: list[object] = []
            m.feeds.add_reconnect_listener(lambda key, orders: reconciled.append(orders))
            keys = (BOOK, TRADES)
            subs = [m.subscribe(k) for k in keys] + m.subscribe_private(session.key)
            private = [
                FeedKey.private(session.key, k)
                for k in (FeedKind.ORDERS, FeedKind.MY_TRADES, FeedKind.BALANCE)
            ]
            everything = (*keys, *private)
            await until(lambda: all(m.state.is_live(k) for k in everything), 10, "all live")
            await asyncio.to_thread(paper.control.malformed, "malformed", 3, "market")
            await asyncio.to_thread(paper.control.malformed, "truncated", 2, "market")
            v = m.state.item_version(BOOK)
            await until(lambda: m.state.item_version(BOOK) > v + 5, 10, "book still moving")
            await until(lambda: m.state.is_live(BOOK), 10, "book live after bad frames")
            before = len(reconciled)
            await asyncio.to_thread(paper.control.restart, 500)
            t_restart = time.monotonic()
            await until(lambda: not m.state.is_live(BOOK), 5, "the restart noticed")

            def fresh(key: FeedKey) -> bool:
                f = m.health_snapshot(session.key).feed(key)
                return (
                    f is not None
                    and f.status is FeedStatus.LIVE
                    and f.last_message_age_s is not None
                    and f.last_message_age_s < time.monotonic() - t_restart
                )

            await until(
                lambda: all(fresh(k) for k in keys),
                20,
                "public feeds receiving again after the restart",
            )
            await until(
                lambda: all(m.state.is_live(k) for k in private),
                20,
                "private streams live after the restart",
            )
            await until(lambda: len(reconciled) > before, 10, "reconciled after the restart")
            assert (await session.fetch_balances()).get("USDT").total > 0  # REST is back too
            snap = m.health_snapshot(session.key)
            assert all(snap.feed(k).reconnects >= 1 for k in (BOOK, *private)), [
                (f.key.label, f.reconnects) for f in snap.feeds
            ]
            for s in subs:
                s.close()

    run_async(go(), 60)


def test_a_private_stream_on_a_dead_socket_is_resubscribed(paper, endpoint) -> None:
    """ccxt rejects nothing when a socket that once reported an error is closed later
    (its on_close skips the rejection): the private stream would wait forever."""
    opts = dataclasses.replace(OPTS, private_check_s=0.5)

    async def go() -> None:
        async with manager(endpoint, opts) as m:
            session = await m.connect("paper")
            orders = FeedKey.private(session.key, FeedKind.ORDERS)
            sub = m.subscribe(orders)
            await until(lambda: m.state.is_live(orders), 10, "orders live")
            (client,) = [c for u, c in session.pro.clients.items() if "ws-api" in u]
            client.error = RuntimeError("an earlier bad frame")  # what ccxt leaves behind
            await asyncio.to_thread(paper.control.drop_ws, "user")
            await until(
                lambda: m.health_snapshot(session.key).feed(orders).reconnects >= 1,
                5,
                "dead socket noticed",
            )
            assert "socket closed" in m.health_snapshot(session.key).feed(orders).last_error
            await until(lambda: m.state.is_live(orders), 10, "orders live again")
            fresh = [c for u, c in session.pro.clients.items() if "ws-api" in u]
            assert fresh and fresh[0] is not client
            sub.close()

    run_async(go(), 60)


def test_polled_candles_are_kept_live_from_the_trade_stream(paper, endpoint) -> None:
    async def go() -> None:
        cat = default_catalogue()
        no_klines = dataclasses.replace(
            paper_info(), ws_feeds=paper_info().ws_feeds - {FeedKind.CANDLES}
        )
        cat.register(no_klines, replace_existing=True)
        opts = dataclasses.replace(OPTS, poll_scale=20.0)  # klines polled every 100 s
        async with manager(endpoint, opts, cat) as m:
            await m.connect("paper")
            sub = m.subscribe(CANDLES)
            await until(lambda: m.state.is_live(CANDLES), 10, "candles polled")
            assert len(m.state.candles(CANDLES)) >= 500
            assert m.feeds.refcount(TRADES) == 1  # the candle loop's own trade feed
            await until(lambda: m.state.is_live(TRADES), 10, "trades live")
            ticker = await m.session("paper").fetch_ticker_raw("BTC/USDT")
            price = (
                m.session("paper")
                .markets[Symbol("BTC/USDT")]
                .round_price(D(repr(ticker["ask"])) * D("1.002"))
            )
            await asyncio.to_thread(paper.control.force_trade, "BTC/USDT", "buy", str(price))
            # The sweep prints at the ask levels up to `price` (not at `price` itself), and
            # the last bar may roll over meanwhile: the sweep's highest print must show in
            # the bar of its minute, from the trade stream, long before the next poll.
            ask = D(repr(ticker["ask"]))
            recent = await m.session("paper").rest.fetch_trades("BTC/USDT", limit=200)
            swept = [t for t in recent if D(repr(t["price"])) > ask]
            assert swept, "the forced sweep printed no trade above the ask"
            top = max(swept, key=lambda t: D(repr(t["price"])))
            top_price, bar_ms = D(repr(top["price"])), top["timestamp"] // 60_000 * 60_000

            def bar_has_top() -> bool:
                bars = [c for c in m.state.candles(CANDLES) if c.open_time_ms == bar_ms]
                return bool(bars) and bars[-1].high >= top_price

            await until(bar_has_top, 10, "the forced sweep's top print in its bar")
            sub.close()  # the candle loop lets its trade feed go as it ends
            await until(lambda: m.feeds.refcount(TRADES) == 0, 5, "helper trade feed released")
            assert m.feeds.active_keys() == []

    run_async(go(), 60)


def test_manager_shares_a_concurrent_connect_and_masks_the_keys(endpoint) -> None:
    async def go() -> None:
        from terminal.logsetup import redact

        async with manager(endpoint) as m:
            a, b = await asyncio.gather(m.connect("paper"), m.connect("paper"))
            assert a is b and m.sessions() == [a]
            assert m.session("paper") is a and m.get(a.key) is a
            _key, secret = endpoint.accounts[0]
            assert secret not in redact(f"signing with {secret}")
            with pytest.raises(Exception, match="account"):
                await m.connect("paper", account="acct9")
            with pytest.raises(Exception, match="unknown venue"):
                await m.connect("nowhere")
            await m.disconnect("paper")
            assert m.sessions() == [] and not a.connected
            assert m.health_snapshot(a.key).state is VenueState.DOWN

    run_async(go(), 60)


def test_a_quiet_market_widens_the_watchdog_instead_of_churning(paper, endpoint) -> None:
    opts = dataclasses.replace(OPTS, stale_after_s=0.5)

    async def go() -> None:
        async with manager(endpoint, opts) as m:
            session = await m.connect("paper")
            sub = m.subscribe(BOOK)
            await until(lambda: m.state.is_live(BOOK), 10, "book live")
            await asyncio.to_thread(paper.control.pause)  # nothing changes any more
            await asyncio.sleep(5.0)
            feed = m.health_snapshot(session.key).feed(BOOK)
            # fixed 0.5 s windows would have resubscribed ~9 times; doubling: 0.5+1+2+4
            assert 1 <= feed.reconnects <= 4, feed.reconnects
            assert m.feeds._loops[BOOK].stale_factor > 1
            await asyncio.to_thread(paper.control.resume)
            await until(
                lambda: m.feeds._loops[BOOK].stale_factor == 1.0,
                15,
                "window back to normal once the book moves",
            )
            await until(lambda: m.state.is_live(BOOK), 10, "live again")
            sub.close()

    run_async(go(), 60)
