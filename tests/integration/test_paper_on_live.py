"""Paper on a venue's live data, whole stack: TerminalServices connects a paper-on-live
session (mode paper-live) whose "live" venue is the local paper exchange over loopback.
The session's book and trades come from the paper exchange through ccxt.pro; its orders
stay on this machine. The paper exchange's control API makes the venue trade."""

from __future__ import annotations

import asyncio
import time
from decimal import Decimal

import pytest

from terminal.core.marketstate import FeedKey, FeedKind
from terminal.domain.enums import OrderType, Side, VenueMode
from terminal.domain.ids import Symbol, VenueId
from terminal.domain.order import OrderRequest, OrderStatus
from terminal.domain.session import SessionKey
from terminal.livepaper import LivePaperSession
from terminal.paper.embedded import start_paper_exchange
from terminal.services import TerminalServices
from tests.fixtures_paper import run_async
from tests.integration.test_orders_helpers import eventually, services_options

KEY, SECRET = "plive-key-0000001", "plive-secret-000000000001"
BTC = Symbol("BTC/USDT")
SESSION = SessionKey(VenueId("paper"), VenueMode.PAPER_LIVE)
TRADES = FeedKey(VenueId("paper"), VenueMode.PAPER_LIVE, FeedKind.TRADES, BTC)
AMOUNT = Decimal("0.002")
pytestmark = pytest.mark.timeout(180)


@pytest.fixture(scope="module")
def paper(tmp_path_factory):  # type: ignore[no-untyped-def]
    handle = start_paper_exchange(
        tmp_path_factory.mktemp("paper-live"), rate="calm", accounts=[(KEY, SECRET)]
    )
    handle.control.pause()  # only the trades this test makes
    try:
        yield handle
    finally:
        handle.stop()


def bids(paper) -> list[Decimal]:  # type: ignore[no-untyped-def]
    return [Decimal(p) for p, _q in paper.control.book(str(BTC), 10)["bids"]]


async def venue_trades(paper, side: str, price: Decimal) -> None:  # type: ignore[no-untyped-def]
    """The venue's crowd sweeps the book through `price`."""
    await asyncio.to_thread(paper.control.force_trade, str(BTC), side, str(price))


async def nudge(paper) -> None:  # type: ignore[no-untyped-def]
    """One more venue trade that leaves the bids alone (a buy at the best ask). ccxt.pro
    hands a burst's last trade to the feed only with the next trade message, and a
    paused paper market makes no trades of its own."""
    ask = Decimal(paper.control.book(str(BTC), 1)["asks"][0][0])
    await venue_trades(paper, "buy", ask)


async def until_seen(services, paper, price: Decimal, after_ms: int) -> None:  # type: ignore[no-untyped-def]
    """Until the session's live trade feed has delivered a trade at `price` made after
    `after_ms` (so the local venue has judged it); bounded."""
    deadline = time.monotonic() + 30
    while not any(
        t.price == price and t.timestamp_ms >= after_ms
        for t in services.exchange.state.recent_trades(TRADES, 200)
    ):
        assert time.monotonic() < deadline, f"no trade at {price} reached the session"
        await nudge(paper)
        await asyncio.sleep(0.5)


def test_paper_on_live_fills_a_resting_limit_only_after_the_venue_trades_through_it(
    paper, tmp_path
):  # type: ignore[no-untyped-def]
    async def main() -> None:
        options = services_options(tmp_path, paper, KEY, SECRET)
        async with TerminalServices(options) as services:
            assert services.safety.lock.locked  # the testnet lock is ON: still allowed
            session = await services.connect(
                "paper", VenueMode.PAPER_LIVE, balances={"USDT": Decimal(1000)}
            )
            assert isinstance(session, LivePaperSession) and session.key == SESSION
            await eventually(lambda: _ready(services))
            await session.watch(BTC)
            # the venue's trade feed runs: a buy at the best ask (no bid moves) arrives
            ask = Decimal(paper.control.book(str(BTC), 1)["asks"][0][0])
            started = int(time.time() * 1000) - 1
            await venue_trades(paper, "buy", ask)
            await until_seen(services, paper, ask, started)

            levels = bids(paper)
            price = levels[3]  # three live levels above it, its own level ahead of it
            ahead = Decimal(paper.control.book(str(BTC), 10)["bids"][3][1])
            taker = session.local.engine.market_fees[str(BTC)]
            request = OrderRequest(
                VenueId("paper"),
                BTC,
                Side.BUY,
                OrderType.LIMIT,
                AMOUNT,
                price,
                mode=VenueMode.PAPER_LIVE,
            )
            await services.refresh_market_inputs("paper", BTC, SESSION)  # the gate's inputs
            placed = await services.orders.submit(request)
            assert placed.status is OrderStatus.OPEN, placed.reason
            cid = placed.client_order_id
            # nothing of it reached the venue: the paper exchange has no open order
            assert paper.control.open_orders(KEY) == []

            # 1. the venue trades down to the best bid only: above our price, no fill
            t0 = int(time.time() * 1000) - 1
            await venue_trades(paper, "sell", levels[0])
            await until_seen(services, paper, levels[0], t0)
            # 2. it trades AT our price exactly the quantity that rested ahead of us:
            #    our place in the queue is reached, nothing of ours has traded
            t1 = int(time.time() * 1000) - 1
            await venue_trades(paper, "sell", price)
            await until_seen(services, paper, price, t1)
            at_price = [
                t.amount
                for t in services.exchange.state.recent_trades(TRADES, 200)
                if t.price == price and t.timestamp_ms >= t1
            ]
            assert sum(at_price) == ahead
            await asyncio.sleep(0.3)
            assert (await services.journal.get_order(cid)).status is OrderStatus.OPEN
            assert session.local.query(cid, BTC).status is OrderStatus.OPEN
            usdt = session.local.balances().get("USDT")
            assert usdt.used == price * AMOUNT and usdt.total == Decimal(1000)

            # 3. the venue trades THROUGH our price: now it fills, at our price, as maker
            below = bids(paper)
            through = next(p for p in below if p < price)
            await venue_trades(paper, "sell", through)

            async def filled() -> bool:
                order = await services.journal.get_order(cid)
                return order is not None and order.status is OrderStatus.FILLED

            await eventually(filled, 20)
            order = await services.journal.get_order(cid)
            fills = await services.journal.fills(client_order_id=str(cid))
            assert order.filled == AMOUNT and sum(f.amount for f in fills) == AMOUNT
            assert {f.price for f in fills} == {price}
            assert {f.is_maker for f in fills} == {True}
            assert all(f.session == SESSION for f in fills)
            fee = sum(f.fee for f in fills)
            assert fee == (AMOUNT * taker.maker).quantize(Decimal("1e-8"))
            assert {f.fee_currency for f in fills} == {"BTC"}

            # balances and journal agree: the venue's view, and the streamed one
            spent = sum(f.price * f.amount for f in fills)
            local = session.local.balances()
            assert local.get("USDT").total == Decimal(1000) - spent
            assert local.get("USDT").used == 0
            assert local.get("BTC").total == AMOUNT - fee

            async def streamed() -> bool:
                seen = services.exchange.state.balances(SESSION)
                return seen is not None and seen.get("BTC").total == AMOUNT - fee

            await eventually(streamed, 20)
            assert services.exchange.state.balances(SESSION).get("USDT").total == (
                Decimal(1000) - spent
            )
            assert paper.control.open_orders(KEY) == []

    run_async(main(), 150)


