"""VenueSession (ExchangePort) against the real paper exchange, with injected faults."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from decimal import Decimal

import pytest

from terminal.core.errors import (
    OrderNotFoundError,
    OrderRejectedError,
    OutcomeUnknownError,
    RateLimitedError,
    TransientError,
    VenueUnavailableError,
)
from terminal.core.health import VenueState
from terminal.core.policy import BreakerState, PolicyConfig, RequestPolicy, SystemClock
from terminal.core.ports import ExchangePort
from terminal.domain.enums import OrderType, Side, TimeInForce, VenueMode
from terminal.domain.ids import ClientOrderId, Symbol, VenueId
from terminal.domain.order import Order, OrderRequest, OrderStatus
from terminal.exchange.catalogue import default_catalogue, paper_info, paper_live_info
from terminal.exchange.session import PaperEndpoint, VenueSession
from tests.exchange.conftest import FAST
from tests.fixtures_paper import run_async

BTC = Symbol("BTC/USDT")
D = Decimal


def session(
    endpoint: PaperEndpoint,
    policy: RequestPolicy | None = None,
    info=None,
    mode: VenueMode = VenueMode.PAPER,
) -> VenueSession:
    return VenueSession(info or paper_info(), mode, paper=endpoint, options=FAST, policy=policy)


def order(
    side: Side,
    type_: OrderType,
    amount: str,
    price: str | None = None,
    *,
    tif: TimeInForce = TimeInForce.GTC,
    post_only: bool = False,
    venue: str = "paper",
    mode: VenueMode = VenueMode.PAPER,
) -> Order:
    return Order.from_request(
        OrderRequest(
            VenueId(venue),
            BTC,
            side,
            type_,
            D(amount),
            D(price) if price else None,
            time_in_force=tif,
            post_only=post_only,
            mode=mode,
        )
    )


async def best(s: VenueSession) -> tuple[Decimal, Decimal]:
    ob = await s.fetch_order_book_raw(str(BTC), 5)
    return D(repr(ob["bids"][0][0])), D(repr(ob["asks"][0][0]))


def far_below(s: VenueSession, bid: Decimal) -> str:
    return str(s.markets[BTC].round_price(bid * D("0.8")))


def test_connect_loads_markets_clock_and_health(endpoint: PaperEndpoint) -> None:
    async def go() -> None:
        s = session(endpoint)
        try:
            await s.connect()
            assert isinstance(s, ExchangePort)
            rules = s.markets[BTC]
            assert rules.tick_size == D("0.01") and rules.step_size == D("0.00001")
            assert rules.min_notional == D("5.0")
            assert s.clock_offset_ms is not None and abs(s.clock_offset_ms) < 5_000
            snap = s.health.snapshot()
            assert snap.state is VenueState.LIVE
            assert snap.latency_p50_ms is not None and snap.latency_samples_ms
            assert snap.clock_offset_ms == s.clock_offset_ms
            assert s.has_cancel_all and s.has_edit_order  # cancelReplace (ccxt edit_order)
        finally:
            await s.close()
        assert s.health.snapshot().state is VenueState.DOWN
        assert s.pro is None and s._rest is None

    run_async(go(), 60)


def test_limit_order_lifecycle_by_client_order_id(paper, endpoint: PaperEndpoint) -> None:
    async def go() -> None:
        s = session(endpoint)
        await s.connect()
        try:
            bid, _ = await best(s)
            o = order(Side.BUY, OrderType.LIMIT, "0.001", far_below(s, bid))
            ack = await s.create_order(o)
            assert ack.client_order_id == o.client_order_id and ack.venue_order_id
            assert ack.status is OrderStatus.OPEN and ack.price == o.price
            assert ack.time_in_force is TimeInForce.GTC and ack.amount == D("0.001")
            venue_side = await asyncio.to_thread(
                paper.control.open_orders, paper.api_key, "BTC/USDT"
            )
            assert o.client_order_id in {v["clientOrderId"] for v in venue_side}
            q = await s.fetch_order(o.client_order_id, BTC)
            assert q.status is OrderStatus.OPEN and q.venue_order_id == ack.venue_order_id
            assert o.client_order_id in {r.client_order_id for r in await s.fetch_open_orders()}
            assert o.client_order_id in {r.client_order_id for r in await s.fetch_open_orders(BTC)}
            o.venue_order_id = None  # cancel by client order id alone
            canceled = await s.cancel_order(o)
            assert canceled.status is OrderStatus.CANCELED
            assert canceled.client_order_id == o.client_order_id  # not the cancel's own id
            assert (await s.fetch_order(o.client_order_id, BTC)).status is OrderStatus.CANCELED
        finally:
            await s.close()

    run_async(go(), 60)


def test_market_order_fills_and_shows_in_my_trades_and_balances(endpoint: PaperEndpoint) -> None:
    async def go() -> None:
        s = session(endpoint)
        await s.connect()
        try:
            before = await s.fetch_balances()
            o = order(Side.BUY, OrderType.MARKET, "0.001")
            r = await s.create_order(o)
            assert r.status is OrderStatus.FILLED and r.filled == D("0.001")
            assert r.fills and sum(f.amount for f in r.fills) == D("0.001")
            trades = await s.fetch_my_trades(BTC)
            assert {f.trade_id for f in r.fills} <= {t.trade_id for t in trades}
            after = await s.fetch_balances()
            assert after.get("BTC").total > before.get("BTC").total
            assert after.get("USDT").total < before.get("USDT").total
        finally:
            await s.close()

    run_async(go(), 60)


def test_post_only_and_ioc(endpoint: PaperEndpoint) -> None:
    async def go() -> None:
        s = session(endpoint)
        await s.connect()
        try:
            bid, ask = await best(s)
            crossing = order(Side.BUY, OrderType.LIMIT, "0.001", str(ask + 50), post_only=True)
            with pytest.raises(OrderRejectedError) as info:
                await s.create_order(crossing)
            assert info.value.cause_name == "OrderImmediatelyFillable"
            resting = order(Side.BUY, OrderType.LIMIT, "0.001", far_below(s, bid), post_only=True)
            r = await s.create_order(resting)
            assert r.status is OrderStatus.OPEN and r.post_only
            await s.cancel_order(resting)
            ioc = order(Side.BUY, OrderType.LIMIT, "0.001", far_below(s, bid), tif=TimeInForce.IOC)
            r = await s.create_order(ioc)
            assert r.status in (OrderStatus.EXPIRED, OrderStatus.CANCELED) and r.filled == 0
        finally:
            await s.close()

    run_async(go(), 60)


def test_rejections_and_not_found_keep_the_venue_reason(endpoint: PaperEndpoint) -> None:
    async def go() -> None:
        s = session(endpoint)
        await s.connect()
        try:
            bid, _ = await best(s)
            huge = order(Side.BUY, OrderType.LIMIT, "1000", far_below(s, bid))
            with pytest.raises(OrderRejectedError) as info:
                await s.create_order(huge)
            assert "insufficient balance" in info.value.reason.lower()
            with pytest.raises(OrderRejectedError, match="no spot market"):
                await s.create_order(
                    Order.from_request(
                        OrderRequest(
                            VenueId("paper"), Symbol("DOGE/EUR"), Side.BUY, OrderType.MARKET, D("1")
                        )
                    )
                )
            with pytest.raises(OrderNotFoundError):
                await s.fetch_order(ClientOrderId("ttnosuchorder0001"), BTC)
            ghost = order(Side.BUY, OrderType.LIMIT, "0.001", "1000")
            with pytest.raises(OrderNotFoundError):
                await s.cancel_order(ghost)
            snap = s.health.snapshot()
            assert snap.state is VenueState.LIVE and snap.errors == 0  # the venue answered
            assert "unknown order" in snap.last_error.lower()  # the last answer, kept
        finally:
            await s.close()

    run_async(go(), 60)


def test_5xx_on_create_is_an_unknown_outcome_settled_by_query(paper, endpoint) -> None:
    async def go() -> None:
        s = session(endpoint)
        await s.connect()
        try:
            bid, _ = await best(s)
            o = order(Side.BUY, OrderType.LIMIT, "0.001", far_below(s, bid))
            await asyncio.to_thread(paper.control.order_unknown, "5xx", 1)
            with pytest.raises(OutcomeUnknownError):
                await s.create_order(o)
            # the venue did take it: the query by client order id settles it
            q = await s.fetch_order(o.client_order_id, BTC)
            assert q.status is OrderStatus.OPEN
            await s.cancel_order(o)
            await asyncio.to_thread(paper.control.order_unknown, "close", 1)
            o2 = order(Side.BUY, OrderType.LIMIT, "0.001", far_below(s, bid))
            with pytest.raises(OutcomeUnknownError):
                await s.create_order(o2)
            assert (await s.fetch_order(o2.client_order_id, BTC)).status is OrderStatus.OPEN
            await s.cancel_order(o2)
        finally:
            await s.close()

    run_async(go(), 60)


def test_5xx_burst_opens_the_breaker_and_it_recovers(paper, endpoint) -> None:
    async def go() -> None:
        clock = SystemClock()
        policy = RequestPolicy(
            "paper",
            clock,
            PolicyConfig(
                breaker_threshold=5, breaker_window_s=30, breaker_cooldown_s=1.5, read_attempts=1
            ),
        )
        s = session(endpoint, policy)
        await s.connect()
        try:
            bid, _ = await best(s)
            await asyncio.to_thread(paper.control.rest_errors, 503, 5)
            for _ in range(5):
                with pytest.raises(TransientError):
                    await s.fetch_balances()
            snap = s.health.snapshot()
            assert snap.breaker is BreakerState.OPEN and snap.state is VenueState.DOWN
            assert snap.errors == 5 and snap.error_rate > 0.5
            assert "ExchangeNotAvailable" in snap.last_error
            o = order(Side.BUY, OrderType.LIMIT, "0.001", far_below(s, bid))
            with pytest.raises(VenueUnavailableError, match="circuit breaker"):
                await s.create_order(o)
            venue_side = await asyncio.to_thread(paper.control.open_orders, paper.api_key)
            assert o.client_order_id not in {v["clientOrderId"] for v in venue_side}
            await asyncio.sleep(1.6)
            assert s.health.snapshot().breaker is BreakerState.HALF_OPEN
            r = await s.create_order(o)  # the probe passes first, then the order goes
            assert r.status is OrderStatus.OPEN
            snap = s.health.snapshot()
            assert snap.breaker is BreakerState.CLOSED and policy.breaker.open_count == 1
            await s.cancel_order(o)
        finally:
            await s.close()

    run_async(go(), 60)


def test_read_retries_ride_out_a_short_5xx_burst(paper, endpoint) -> None:
    async def go() -> None:
        policy = RequestPolicy(
            "paper", SystemClock(), PolicyConfig(read_attempts=3, read_backoff_base_s=0.05)
        )
        s = session(endpoint, policy)
        await s.connect()
        try:
            await asyncio.to_thread(paper.control.rest_errors, 502, 2)
            balances = await s.fetch_balances()  # two failures, then the answer
            assert balances.get("USDT").total > 0
            snap = s.health.snapshot()
            assert snap.errors == 2 and snap.breaker is BreakerState.CLOSED
        finally:
            await s.close()

    run_async(go(), 60)


def test_429_retry_after_pauses_rest_calls(paper, endpoint) -> None:
    async def go() -> None:
        s = session(endpoint)
        await s.connect()
        try:
            bid, _ = await best(s)
            await asyncio.to_thread(paper.control.rest_errors, 429, 1, 0.0, "", 2)
            with pytest.raises(RateLimitedError) as info:
                await s.fetch_balances()
            assert info.value.retry_after == 2.0
            snap = s.health.snapshot()
            assert 1.0 < snap.rest_paused_s <= 2.0 and snap.state is VenueState.DEGRADED
            o = order(Side.BUY, OrderType.LIMIT, "0.001", far_below(s, bid))
            with pytest.raises(VenueUnavailableError, match="rate limit"):
                await s.create_order(o)  # refused locally: nothing sent
            venue_side = await asyncio.to_thread(paper.control.open_orders, paper.api_key)
            assert o.client_order_id not in {v["clientOrderId"] for v in venue_side}
            t0 = time.monotonic()
            await s.fetch_balances()  # a read waits the pause out, then goes
            assert time.monotonic() - t0 > 1.0
            assert s.health.snapshot().rest_paused_s == 0
            assert (await s.create_order(o)).status is OrderStatus.OPEN
            await s.cancel_order(o)
        finally:
            await s.close()

    run_async(go(), 60)


def test_order_rate_budget_refuses_before_the_venue(paper, endpoint) -> None:
    async def go() -> None:
        policy = RequestPolicy(
            "paper", SystemClock(), PolicyConfig(order_limit=3, order_window_s=10)
        )
        s = session(endpoint, policy)
        await s.connect()
        try:
            bid, _ = await best(s)
            placed = [
                order(Side.BUY, OrderType.LIMIT, "0.001", far_below(s, bid)) for _ in range(3)
            ]
            for o in placed:
                await s.create_order(o)
            extra = order(Side.BUY, OrderType.LIMIT, "0.001", far_below(s, bid))
            with pytest.raises(VenueUnavailableError, match="budget"):
                await s.create_order(extra)
            assert s.health.snapshot().rate_budget.used == 3
            canceled = await s.cancel_all_orders(BTC)  # cancels are not budgeted
            assert {o.client_order_id for o in placed} <= {r.client_order_id for r in canceled}
            assert all(r.status is OrderStatus.CANCELED for r in canceled)
        finally:
            await s.close()

    run_async(go(), 60)


def test_live_mode_entry_pointing_at_paper(endpoint: PaperEndpoint) -> None:
    async def go() -> None:
        cat = default_catalogue()
        info = cat.register(paper_live_info())
        s = VenueSession(info, VenueMode.LIVE, paper=endpoint, options=FAST)
        await s.connect()
        try:
            assert s.mode is VenueMode.LIVE and s.venue == "paperlive"
            assert BTC in s.markets
            r = await s.create_order(
                order(Side.BUY, OrderType.MARKET, "0.0002", venue="paperlive", mode=VenueMode.LIVE)
            )
            assert r.status is OrderStatus.FILLED
        finally:
            await s.close()

    run_async(go(), 60)


def test_sandbox_mode_is_switched_on_before_anything_else() -> None:
    """No network: the instance a SANDBOX session builds already points at the testnet."""
    import ccxt.async_support as ccxt_async

    cat = default_catalogue()
    s = VenueSession(
        cat.get("binance"), VenueMode.SANDBOX, credentials={"apiKey": "k" * 16, "secret": "s" * 16}
    )
    inst = s._new_instance(pro=False)
    assert inst.isSandboxModeEnabled
    assert inst.urls["api"] == ccxt_async.binance().urls["test"]
    assert inst.options["defaultType"] == "spot"
    assert inst.options["fetchMarkets"]["types"] == ["spot"]
    live = VenueSession(cat.get("binance"), VenueMode.LIVE)._new_instance(pro=False)
    assert not live.isSandboxModeEnabled
    assert live.urls["api"] == ccxt_async.binance().urls["api"]
    pro = s._new_instance(pro=True)
    assert pro.isSandboxModeEnabled and "testnet" in str(pro.urls["api"]["ws"])
    with pytest.raises(ValueError, match="cannot be connected in sandbox"):
        VenueSession(cat.get("kraken"), VenueMode.SANDBOX)
    assert s.has_credentials  # apiKey + secret is all binance needs
    assert (
        VenueSession(
            cat.get("okx"), VenueMode.DEMO, credentials={"apiKey": "a", "secret": "b"}
        ).has_credentials
        is False
    )


def test_demo_trading_uses_the_demo_host() -> None:
    cat = default_catalogue()
    for venue in ("bybit", "binance"):
        s = VenueSession(cat.get(venue), VenueMode.DEMO)
        inst = s._new_instance(pro=False)
        assert inst.options.get("enableDemoTrading") is True
        assert "demo" in str(inst.urls["api"])
        assert not inst.isSandboxModeEnabled


def test_markets_load_rides_out_a_short_5xx_burst_and_stops_after_its_attempts(
    paper, endpoint
) -> None:
    """Loading the markets is a read: a 502 burst shorter than its attempts is waited
    out; with fewer attempts than failures the venue's error itself comes out."""
    options = FAST.__class__(
        rate_limit_ms=5, heartbeat_s=0, load_markets_attempts=3, load_markets_backoff_s=0.05
    )

    async def go() -> None:
        s = VenueSession(paper_info(), VenueMode.PAPER, paper=endpoint, options=options)
        await asyncio.to_thread(paper.control.rest_errors, 502, 2)
        try:
            await s.connect()  # two failures, then the markets
            assert BTC in s.markets
            assert s.health.snapshot().errors == 2
        finally:
            await s.close()
        short = VenueSession(
            paper_info(),
            VenueMode.PAPER,
            paper=endpoint,
            options=FAST.__class__(
                rate_limit_ms=5, heartbeat_s=0, load_markets_attempts=2, load_markets_backoff_s=0.05
            ),
        )
        await asyncio.to_thread(paper.control.rest_errors, 502, 3)
        with pytest.raises(Exception) as info:
            await short.connect()
        assert type(info.value).__name__ == "TransientError"
        assert short.health.snapshot().errors == 2  # exactly its two attempts
        await short.close()
        await asyncio.to_thread(paper.control.clear_faults)

    run_async(go(), 60)


