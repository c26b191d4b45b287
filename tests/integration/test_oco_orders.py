"""OCO pairs through the order service, the real ccxt session and the real paper
exchange: native (Binance's order-list endpoint through ccxt's implicit method) and held
by this terminal (two orders; the survivor cancelled when one fills).

The simulated market is paused; only forced trades move the price.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from terminal.domain.enums import HeldBy, LegRole, Side
from terminal.domain.order import OrderStatus
from terminal.domain.orderlist import ListStatus, ProtectionRequest
from terminal.paper.embedded import start_paper_exchange
from tests.fixtures_paper import run_async
from tests.integration.test_conditional_orders import AMOUNT, force, last_at_the_ask
from tests.integration.test_orders_helpers import BTC, PAPER, eventually, order_stack


@pytest.fixture(scope="module")
def paper(tmp_path_factory):
    handle = start_paper_exchange(tmp_path_factory.mktemp("paper-oco"), rate="calm")
    handle.control.pause()
    try:
        yield handle
    finally:
        handle.stop()


def test_native_sell_oco_target_fills_and_the_venue_expires_the_stop(paper, tmp_path):
    async def main():
        async with order_stack(paper, tmp_path / "j.sqlite") as (session, journal, svc):
            assert session.capabilities(BTC).native_oco
            last = await last_at_the_ask(paper, session)
            before = await session.fetch_balances()
            order_list, (stop, target) = await svc.place_oco(
                ProtectionRequest(
                    venue=PAPER,
                    symbol=BTC,
                    side=Side.SELL,
                    amount=AMOUNT,
                    stop_trigger=last - 20,
                    target=last + 20,
                )
            )
            assert order_list.held_by is HeldBy.VENUE and order_list.venue_list_id
            assert stop.status is OrderStatus.PENDING_TRIGGER and stop.leg_role is LegRole.STOP
            assert target.status is OrderStatus.OPEN and target.post_only
            stored = await journal.list_legs(order_list.list_id)
            assert [o.client_order_id for o in stored] == [
                stop.client_order_id,
                target.client_order_id,
            ]
            assert all(
                o.list_id == order_list.list_id and o.held_by is HeldBy.VENUE for o in stored
            )
            # the pair locks the amount once
            locked = await session.fetch_balances()
            assert locked.get("BTC").used == before.get("BTC").used + AMOUNT

            await force(paper, "BUY", last + 25)
            for leg in (stop, target):
                await svc.settle_open(svc.tracker.cached(leg.client_order_id))
            won = await journal.get_order(target.client_order_id)
            lost = await journal.get_order(stop.client_order_id)
            assert won.status is OrderStatus.FILLED and won.filled == AMOUNT
            assert lost.status is OrderStatus.EXPIRED and lost.filled == 0
            after = await session.fetch_balances()
            assert after.get("BTC").total == before.get("BTC").total - AMOUNT
            assert after.get("USDT").total == (
                before.get("USDT").total + won.cost - won.fees.get("USDT", Decimal(0))
            )

    run_async(main(), timeout=90)


def test_native_buy_oco_cancelled_as_one_group(paper, tmp_path):
    async def main():
        async with order_stack(paper, tmp_path / "j.sqlite") as (session, journal, svc):
            last = await last_at_the_ask(paper, session)
            order_list, legs = await svc.place_oco(
                ProtectionRequest(
                    venue=PAPER,
                    symbol=BTC,
                    side=Side.BUY,
                    amount=AMOUNT,
                    stop_trigger=last + 30,
                    target=last - 30,
                )
            )
            assert {o.status for o in legs} == {OrderStatus.PENDING_TRIGGER}
            cancelled = await svc.cancel_list(order_list.list_id)
            assert {o.status for o in cancelled} == {OrderStatus.CANCELED}
            (stored,) = await journal.order_lists(list_id=order_list.list_id)
            assert stored.status is ListStatus.DONE
            assert await session.fetch_open_orders(BTC) == []

    run_async(main(), timeout=90)


def test_terminal_held_oco_cancels_the_survivor_when_the_target_fills(paper, tmp_path):
    async def main():
        async with order_stack(paper, tmp_path / "j.sqlite") as (session, journal, svc):
            # the same real venue, taken as one without native order lists
            real = session.capabilities
            session.capabilities = lambda symbol: replace(real(symbol), native_oco=False)
            last = await last_at_the_ask(paper, session)
            order_list, (stop, target) = await svc.place_oco(
                ProtectionRequest(
                    venue=PAPER,
                    symbol=BTC,
                    side=Side.SELL,
                    amount=AMOUNT,
                    stop_trigger=last - 20,
                    target=last + 20,
                )
            )
            assert order_list.held_by is HeldBy.TERMINAL and order_list.venue_list_id is None
            assert stop.status is OrderStatus.PENDING_TRIGGER and target.status is OrderStatus.OPEN
            assert stop.held_by is HeldBy.TERMINAL and not target.post_only
            assert len(await session.fetch_open_orders(BTC)) == 2  # two separate orders

            await force(paper, "BUY", last + 25)
            await svc.settle_open(svc.tracker.cached(target.client_order_id))

            async def stop_cancelled():
                got = await journal.get_order(stop.client_order_id)
                return got if got.status is OrderStatus.CANCELED else None

            assert (await eventually(stop_cancelled, 15)).filled == 0
            assert (await journal.get_order(target.client_order_id)).status is OrderStatus.FILLED
            assert await session.fetch_open_orders(BTC) == []

            async def list_done():
                (got,) = await journal.order_lists(list_id=order_list.list_id)
                return got.status is ListStatus.DONE

            await eventually(list_done, 10)

    run_async(main(), timeout=90)


def test_oco_with_the_target_below_the_price_is_refused_before_sending(paper, tmp_path):
    async def main():
        async with order_stack(paper, tmp_path / "j.sqlite") as (session, journal, svc):
            from terminal.core.orders import SubmitRefused

            last = await last_at_the_ask(paper, session)
            with pytest.raises(SubmitRefused) as info:
                await svc.place_oco(
                    ProtectionRequest(
                        venue=PAPER,
                        symbol=BTC,
                        side=Side.SELL,
                        amount=AMOUNT,
                        stop_trigger=last + 20,
                        target=last - 20,
                    )
                )
            assert any(r.rule == "oco_prices" for r in info.value.refusals)
            assert await journal.order_lists() == []

    run_async(main(), timeout=60)
