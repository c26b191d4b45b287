"""Moving a leg of an OCO pair (a bracket's pair included) through the real order
service, the real ccxt client and the paper exchange: the pair is replaced by one with
the moved price for the same amount (the old one cancelled on the venue first), a
bracket keeps its new pair, and a move the checks refuse leaves the old pair alone.

The simulated market is paused; only forced trades move the price.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from terminal.core.orders.bracket import BracketRequest
from terminal.core.orders.errors import SubmitRefused
from terminal.core.orders.oco_move import move_oco_leg
from terminal.domain.enums import LegRole, OrderType, Side
from terminal.domain.order import OrderRequest, OrderStatus
from terminal.domain.orderlist import ProtectionRequest
from terminal.paper.embedded import start_paper_exchange
from tests.fixtures_paper import paper_rest, run_async
from tests.integration.test_conditional_orders import last_at_the_ask
from tests.integration.test_orders_helpers import BTC, PAPER, order_stack


@pytest.fixture(scope="module")
def paper(tmp_path_factory):
    handle = start_paper_exchange(tmp_path_factory.mktemp("paper-oco-move"), rate="calm")
    handle.control.pause()
    try:
        yield handle
    finally:
        handle.stop()


async def venue_orders(paper) -> dict[str, dict]:
    async with paper_rest(paper) as ex:
        return {o["clientOrderId"]: o for o in await ex.fetch_open_orders(BTC)}


def test_moving_the_stop_then_the_target_replaces_the_pair(paper, tmp_path):
    async def main():
        async with order_stack(paper, tmp_path / "j.sqlite") as (session, journal, svc):
            last = await last_at_the_ask(paper, session)
            req = ProtectionRequest(PAPER, BTC, Side.SELL, Decimal("0.01000"), last - 40, last + 40)
            first, legs = await svc.place_oco(req)
            old_ids = {str(o.client_order_id) for o in legs}
            second, legs2 = await move_oco_leg(svc, first.list_id, LegRole.STOP, last - 70)
            by_role = {o.leg_role: o for o in legs2}
            assert by_role[LegRole.STOP].trigger_price == last - 70
            assert by_role[LegRole.TARGET].price == last + 40
            assert {o.amount for o in legs2} == {Decimal("0.01000")}
            on_venue = await venue_orders(paper)
            assert not old_ids & set(on_venue)
            assert {str(o.client_order_id) for o in legs2} == set(on_venue)
            assert (
                Decimal(str(on_venue[str(by_role[LegRole.STOP].client_order_id)]["triggerPrice"]))
                == last - 70
            )
            old = await journal.list_legs(first.list_id)
            assert {o.status for o in old} == {OrderStatus.CANCELED}
            third, legs3 = await move_oco_leg(svc, second.list_id, LegRole.TARGET, last + 90)
            by_role = {o.leg_role: o for o in legs3}
            assert by_role[LegRole.TARGET].price == last + 90
            assert by_role[LegRole.STOP].trigger_price == last - 70
            # refused before anything is cancelled: a sell stop above the price
            with pytest.raises(SubmitRefused) as refused:
                await move_oco_leg(svc, third.list_id, LegRole.STOP, last + 20)
            assert "trigger at once" in str(refused.value)
            assert {str(o.client_order_id) for o in legs3} == set(await venue_orders(paper))
            await svc.cancel_list(third.list_id)

    run_async(main(), timeout=120)


def test_a_brackets_pair_stays_the_brackets_after_a_move(paper, tmp_path):
    async def main():
        async with order_stack(paper, tmp_path / "j.sqlite") as (session, journal, svc):
            last = await last_at_the_ask(paper, session)
            bracket, entry = await svc.place_bracket(
                BracketRequest(
                    entry=OrderRequest(PAPER, BTC, Side.BUY, OrderType.MARKET, Decimal("0.01000")),
                    stop_trigger=last - 80,
                    target=last + 80,
                )
            )
            assert entry.status is OrderStatus.FILLED
            (row,) = await journal.order_lists(list_id=bracket.list_id)
            pair = row.details["pairs"][-1]
            moved, _legs = await move_oco_leg(svc, pair, LegRole.STOP, last - 50)
            (row,) = await journal.order_lists(list_id=bracket.list_id)
            assert row.details["pairs"][-1] == moved.list_id
            assert row.details["stop_trigger"] == str(last - 50)
            (moved_row,) = await journal.order_lists(list_id=moved.list_id)
            assert moved_row.details["bracket"] == bracket.list_id
            # cancelling the bracket cancels its current (moved) pair
            await svc.cancel_list(bracket.list_id)
            assert await venue_orders(paper) == {}

    run_async(main(), timeout=120)
