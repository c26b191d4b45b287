"""TerminalServices end to end: the private streams drive the order service.

Real pieces only: the paper exchange (joined by URL, as `--paper-url` does), the
exchange manager with its ccxt.pro private feeds, the safety gate, the SQLite journal.
"""

from __future__ import annotations

import asyncio
import time
from decimal import Decimal

import pytest

from terminal.core.orders import EntryNotReady, SubmitRefused
from terminal.core.policy import RateBudget, SystemClock
from terminal.domain.enums import OrderType, Side, VenueMode
from terminal.domain.ids import Symbol, VenueId
from terminal.domain.order import OrderRequest, OrderStatus
from terminal.domain.session import SessionKey
from terminal.paper.embedded import start_paper_exchange
from terminal.services import ServicesOptions, TerminalServices
from tests.fixtures_paper import paper_rest, run_async
from tests.integration.test_orders_helpers import eventually, services_options

KEY, SECRET = "svc-key-000001", "svc-secret-0000000000001"
PAPER, BTC = VenueId("paper"), Symbol("BTC/USDT")
PAPER_KEY = SessionKey(VenueId("paper"), VenueMode.PAPER)


@pytest.fixture(scope="module")
def paper(tmp_path_factory):
    handle = start_paper_exchange(
        tmp_path_factory.mktemp("paper-svc"), faults=True, rate="calm", accounts=[(KEY, SECRET)]
    )
    try:
        yield handle
    finally:
        handle.stop()


def options(tmp_path, paper) -> ServicesOptions:
    return services_options(tmp_path, paper, KEY, SECRET)


def far_buy(bid: Decimal) -> OrderRequest:
    return OrderRequest(
        PAPER,
        BTC,
        Side.BUY,
        OrderType.LIMIT,
        Decimal("0.001"),
        (bid * Decimal("0.97")).quantize(Decimal("0.01")),
    )


def test_stream_fill_reconnect_and_emergency_stop(paper, tmp_path):
    async def main():
        started = time.monotonic()
        async with TerminalServices(options(tmp_path, paper)) as services:
            results = []
            services.orders.reconciled.add(results.append)
            session = await services.connect("paper")
            assert services.orders.entry_ready(PAPER_KEY)
            await eventually(lambda: _true(len(results) >= 2))  # start-up + stream connect
            await quiet(results)  # the feeds' reconnect reconciliations are over

            # a fill that only the user stream reports
            await services.refresh_market_inputs("paper", BTC)
            book = await session.fetch_order_book_raw(BTC, 5)
            bid, ask = Decimal(repr(book["bids"][0][0])), Decimal(repr(book["asks"][0][0]))
            sell = await services.orders.submit(
                OrderRequest(
                    PAPER,
                    BTC,
                    Side.SELL,
                    OrderType.LIMIT,
                    Decimal("0.001"),
                    (ask * Decimal("1.001")).quantize(Decimal("0.01")),
                )
            )
            assert sell.status is OrderStatus.OPEN
            paper.control.force_trade(
                BTC, "buy", str((ask * Decimal("1.01")).quantize(Decimal("0.01")))
            )

            async def filled():
                got = await services.journal.get_order(sell.client_order_id)
                return got if got.status is OrderStatus.FILLED else None

            got = await eventually(filled)
            sources = {
                e.source
                for e in await services.journal.events(sell.client_order_id)
                if e.kind == "OrderFilled"
            }
            assert sources == {"stream"}, sources
            assert got.filled == Decimal("0.001")

            # an order event is lost (the paper exchange stalls our user stream while
            # another client places an order: Binance never replays what a dead socket
            # missed), then the user stream drops: the reconnect reconciles and adopts it.
            before = len(results)
            paper.control.stall_ws(target="user", account=KEY)
            async with paper_rest(paper, (KEY, SECRET)) as other:
                await other.load_markets()
                await other.create_order(
                    BTC,
                    "limit",
                    "buy",
                    0.001,
                    float(far_buy(bid).price),
                    params={"clientOrderId": "while-away-1"},
                )
            await asyncio.sleep(0.5)
            assert await services.journal.get_order("while-away-1") is None
            paper.control.drop_ws(target="user")

            async def adopted():
                return await services.journal.get_order("while-away-1")

            ext = await eventually(adopted, 20)
            accepted = [
                e.source
                for e in await services.journal.events("while-away-1")
                if e.kind == "OrderAccepted"
            ]
            assert ext.external and accepted == ["reconciliation"]
            await eventually(
                lambda: _true(any("while-away-1" in a for r in results[before:] for a in r.adopted))
            )
            await quiet(results)

            # emergency stop: refused at once, before any await
            mine = await services.orders.submit(far_buy(bid))
            services.safety.stop.engage(reason="drill")
            coro = services.orders.submit(far_buy(bid * Decimal("0.99")))
            with pytest.raises(SubmitRefused, match=r"(?i)emergency stop"):
                coro.send(None)
            coro.close()
            result = await services.safety.stop.sweep(
                services.connected_sessions(), services.journal, report_sink=_sink(services)
            )
            assert result.ok, result
            for coid in (mine.client_order_id, "while-away-1"):
                order = await services.journal.get_order(coid)
                assert order.status is OrderStatus.CANCELED, order
            services.safety.stop.reset(confirmed=True)
            services.disconnect_started = time.monotonic()
        assert time.monotonic() - services.disconnect_started < 10  # bounded close
        assert services.journal is None and services.exchange is None
        return time.monotonic() - started

    run_async(main(), 90)