async def _ready(services) -> bool:  # type: ignore[no-untyped-def]
    return services.orders.entry_ready(SESSION)


def test_paper_on_live_stop_market_order_and_reconnect(paper, tmp_path):  # type: ignore[no-untyped-def]
    """The session's stop cancels its local order only (the paper exchange's own session
    keeps its order at the venue); a market order walks the venue's live book at its
    taker fee; reconnected, the account keeps what it had."""
    from terminal.core.safety import StopScope, StopTarget

    main_key = SessionKey(VenueId("paper"), VenueMode.PAPER)

    async def main() -> None:
        options = services_options(tmp_path, paper, KEY, SECRET)
        async with TerminalServices(options) as services:
            await services.connect("paper")
            session = await services.connect(
                "paper", VenueMode.PAPER_LIVE, "stopper", balances={"USDT": Decimal(2000)}
            )
            key = session.key
            for k in (main_key, key):
                await eventually(lambda k=k: _ready_key(services, k))
                await services.refresh_market_inputs("paper", BTC, k)
            bid = Decimal(paper.control.book(str(BTC), 1)["bids"][0][0])
            price = (bid * Decimal("0.98")).quantize(Decimal("0.01"))
            theirs = await services.orders.submit(_ticket(main_key, price))
            mine = await services.orders.submit(_ticket(key, price))
            assert theirs.status is mine.status is OrderStatus.OPEN
            assert session.local.balances().get("USDT").used == price * AMOUNT

            _state, task = services.engage_stop(
                StopScope.ALL, "test", "test", target=StopTarget(session=key)
            )
            result = await task
            assert result.ok
            assert session.local.open_orders() == []
            assert session.local.balances().get("USDT").used == 0
            assert (await services.journal.get_order(mine.client_order_id)).status is (
                OrderStatus.CANCELED
            )
            at_venue = [o["clientOrderId"] for o in paper.control.open_orders(KEY)]
            assert at_venue == [str(theirs.client_order_id)]
            services.safety.stop.reset(confirmed=True)
            await services.orders.cancel(theirs.client_order_id)

            # a market buy walks the venue's asks as they are now
            asks = paper.control.book(str(BTC), 5)["asks"]
            await services.refresh_market_inputs("paper", BTC, key)
            bought = await services.orders.submit(
                OrderRequest(
                    VenueId("paper"),
                    BTC,
                    Side.BUY,
                    OrderType.MARKET,
                    AMOUNT,
                    None,
                    mode=VenueMode.PAPER_LIVE,
                    account=key.account,
                )
            )

            async def filled() -> bool:
                order = await services.journal.get_order(bought.client_order_id)
                return order is not None and order.status is OrderStatus.FILLED

            await eventually(filled, 20)
            fills = await services.journal.fills(client_order_id=str(bought.client_order_id))
            assert {f.price for f in fills} <= {Decimal(p) for p, _q in asks}
            assert {f.is_maker for f in fills} == {False}
            taker = session.local.engine.market_fees[str(BTC)].taker
            assert sum(f.fee for f in fills) == (AMOUNT * taker).quantize(Decimal("1e-8"))
            usdt = session.local.balances().get("USDT").total
            btc = session.local.balances().get("BTC").total
            assert usdt == Decimal(2000) - sum(f.price * f.amount for f in fills)

            # disconnected and connected again: the same account, not new balances
            await services.disconnect_key(key)
            again = await services.connect("paper", VenueMode.PAPER_LIVE, "stopper")
            assert again is not session
            assert again.local.balances().get("USDT").total == usdt
            assert again.local.balances().get("BTC").total == btc

    run_async(main(), 150)


def _ticket(key: SessionKey, price: Decimal) -> OrderRequest:
    return OrderRequest(
        key.venue, BTC, Side.BUY, OrderType.LIMIT, AMOUNT, price, mode=key.mode, account=key.account
    )


async def _ready_key(services, key) -> bool:  # type: ignore[no-untyped-def]
    return services.orders.entry_ready(key)
