"""A cancel whose outcome is open is settled by a query first, against the paper exchange
through the real ccxt client: sent again only when the venue still lists the order open,
and never while a cancel of it is still on its way (a reconciliation meanwhile, after a
private-stream reconnect, waits for it)."""

from __future__ import annotations

import asyncio
from decimal import Decimal

from terminal.domain.order import OrderStatus
from tests.fixtures_paper import paper_rest, run_async
from tests.integration.test_orders_helpers import PAPER_KEY, order_stack, ticket, touch_prices


def _count_cancels(session, hold: asyncio.Event | None = None) -> list[str]:
    """Record every cancel the session sends (the real call runs); the first one waits
    for `hold` before it leaves, so a test can act while it is on its way."""
    calls: list[str] = []
    real = session.cancel_order

    async def counted(order):
        calls.append(str(order.client_order_id))
        if hold is not None and len(calls) == 1:
            await hold.wait()
        return await real(order)

    session.cancel_order = counted
    return calls


def test_reconciliation_during_a_cancel_on_its_way_does_not_send_it_again(paper_exchange, tmp_path):
    paper = paper_exchange

    async def main():
        async with order_stack(paper, tmp_path / "j.sqlite") as (session, _journal, svc):
            bid, _ = await touch_prices(session)
            order = await svc.submit(ticket("buy", "limit", "0.001", bid * Decimal("0.9")))
            assert order.status is OrderStatus.OPEN
            hold = asyncio.Event()
            calls = _count_cancels(session, hold)
            cancel = asyncio.ensure_future(svc.cancel(order.client_order_id))
            await asyncio.sleep(0.05)
            assert calls == [order.client_order_id]  # on its way, not at the venue yet
            # the private stream reconnects meanwhile: the venue still lists it open
            result = await svc.on_stream_reconnect(PAPER_KEY)
            assert result.ok
            assert calls == [order.client_order_id], "reconciliation sent the cancel again"
            hold.set()
            done = await asyncio.wait_for(cancel, 20)
            assert done.status is OrderStatus.CANCELED
            assert calls == [order.client_order_id]
            assert paper.control.open_orders(paper.api_key) == []

    run_async(main(), 60)


def test_cancel_lost_before_the_venue_acted_is_sent_again_after_a_restart(paper_exchange, tmp_path):
    paper = paper_exchange
    path = tmp_path / "j.sqlite"

    async def main():
        async with order_stack(paper, path) as (session, journal, svc):
            bid, _ = await touch_prices(session)
            order = await svc.submit(ticket("buy", "limit", "0.001", bid * Decimal("0.9")))
            # the cancel meets a 503 before the venue acts: its outcome is unknown
            paper.control.rest_errors(status=503, count=1, path="/api/v3/order")
            calls = _count_cancels(session)
            got = await svc.cancel(order.client_order_id)
            assert got.status is OrderStatus.UNKNOWN and calls == [order.client_order_id]
        # the process ends before the query settled it (the settle task dies with it)
        paper.control.clear_faults()
        assert [o["clientOrderId"] for o in paper.control.open_orders(paper.api_key)] == [
            order.client_order_id
        ]
        async with order_stack(paper, path, reconcile=False) as (session, journal, svc):
            calls = _count_cancels(session)
            result = await svc.reconcile(PAPER_KEY)
            assert result.ok, result.error
            # queried first (open on the venue), then cancelled once, as the user asked
            assert calls == [order.client_order_id]
            stored = await journal.get_order(order.client_order_id)
            assert stored.status is OrderStatus.CANCELED
            kinds = [(e.kind, e.source) for e in await journal.events(order.client_order_id)]
            assert ("OrderAccepted", "reconciliation") in kinds  # the query's answer first
            assert paper.control.open_orders(paper.api_key) == []

    run_async(main(), 90)


def test_cancel_lost_after_the_venue_acted_is_settled_by_the_query_alone(paper_exchange, tmp_path):
    paper = paper_exchange
    path = tmp_path / "j.sqlite"

    async def main():
        async with order_stack(paper, path) as (session, journal, svc):
            bid, _ = await touch_prices(session)
            order = await svc.submit(ticket("buy", "limit", "0.001", bid * Decimal("0.9")))
            hold = asyncio.Event()
            calls = _count_cancels(session, hold)
            cancel = asyncio.ensure_future(svc.cancel(order.client_order_id))
            await asyncio.sleep(0.05)
            # the venue cancels it (another client, or our request got through) while
            # the reply is still out; the process then dies with the cancel in flight
            async with paper_rest(paper) as other:
                await other.load_markets()
                await other.cancel_order(str(order.venue_order_id), "BTC/USDT")
            cancel.cancel()
            await asyncio.gather(cancel, return_exceptions=True)
        async with order_stack(paper, path, reconcile=False) as (session, journal, svc):
            calls = _count_cancels(session)
            result = await svc.reconcile(PAPER_KEY)
            assert result.ok, result.error
            assert calls == []  # the query says canceled: nothing is sent
            stored = await journal.get_order(order.client_order_id)
            assert stored.status is OrderStatus.CANCELED

    run_async(main(), 90)
