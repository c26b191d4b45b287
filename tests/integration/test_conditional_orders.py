"""Stop and take-profit orders through the order service, the real ccxt session and the
real paper exchange: each type is journaled, sent through ccxt's unified parameters,
waits untriggered (PENDING_TRIGGER), is triggered by a forced trade, fills, and its
journal rows and the venue's balances agree to the last unit.

The simulated market is paused; only the control API's forced trades move the price.
"""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest

from terminal.domain.enums import OrderType, Side, VenueMode
from terminal.domain.order import OrderRequest, OrderStatus
from terminal.domain.session import SessionKey
from terminal.paper.embedded import start_paper_exchange
from tests.fixtures_paper import run_async
from tests.integration.test_orders_helpers import BTC, PAPER, order_stack

PAPER_KEY = SessionKey(PAPER, VenueMode.PAPER)

AMOUNT = Decimal("0.01000")
TICK = Decimal("0.01")


@pytest.fixture(scope="module")
def paper(tmp_path_factory):
    handle = start_paper_exchange(tmp_path_factory.mktemp("paper-conditional"), rate="calm")
    handle.control.pause()
    try:
        yield handle
    finally:
        handle.stop()


async def force(paper, side: str, price: Decimal) -> None:
    await asyncio.to_thread(paper.control.force_trade, BTC, side, f"{price:.2f}")


async def last_at_the_ask(paper, session) -> Decimal:
    book = await asyncio.to_thread(paper.control.book, BTC, 1)
    await force(paper, "BUY", Decimal(book["asks"][0][0]))
    trades = await session.fetch_trades_raw(BTC, 1)
    return Decimal(repr(trades[-1]["price"])).quantize(TICK)


# type, side, trigger offset, limit offset, forced side, forced offset
CASES = {
    "stop-market sell": (OrderType.STOP_MARKET, "sell", -20, None, "SELL", -30),
    "stop-limit sell": (OrderType.STOP_LIMIT, "sell", -20, -45, "SELL", -30),
    "take-profit market sell": (OrderType.TAKE_PROFIT_MARKET, "sell", 20, None, "BUY", 30),
    "take-profit limit buy": (OrderType.TAKE_PROFIT_LIMIT, "buy", -20, 20, "SELL", -30),
    "stop-market buy": (OrderType.STOP_MARKET, "buy", 20, None, "BUY", 30),
}


@pytest.mark.parametrize("case", list(CASES))
def test_conditional_order_waits_triggers_fills_and_is_journaled(paper, tmp_path, case):
    kind, side, trig_off, limit_off, force_side, force_off = CASES[case]

    async def main():
        async with order_stack(paper, tmp_path / "j.sqlite") as (session, journal, svc):
            assert session.capabilities(BTC).supports(kind)
            last = await last_at_the_ask(paper, session)
            before = await session.fetch_balances()
            request = OrderRequest(
                venue=PAPER,
                symbol=BTC,
                side=Side(side),
                type=kind,
                amount=AMOUNT,
                trigger_price=last + trig_off,
                price=None if limit_off is None else last + limit_off,
            )
            order = await svc.submit(request)
            assert order.status is OrderStatus.PENDING_TRIGGER, order
            assert order.venue_order_id and order.trigger_price == last + trig_off
            stored = await journal.get_order(order.client_order_id)
            assert stored.type is kind and stored.trigger_price == last + trig_off
            assert stored.status is OrderStatus.PENDING_TRIGGER

            await force(paper, force_side, last + force_off)
            await svc.settle_open(svc.tracker.cached(order.client_order_id))
            done = await journal.get_order(order.client_order_id)
            assert done.status is OrderStatus.FILLED and done.filled == AMOUNT, done
            assert done.triggered
            kinds = [e.kind for e in await journal.events(order.client_order_id)]
            assert kinds[:2] == ["Intent", "OrderArmed"], kinds
            assert "OrderTriggered" in kinds and "OrderFilled" in kinds

            # the journal's fills are the venue's trades of this order, and the balances
            # moved by exactly what the journal says
            venue_trades = [
                t
                for t in await session.fetch_my_trades(BTC)
                if t.venue_order_id == done.venue_order_id
            ]
            assert {t.trade_id for t in venue_trades} == done.trade_ids
            after = await session.fetch_balances()
            d_btc = after.get("BTC").total - before.get("BTC").total
            d_usdt = after.get("USDT").total - before.get("USDT").total
            fee_btc = done.fees.get("BTC", Decimal(0))
            fee_usdt = done.fees.get("USDT", Decimal(0))
            if side == "sell":
                assert d_btc == -AMOUNT - fee_btc and d_usdt == done.cost - fee_usdt
            else:
                assert d_btc == AMOUNT - fee_btc and d_usdt == -done.cost - fee_usdt

    run_async(main(), timeout=90)


def test_trigger_on_the_wrong_side_is_refused_by_the_venue_and_journaled(paper, tmp_path):
    async def main():
        async with order_stack(paper, tmp_path / "j.sqlite") as (session, journal, svc):
            last = await last_at_the_ask(paper, session)
            order = await svc.submit(
                OrderRequest(
                    venue=PAPER,
                    symbol=BTC,
                    side=Side.SELL,
                    type=OrderType.STOP_MARKET,
                    amount=AMOUNT,
                    trigger_price=last + 50,
                )
            )
            assert order.status is OrderStatus.REJECTED
            assert "trigger immediately" in order.reason
            stored = await journal.get_order(order.client_order_id)
            assert stored.status is OrderStatus.REJECTED and stored.trigger_price == last + 50

    run_async(main(), timeout=60)


def test_cancel_of_a_waiting_stop_releases_it(paper, tmp_path):
    async def main():
        async with order_stack(paper, tmp_path / "j.sqlite") as (session, journal, svc):
            last = await last_at_the_ask(paper, session)
            order = await svc.submit(
                OrderRequest(
                    venue=PAPER,
                    symbol=BTC,
                    side=Side.SELL,
                    type=OrderType.STOP_LIMIT,
                    amount=AMOUNT,
                    trigger_price=last - 100,
                    price=last - 110,
                )
            )
            assert order.status is OrderStatus.PENDING_TRIGGER
            assert [o.client_order_id for o in svc.open_orders(PAPER_KEY)] == [
                order.client_order_id
            ]
            cancelled = await svc.cancel(order.client_order_id)
            assert cancelled.status is OrderStatus.CANCELED
            assert (await journal.get_order(order.client_order_id)).status is OrderStatus.CANCELED

    run_async(main(), timeout=60)
