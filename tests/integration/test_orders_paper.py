"""Order lifecycle against the REAL paper exchange through the ccxt venue session.

Each order type ends in the state the paper exchange reports, with the same filled
amount and the same fills; an unknown outcome ("execute, then fail the reply") settles
by query and is never sent twice; orders placed by another client are adopted.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from terminal.domain.enums import VenueMode
from terminal.domain.order import OrderStatus
from terminal.domain.session import SessionKey
from terminal.paper.embedded import start_paper_exchange
from tests.fixtures_paper import paper_rest, run_async
from tests.integration.test_orders_helpers import (
    BTC,
    PAPER,
    RAW_STATUS,
    order_stack,
    ticket,
    touch_prices,
    venue_orders_with_client_id,
)

PAPER_KEY = SessionKey(PAPER, VenueMode.PAPER)


@pytest.fixture(scope="module")
def paper(tmp_path_factory):
    handle = start_paper_exchange(tmp_path_factory.mktemp("paper-orders"), faults=True, rate="calm")
    try:
        yield handle
    finally:
        handle.stop()


async def venue_truth(paper, coid):
    async with paper_rest(paper) as ex:
        await ex.load_markets()
        raw = await ex.fetch_order(None, BTC, params={"clientOrderId": str(coid)})
        trades = [
            t
            for t in await ex.fetch_my_trades(BTC, params={"limit": 1000})
            if t["order"] == raw["id"]
        ]
        return raw, trades


def test_every_order_type_reaches_the_venues_state(paper, tmp_path):
    async def main():
        async with order_stack(paper, tmp_path / "j.sqlite") as (session, journal, svc):
            bid, ask = await touch_prices(session)
            cases = [
                (
                    "limit far",
                    ticket("buy", "limit", "0.001", bid * Decimal("0.97")),
                    OrderStatus.OPEN,
                ),
                (
                    "limit sell far",
                    ticket("sell", "limit", "0.001", ask * Decimal("1.03")),
                    OrderStatus.OPEN,
                ),
                ("market buy", ticket("buy", "market", "0.001"), OrderStatus.FILLED),
                ("market sell", ticket("sell", "market", "0.001"), OrderStatus.FILLED),
                (
                    "limit crossing",
                    ticket("buy", "limit", "0.001", ask * Decimal("1.01")),
                    OrderStatus.FILLED,
                ),
                (
                    "ioc far",
                    ticket("buy", "limit", "0.001", bid * Decimal("0.97"), tif="IOC"),
                    OrderStatus.EXPIRED,
                ),
                (
                    "fok far",
                    ticket("buy", "limit", "0.001", bid * Decimal("0.97"), tif="FOK"),
                    OrderStatus.EXPIRED,
                ),
                (
                    "post-only resting",
                    ticket("buy", "limit", "0.001", bid * Decimal("0.97"), post_only=True),
                    OrderStatus.OPEN,
                ),
                (
                    "post-only crossing",
                    ticket("buy", "limit", "0.001", ask * Decimal("1.01"), post_only=True),
                    OrderStatus.REJECTED,
                ),
            ]
            placed = {}
            for name, request, expected in cases:
                order = await svc.submit(request)
                assert order.status is expected, (name, order)
                placed[name] = order
            canceled = await svc.cancel(placed["limit far"].client_order_id)
            assert canceled.status is OrderStatus.CANCELED

            for name, order in placed.items():
                stored = await journal.get_order(order.client_order_id)
                if name == "post-only crossing":  # the venue refused it: nothing there
                    assert (
                        stored.status is OrderStatus.REJECTED
                        and "immediately match" in stored.reason
                    )
                    async with paper_rest(paper) as ex:
                        assert await venue_orders_with_client_id(ex, order.client_order_id) == []
                    continue
                raw, trades = await venue_truth(paper, order.client_order_id)
                assert RAW_STATUS[raw["info"]["status"]] is stored.status, name
                assert Decimal(raw["info"]["executedQty"]) == stored.filled, name
                assert stored.venue_order_id == str(raw["id"])
                fills = await journal.fills(client_order_id=order.client_order_id)
                assert sorted(f.trade_id for f in fills) == sorted(str(t["id"]) for t in trades), (
                    name
                )
                assert sum((f.amount for f in fills), Decimal(0)) == stored.filled
            events = [
                e.status_after for e in await journal.events(placed["limit far"].client_order_id)
            ]
            assert events == ["pending_submit", "open", "pending_cancel", "canceled"]

    run_async(main(), 90)


@pytest.mark.parametrize("mode", ["5xx", "close"])
def test_unknown_outcome_is_settled_by_query_and_never_resent(paper, tmp_path, mode):
    async def main():
        async with order_stack(paper, tmp_path / "j.sqlite") as (session, journal, svc):
            bid, _ = await touch_prices(session)
            paper.control.order_unknown(mode=mode, count=1)
            order = await svc.submit(ticket("buy", "limit", "0.001", bid * Decimal("0.95")))
            assert order.status is OrderStatus.UNKNOWN
            settled = await svc.wait_settled(order.client_order_id, 20)
            assert settled.status is OrderStatus.OPEN and settled.venue_order_id
            sources = [(e.kind, e.source) for e in await journal.events(order.client_order_id)]
            assert sources == [
                ("Intent", "local"),
                ("OutcomeUnknown", "local"),
                ("OrderAccepted", "query"),
            ]
            async with paper_rest(paper) as ex:
                await ex.load_markets()
                assert len(await venue_orders_with_client_id(ex, order.client_order_id)) == 1
            await svc.cancel(order.client_order_id)

    run_async(main(), 60)


def test_unknown_outcome_of_a_market_order_gets_its_fills(paper, tmp_path):
    async def main():
        async with order_stack(paper, tmp_path / "j.sqlite") as (_session, journal, svc):
            paper.control.order_unknown(mode="5xx", count=1)
            order = await svc.submit(ticket("buy", "market", "0.002"))
            settled = await svc.wait_settled(order.client_order_id, 20)
            assert settled.status is OrderStatus.FILLED and settled.filled == Decimal("0.002")
            _raw, trades = await venue_truth(paper, order.client_order_id)
            fills = await journal.fills(client_order_id=order.client_order_id)
            assert sorted(f.trade_id for f in fills) == sorted(str(t["id"]) for t in trades)

    run_async(main(), 60)


def test_orders_of_another_client_are_adopted_by_reconciliation(paper, tmp_path):
    async def main():
        async with order_stack(paper, tmp_path / "j.sqlite") as (session, journal, svc):
            bid, _ = await touch_prices(session)
            price = float((bid * Decimal("0.9")).quantize(Decimal("0.01")))
            async with paper_rest(paper) as other:  # a plain ccxt client, same account
                await other.load_markets()
                placed = await other.create_order(
                    BTC, "limit", "buy", 0.0015, price, params={"clientOrderId": "other-client-1"}
                )
                filled = await other.create_order(BTC, "market", "buy", 0.001)
            result = await svc.reconcile(PAPER_KEY)
            assert result.ok
            assert any("other-client-1" in a for a in result.adopted), result
            adopted = await journal.get_order("other-client-1")
            assert adopted.external and adopted.status is OrderStatus.OPEN
            assert adopted.amount == Decimal("0.0015") and adopted.venue_order_id == placed["id"]
            assert result.fills_recorded >= 1  # the other client's closed market order
            stored = {f.venue_order_id for f in await journal.fills(venue="paper")}
            assert str(filled["id"]) in stored
            canceled = await svc.cancel(adopted.client_order_id)
            assert canceled.status is OrderStatus.CANCELED
            again = await svc.reconcile(PAPER_KEY)
            assert again.adopted == [] and again.fills_recorded == 0

    run_async(main(), 60)


def test_fills_while_the_terminal_was_down_are_applied_at_start(paper, tmp_path):
    async def main():
        async with order_stack(paper, tmp_path / "j.sqlite") as (session, journal, svc):
            _bid, ask = await touch_prices(session)
            order = await svc.submit(ticket("sell", "limit", "0.001", ask * Decimal("1.002")))
            assert order.status is OrderStatus.OPEN
        # terminal down; the market trades through the order
        paper.control.force_trade(
            BTC, "buy", str((ask * Decimal("1.01")).quantize(Decimal("0.01")))
        )
        async with order_stack(paper, tmp_path / "j.sqlite") as (session, journal, svc):
            got = await journal.get_order(order.client_order_id)
            assert got.status is OrderStatus.FILLED and got.filled == Decimal("0.001")
            assert len(got.trade_ids) >= 1
            assert svc.entry_ready(PAPER_KEY)

    run_async(main(), 60)