def test_connect_failure_is_classified_and_health_says_down() -> None:
    async def go() -> None:
        import socket

        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        sock.close()  # nothing listens there now
        s = VenueSession(
            paper_info(),
            VenueMode.PAPER,
            paper=PaperEndpoint(f"http://127.0.0.1:{port}", (("k", "s" * 8),)),
            options=FAST.__class__(
                rate_limit_ms=5, heartbeat_s=0, load_markets_attempts=2, load_markets_backoff_s=0.05
            ),
        )
        with pytest.raises(Exception) as info:
            await s.connect()
        assert type(info.value).__name__ == "TransientError"
        snap = s.health.snapshot()
        assert snap.state is VenueState.DOWN and "connect failed" in snap.detail
        assert s._rest is None
        await s.close()

    run_async(go(), 30)


def test_heartbeat_probe_closes_the_breaker_without_an_order(paper, endpoint) -> None:
    async def go() -> None:
        from terminal.exchange.session import SessionOptions

        policy = RequestPolicy(
            "paper",
            SystemClock(),
            PolicyConfig(breaker_threshold=2, breaker_cooldown_s=0.5, read_attempts=1),
        )
        s = VenueSession(
            paper_info(),
            VenueMode.PAPER,
            paper=endpoint,
            policy=policy,
            options=SessionOptions(rate_limit_ms=5, heartbeat_s=0.2, clock_adjust_ms=0),
        )
        await s.connect()
        try:
            # clock_adjust_ms=0: the measured offset is handed to ccxt, signing still works
            assert s.rest.options["timeDifference"] == int(-s.clock_offset_ms)
            await asyncio.to_thread(paper.control.rest_errors, 500, 2)
            for _ in range(2):
                with pytest.raises(TransientError):
                    await s.fetch_balances()
            assert policy.breaker.state is BreakerState.OPEN
            deadline = time.monotonic() + 5
            while policy.breaker.state is not BreakerState.CLOSED:
                assert time.monotonic() < deadline, "the heartbeat never probed"
                await asyncio.sleep(0.05)
            snap = s.health.snapshot()
            # up again, but the failures are still in the 60 s error window
            assert snap.state is VenueState.DEGRADED and "failing" in snap.detail
            assert (await s.fetch_balances()).get("USDT").total > 0
        finally:
            await s.close()
        assert not s.owner.tasks  # the heartbeat is gone

    run_async(go(), 60)


def test_cancel_all_without_a_venue_endpoint_cancels_one_by_one(endpoint) -> None:
    async def go() -> None:
        info = dataclasses.replace(paper_info(), has_cancel_all=False)
        s = session(endpoint, info=info)
        await s.connect()
        try:
            bid, _ = await best(s)
            placed = [
                order(Side.BUY, OrderType.LIMIT, "0.001", far_below(s, bid)) for _ in range(2)
            ]
            for o in placed:
                await s.create_order(o)
            assert not s.has_cancel_all
            canceled = await s.cancel_all_orders(BTC)
            assert {o.client_order_id for o in placed} <= {r.client_order_id for r in canceled}
            assert all(r.status is OrderStatus.CANCELED for r in canceled)
            assert not [
                r
                for r in await s.fetch_open_orders(BTC)
                if r.client_order_id in {o.client_order_id for o in placed}
            ]
        finally:
            await s.close()

    run_async(go(), 60)
