"""A venue-held bracket (one OTOCO list) whose entry has partly filled: the venue places
its stop and target only once the entry has FULLY filled, so this terminal holds a stop
for the filled part meanwhile, drops it when the venue's legs are working, closes the
filled part at market if the stop is reached first, and places a stop and target for
the filled part when the entry ends partly filled outside the terminal. Real ccxt client,
real paper exchange on loopback; the simulated market is paused, forced trades move it."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest

from terminal.core.orders.bracket import BracketRequest
from terminal.domain.enums import HeldBy, LegRole, OrderType, Side
from terminal.domain.order import OrderRequest, OrderStatus
from terminal.paper.embedded import start_paper_exchange
from tests.fixtures_paper import paper_rest, run_async
from tests.integration.test_conditional_orders import force, last_at_the_ask
from tests.integration.test_orders_helpers import BTC, PAPER, eventually, order_stack

pytestmark = pytest.mark.timeout(300)
STEP = Decimal("0.00001")


@pytest.fixture(scope="module")
def paper(tmp_path_factory):
    handle = start_paper_exchange(tmp_path_factory.mktemp("paper-otoco-part"), rate="calm")
    handle.control.pause()
    try:
        yield handle
    finally:
        handle.stop()


async def venue_orders(paper) -> dict[str, dict]:
    async with paper_rest(paper) as ex:
        return {o["clientOrderId"]: o for o in await ex.fetch_open_orders(BTC)}


async def btc_total(paper) -> Decimal:
    async with paper_rest(paper) as ex:
        return Decimal(str((await ex.fetch_balance())["BTC"]["total"]))


async def _partly_filled(paper, session, svc):
    """A venue-held bracket whose limit entry at the ask is bigger than the ask's size."""
    await last_at_the_ask(paper, session)
    book = await asyncio.to_thread(paper.control.book, BTC, 3)
    ask, ask_qty = Decimal(book["asks"][0][0]), Decimal(book["asks"][0][1])
    amount = (ask_qty + Decimal("0.005")).quantize(STEP)
    stop, target = ask - 60, ask + 100
    order_list, entry = await svc.place_bracket(
        BracketRequest(
            OrderRequest(PAPER, BTC, Side.BUY, OrderType.LIMIT, amount, ask),
            stop_trigger=stop,
            target=target,
            native=True,
        )
    )
    assert order_list.held_by is HeldBy.VENUE
    assert entry.status is OrderStatus.PARTIALLY_FILLED and Decimal(0) < entry.filled < amount
    held = await eventually(
        lambda: asyncio.sleep(0, svc.brackets.partial.held.get(order_list.list_id)), 10
    )
    assert held.amount == entry.filled and held.stop == stop
    on_venue = await venue_orders(paper)
    legs = {o.leg_role: o for o in await svc.journal.list_legs(order_list.list_id)}
    for role in (LegRole.STOP, LegRole.TARGET):  # the venue's legs still wait
        assert on_venue[str(legs[role].client_order_id)]["info"]["status"] == "PENDING_NEW"
    return order_list.list_id, entry, held, ask, stop, target


async def _settle(svc, list_id):
    for o in await svc.journal.list_legs(list_id):
        await svc.settle_open(svc.tracker.track(o))


def test_the_terminal_stop_goes_when_the_venue_legs_work(paper, tmp_path):
    async def main():
        async with order_stack(paper, tmp_path / "j.sqlite") as (session, journal, svc):
            list_id, entry, _held, ask, _stop, _target = await _partly_filled(paper, session, svc)
            await force(paper, "SELL", ask - 5)  # fills the rest: the venue places its OCO
            await _settle(svc, list_id)
            await eventually(lambda: asyncio.sleep(0, list_id not in svc.brackets.partial.held), 10)
            legs = await journal.list_legs(list_id)
            assert not [o for o in legs if o.held_by is HeldBy.TERMINAL]  # nothing sent
            on_venue = await venue_orders(paper)
            working = [o for o in on_venue.values() if o["info"]["status"] == "NEW"]
            assert len(working) == 2 and all(o["side"] == "sell" for o in working)
            assert all(Decimal(str(o["amount"])) == entry.amount for o in working)
            await svc.cancel_list(list_id)

    run_async(main(), timeout=120)


def test_the_filled_part_is_closed_at_market_when_the_stop_is_reached_first(paper, tmp_path):
    async def main():
        async with order_stack(paper, tmp_path / "j.sqlite") as (session, journal, svc):
            list_id, entry, held, _ask, stop, _t = await _partly_filled(paper, session, svc)
            bought = await btc_total(paper)
            # a paper book fills a resting entry before its price can pass it to the stop,
            # so the reached stop is handed to the guard as the price watch would
            sent = await svc.brackets.partial.fire(held, stop - 1)
            assert sent is not None and sent.type is OrderType.MARKET
            assert sent.side is Side.SELL and sent.amount == entry.filled
            assert sent.held_by is HeldBy.TERMINAL and sent.leg_role is LegRole.STOP
            assert await venue_orders(paper) == {}  # the entry's rest and waiting legs gone
            await _settle(svc, list_id)
            legs = await journal.list_legs(list_id)
            by = {(o.leg_role, o.held_by): o.status for o in legs}
            assert by[(LegRole.ENTRY, HeldBy.VENUE)] is OrderStatus.CANCELED
            assert by[(LegRole.STOP, HeldBy.VENUE)] in (OrderStatus.CANCELED, OrderStatus.EXPIRED)
            assert by[(LegRole.STOP, HeldBy.TERMINAL)] is OrderStatus.FILLED
            assert await btc_total(paper) == bought - entry.filled  # what it bought is sold

    run_async(main(), timeout=120)


def test_an_entry_ended_partly_filled_gets_a_stop_and_target_for_the_filled_part(paper, tmp_path):
    async def main():
        async with order_stack(paper, tmp_path / "j.sqlite") as (session, journal, svc):
            list_id, entry, _h, _ask, stop, target = await _partly_filled(paper, session, svc)
            async with paper_rest(paper) as ex:  # cancelled outside this terminal
                await ex.cancel_order(str(entry.venue_order_id), BTC)
            await _settle(svc, list_id)

            async def pair():
                lst = (await journal.order_lists(list_id=list_id))[0]
                return lst.details.get("pairs")

            (pair_id,) = await eventually(pair, 15)
            assert list_id not in svc.brackets.partial.held
            on_venue = await venue_orders(paper)
            legs = {o.leg_role: o for o in await journal.list_legs(pair_id)}
            stop_leg = on_venue[str(legs[LegRole.STOP].client_order_id)]
            target_leg = on_venue[str(legs[LegRole.TARGET].client_order_id)]
            assert Decimal(str(stop_leg["triggerPrice"])) == stop
            assert Decimal(str(target_leg["price"])) == target
            for leg in (stop_leg, target_leg):
                assert leg["side"] == "sell" and Decimal(str(leg["amount"])) == entry.filled
            await svc.cancel_list(pair_id)

    run_async(main(), timeout=120)
