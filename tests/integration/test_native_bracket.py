"""Brackets held by the venue: one OTOCO order list through ccxt's implicit method
(`private_post_orderlist_otoco`), against the real paper exchange with the real ccxt
client. The limit entry rests, its stop and target wait on the venue; when the entry
fills the venue places them itself (no terminal involved: the service that placed the
bracket is closed by then); cancelling the bracket cancels the list in one request; a
market entry is refused for a venue-held bracket.

The simulated market is paused; only forced trades move the price.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from terminal.core.orders.bracket import BracketRequest
from terminal.core.orders.errors import SubmitRefused
from terminal.domain.enums import HeldBy, LegRole, OrderType, Side
from terminal.domain.order import OrderRequest, OrderStatus
from terminal.domain.orderlist import ListKind
from terminal.paper.embedded import start_paper_exchange
from tests.fixtures_paper import paper_rest, run_async
from tests.integration.test_conditional_orders import force, last_at_the_ask
from tests.integration.test_orders_helpers import BTC, PAPER, eventually, order_stack


@pytest.fixture(scope="module")
def paper(tmp_path_factory):
    handle = start_paper_exchange(tmp_path_factory.mktemp("paper-otoco"), rate="calm")
    handle.control.pause()
    try:
        yield handle
    finally:
        handle.stop()


def native(entry_type: OrderType, price: Decimal | None, stop: Decimal, target: Decimal):
    return BracketRequest(
        entry=OrderRequest(PAPER, BTC, Side.BUY, entry_type, Decimal("0.01000"), price),
        stop_trigger=stop,
        target=target,
        native=True,
    )


async def venue_orders(paper) -> dict[str, dict]:
    async with paper_rest(paper) as ex:
        return {o["clientOrderId"]: o for o in await ex.fetch_open_orders(BTC)}


def test_the_venue_places_the_legs_when_the_entry_fills(paper, tmp_path):
    path = tmp_path / "j.sqlite"

    async def place():
        async with order_stack(paper, path) as (session, journal, svc):
            assert session.capabilities(BTC).native_bracket
            last = await last_at_the_ask(paper, session)
            order_list, entry = await svc.place_bracket(
                native(OrderType.LIMIT, last - 10, last - 100, last + 100)
            )
            assert order_list.held_by is HeldBy.VENUE and order_list.kind is ListKind.BRACKET
            assert order_list.venue_list_id is not None
            assert entry.status is OrderStatus.OPEN and entry.leg_role is LegRole.ENTRY
            legs = {o.leg_role: o for o in await journal.list_legs(order_list.list_id)}
            assert set(legs) == {LegRole.ENTRY, LegRole.STOP, LegRole.TARGET}
            # stop and target wait on the venue for the entry's fill
            for role in (LegRole.STOP, LegRole.TARGET):
                assert legs[role].status is OrderStatus.PENDING_TRIGGER, legs[role]
                assert legs[role].held_by is HeldBy.VENUE and legs[role].side is Side.SELL
            assert legs[LegRole.STOP].trigger_price == last - 100
            assert legs[LegRole.TARGET].price == last + 100
            on_venue = await venue_orders(paper)
            assert on_venue[str(entry.client_order_id)]["info"]["status"] == "NEW"
            for role in (LegRole.STOP, LegRole.TARGET):
                info = on_venue[str(legs[role].client_order_id)]["info"]
                assert info["status"] == "PENDING_NEW", info
            return order_list.list_id, {r: str(o.client_order_id) for r, o in legs.items()}, last

    list_id, ids, last = run_async(place(), timeout=90)
    # no terminal runs now: the venue alone places the legs when the entry fills
    run_async(force(paper, "SELL", last - 15), timeout=30)
    on_venue = run_async(venue_orders(paper), timeout=30)
    assert ids[LegRole.ENTRY] not in on_venue  # filled
    assert on_venue[ids[LegRole.STOP]]["info"]["status"] == "NEW"
    assert on_venue[ids[LegRole.TARGET]]["info"]["status"] == "NEW"

    async def restart():
        async with order_stack(paper, path) as (_session, journal, svc):  # reconciles

            async def settled():
                for o in await journal.list_legs(list_id):
                    await svc.settle_open(svc.tracker.track(o))
                legs = {o.leg_role: o for o in await journal.list_legs(list_id)}
                ok = (
                    legs[LegRole.ENTRY].status is OrderStatus.FILLED
                    and legs[LegRole.STOP].status is OrderStatus.PENDING_TRIGGER
                    and legs[LegRole.TARGET].status is OrderStatus.OPEN
                )
                return legs if ok else None

            legs = await eventually(settled, 20)
            assert legs[LegRole.STOP].amount == legs[LegRole.ENTRY].filled
            # one cancel of the bracket cancels the venue's list
            done = await svc.cancel_list(list_id)
            assert {o.leg_role: o.status for o in done if o.leg_role is not LegRole.ENTRY} == {
                LegRole.STOP: OrderStatus.CANCELED,
                LegRole.TARGET: OrderStatus.CANCELED,
            }
            assert await venue_orders(paper) == {}

    run_async(restart(), timeout=90)


def test_a_venue_held_bracket_needs_a_limit_entry(paper, tmp_path):
    async def main():
        async with order_stack(paper, tmp_path / "j.sqlite") as (session, journal, svc):
            last = await last_at_the_ask(paper, session)
            with pytest.raises(SubmitRefused) as refused:
                await svc.place_bracket(native(OrderType.MARKET, None, last - 100, last + 100))
            assert "needs a limit entry" in str(refused.value)
            assert await journal.order_lists() == []
            assert await venue_orders(paper) == {}

    run_async(main(), timeout=60)


def test_cancelling_before_the_fill_cancels_entry_and_waiting_legs(paper, tmp_path):
    path = tmp_path / "j.sqlite"

    async def place():
        async with order_stack(paper, path) as (session, _journal, svc):
            last = await last_at_the_ask(paper, session)
            order_list, _entry = await svc.place_bracket(
                native(OrderType.LIMIT, last - 50, last - 150, last + 50)
            )
            return order_list.list_id

    list_id = run_async(place(), timeout=60)

    async def main():
        # a restart while the legs wait on the venue (PENDING_NEW): reconciliation
        # reads them as waiting, and the bracket can still be cancelled as one
        async with order_stack(paper, path) as (_session, journal, svc):
            legs = {o.leg_role: o for o in await journal.list_legs(list_id)}
            assert legs[LegRole.ENTRY].status is OrderStatus.OPEN
            assert legs[LegRole.STOP].status is OrderStatus.PENDING_TRIGGER
            assert legs[LegRole.TARGET].status is OrderStatus.PENDING_TRIGGER
            done = await svc.cancel_list(list_id)
            assert {o.status for o in done} == {OrderStatus.CANCELED}
            assert len(done) == 3
            assert await venue_orders(paper) == {}

    run_async(main(), timeout=60)
