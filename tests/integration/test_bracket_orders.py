"""Brackets held by this terminal through the order service, the real ccxt session and
the real paper exchange: the stop and target follow what the entry fills (partial fills
grow them), nothing is placed for an entry cancelled before any fill, and an entry that
fills while the terminal is closed gets its legs when the terminal starts again.

The simulated market is paused; only forced trades move the price.
"""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest

from terminal.core.orders.bracket import BracketRequest
from terminal.domain.enums import HeldBy, LegRole, OrderType, Side
from terminal.domain.order import OrderRequest, OrderStatus
from terminal.domain.orderlist import ListKind, ListStatus
from terminal.paper.embedded import start_paper_exchange
from tests.fixtures_paper import run_async
from tests.integration.test_conditional_orders import force, last_at_the_ask
from tests.integration.test_orders_helpers import BTC, PAPER, eventually, order_stack


@pytest.fixture(scope="module")
def paper(tmp_path_factory):
    handle = start_paper_exchange(tmp_path_factory.mktemp("paper-bracket"), rate="calm")
    handle.control.pause()
    try:
        yield handle
    finally:
        handle.stop()


def bracket(
    entry_type: OrderType, amount: str, price: Decimal | None, stop: Decimal, target: Decimal
) -> BracketRequest:
    return BracketRequest(
        entry=OrderRequest(
            venue=PAPER,
            symbol=BTC,
            side=Side.BUY,
            type=entry_type,
            amount=Decimal(amount),
            price=price,
        ),
        stop_trigger=stop,
        target=target,
    )


async def pair_of(journal, bracket_id):
    (lst,) = await journal.order_lists(list_id=bracket_id)
    if not lst.details["pairs"]:
        return lst, []
    return lst, await journal.list_legs(lst.details["pairs"][-1])


def test_market_entry_gets_its_stop_and_target_for_what_filled(paper, tmp_path):
    async def main():
        async with order_stack(paper, tmp_path / "j.sqlite") as (session, journal, svc):
            last = await last_at_the_ask(paper, session)
            order_list, entry = await svc.place_bracket(
                bracket(OrderType.MARKET, "0.01000", None, last - 50, last + 50)
            )
            assert order_list.kind is ListKind.BRACKET and order_list.held_by is HeldBy.TERMINAL
            assert entry.status is OrderStatus.FILLED and entry.leg_role is LegRole.ENTRY
            lst, legs = await pair_of(journal, order_list.list_id)
            assert lst.status is ListStatus.DONE and lst.details["covered"] == str(entry.filled)
            assert {(o.leg_role, o.side, o.amount, o.status) for o in legs} == {
                (LegRole.STOP, Side.SELL, entry.filled, OrderStatus.PENDING_TRIGGER),
                (LegRole.TARGET, Side.SELL, entry.filled, OrderStatus.OPEN),
            }
            assert all(o.held_by is HeldBy.VENUE for o in legs)  # paper has native OCO
            await svc.cancel_list(legs[0].list_id)

    run_async(main(), timeout=90)


def test_partial_fills_grow_the_legs(paper, tmp_path):
    async def main():
        async with order_stack(paper, tmp_path / "j.sqlite") as (session, journal, svc):
            last = await last_at_the_ask(paper, session)
            book = await asyncio.to_thread(paper.control.book, BTC, 3)
            ask, ask_qty = Decimal(book["asks"][0][0]), Decimal(book["asks"][0][1])
            # an entry bigger than the best ask level: it fills that level and rests
            amount = (ask_qty + Decimal("0.005")).quantize(Decimal("0.00001"))
            order_list, entry = await svc.place_bracket(
                bracket(OrderType.LIMIT, str(amount), ask, last - 60, last + 60)
            )
            assert entry.status is OrderStatus.PARTIALLY_FILLED, entry
            first = entry.filled
            _, legs = await pair_of(journal, order_list.list_id)
            assert {o.amount for o in legs} == {first}
            # a seller fills the rest of the entry: the pair is replaced by one for all
            await force(paper, "SELL", ask)
            await svc.settle_open(svc.tracker.cached(entry.client_order_id))

            async def grown():
                lst, now = await pair_of(journal, order_list.list_id)
                return (lst, now) if now and {o.amount for o in now} == {amount} else None

            lst, legs = await eventually(grown, 20)
            assert len(lst.details["pairs"]) == 2
            old = await journal.list_legs(lst.details["pairs"][0])
            assert {o.status for o in old} == {OrderStatus.CANCELED}
            assert {o.status for o in legs} == {OrderStatus.PENDING_TRIGGER, OrderStatus.OPEN}
            await svc.cancel_list(order_list.list_id)

    run_async(main(), timeout=90)


def test_entry_cancelled_before_any_fill_places_nothing(paper, tmp_path):
    async def main():
        async with order_stack(paper, tmp_path / "j.sqlite") as (session, journal, svc):
            last = await last_at_the_ask(paper, session)
            order_list, entry = await svc.place_bracket(
                bracket(OrderType.LIMIT, "0.01000", last - 200, last - 300, last + 100)
            )
            assert entry.status is OrderStatus.OPEN
            legs = await svc.cancel_list(order_list.list_id)
            assert [o.status for o in legs] == [OrderStatus.CANCELED]
            lst, pair = await pair_of(journal, order_list.list_id)
            assert pair == [] and lst.status is ListStatus.DONE
            assert await session.fetch_open_orders(BTC) == []

    run_async(main(), timeout=90)


def test_entry_filled_while_the_terminal_was_closed_gets_its_legs_on_start(paper, tmp_path):
    path = tmp_path / "j.sqlite"

    async def first_run():
        async with order_stack(paper, path) as (session, _journal, svc):
            last = await last_at_the_ask(paper, session)
            order_list, entry = await svc.place_bracket(
                bracket(OrderType.LIMIT, "0.01000", last - 10, last - 100, last + 100)
            )
            assert entry.status is OrderStatus.OPEN
            return order_list.list_id, entry.client_order_id, last
        # the terminal is gone: nothing in this process watches the entry any more

    list_id, entry_id, last = run_async(first_run(), timeout=60)
    run_async(force(paper, "SELL", last - 15), timeout=30)  # fills the entry meanwhile

    async def second_run():
        async with order_stack(paper, path) as (session, journal, svc):  # reconciles
            entry = await journal.get_order(entry_id)
            assert entry.status is OrderStatus.FILLED
            lst, legs = await pair_of(journal, list_id)
            assert (
                lst.details["covered"] == "0.01000"
                or Decimal(lst.details["covered"]) == entry.filled
            )
            assert {(o.leg_role, o.amount) for o in legs} == {
                (LegRole.STOP, entry.filled),
                (LegRole.TARGET, entry.filled),
            }
            venue_open = await session.fetch_open_orders(BTC)
            assert {r.client_order_id for r in venue_open} == {o.client_order_id for o in legs}
            await svc.cancel_list(legs[0].list_id)

    run_async(second_run(), timeout=90)