def test_entry_waits_for_reconciliation(paper, tmp_path):
    async def main():
        async with TerminalServices(options(tmp_path, paper)) as services:
            await services.connect("paper", reconcile=False, streams=False)
            with pytest.raises(EntryNotReady, match="reconciling"):
                await services.orders.submit(far_buy(Decimal("50000")))
            result = await services.reconcile("paper")
            assert result.ok and services.orders.entry_ready(PAPER_KEY)

    run_async(main(), 60)


async def quiet(results, for_s: float = 1.5, timeout: float = 15.0) -> None:
    """Wait until no reconciliation has finished for `for_s` seconds."""
    deadline = time.monotonic() + timeout
    seen, since = len(results), time.monotonic()
    while time.monotonic() < deadline:
        await asyncio.sleep(0.1)
        if len(results) != seen:
            seen, since = len(results), time.monotonic()
        elif time.monotonic() - since >= for_s:
            return
    raise AssertionError("reconciliations did not settle")


async def _true(value):
    return value


def _sink(services):
    from terminal.core.safety.sweep import order_service_sink

    return order_service_sink(services.orders)


def test_a_used_up_order_rate_budget_is_refused_by_the_pre_trade_check(paper, tmp_path):
    """The session's order-rate budget is part of the pre-trade check: once it is used
    up, `check()` (what the ticket runs as the user types) names it with the wait, and
    the order is refused before anything is journaled or sent."""

    async def main():
        async with TerminalServices(options(tmp_path, paper)) as services:
            session = await services.connect("paper")
            await eventually(lambda: _true(services.orders.entry_ready(PAPER_KEY)))
            session.policy.orders = RateBudget(2, 60.0, SystemClock())
            await services.refresh_market_inputs("paper", BTC)
            book = await session.fetch_order_book_raw(BTC, 5)
            bid = Decimal(repr(book["bids"][0][0]))
            # three different prices: the double-submit guard has nothing to say
            first, second, request = (far_buy(bid - n) for n in (0, 1, 2))
            assert services.orders.check(request) == []
            placed = [await services.orders.submit(r) for r in (first, second)]
            assert all(o.status is OrderStatus.OPEN for o in placed)

            refusals = services.orders.check(request)
            assert [r.rule for r in refusals] == ["order_rate_budget"], refusals
            assert refusals[0].message.startswith("order-rate budget used up (2 orders per 60 s)")
            journaled = len(await services.journal.order_history())
            with pytest.raises(SubmitRefused, match="order-rate budget used up"):
                await services.orders.submit(request)
            assert len(await services.journal.order_history()) == journaled
            async with paper_rest(paper, (KEY, SECRET)) as ex:
                venue_open = await ex.fetch_open_orders(str(BTC))
            ids = {o["clientOrderId"] for o in venue_open}
            assert {str(o.client_order_id) for o in placed} <= ids and len(ids) == 2
            await services.orders.cancel_all(PAPER_KEY)

    run_async(main(), 120)
