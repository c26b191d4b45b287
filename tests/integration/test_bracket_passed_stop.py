"""A bracket held by this terminal whose entry filled while it was closed, with the price
then past the stop: at the next start nothing is sent; the case waits for the user's
choice, and each choice does exactly what it says (real ccxt client, real paper
exchange, loopback; the simulated market is paused, forced trades move the price)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from terminal.core.orders.bracket import CANCEL_IT, KEEP_WAITING, SEND_NOW, BracketRequest
from terminal.domain.enums import HeldBy, LegRole, OrderType, Side
from terminal.domain.order import OrderRequest, OrderStatus
from terminal.paper.embedded import start_paper_exchange
from tests.fixtures_paper import paper_rest, run_async
from tests.integration.test_conditional_orders import force, last_at_the_ask
from tests.integration.test_orders_helpers import BTC, PAPER, order_stack

pytestmark = pytest.mark.timeout(300)
AMOUNT = Decimal("0.01000")


@pytest.fixture(scope="module")
def paper(tmp_path_factory):
    handle = start_paper_exchange(tmp_path_factory.mktemp("paper-passed"), rate="calm")
    handle.control.pause()
    try:
        yield handle
    finally:
        handle.stop()


def _filled_while_away_past_the_stop(paper, path) -> tuple[str, Decimal]:
    """Place a limit-entry bracket, close; fill the entry and drop the price past the stop."""

    async def place() -> tuple[str, Decimal, Decimal]:
        async with order_stack(paper, path) as (session, _journal, svc):
            last = await last_at_the_ask(paper, session)
            entry, stop = last - 10, last - 40
            order_list, placed = await svc.place_bracket(
                BracketRequest(
                    OrderRequest(PAPER, BTC, Side.BUY, OrderType.LIMIT, AMOUNT, entry),
                    stop_trigger=stop,
                    target=last + 100,
                )
            )
            assert placed.status is OrderStatus.OPEN
            return order_list.list_id, entry, stop

    list_id, entry, stop = run_async(place(), timeout=90)
    run_async(force(paper, "SELL", entry - 5), timeout=30)  # fills the entry ...
    run_async(force(paper, "SELL", stop - 20), timeout=30)  # ... the price falls past the stop
    return list_id, stop


async def _base_free(paper) -> Decimal:
    async with paper_rest(paper) as ex:
        return Decimal(str((await ex.fetch_balance())["BTC"]["free"]))


@pytest.mark.parametrize("choice", [SEND_NOW, KEEP_WAITING, CANCEL_IT])
def test_nothing_is_sent_until_the_user_chooses_then_the_choice_is_done(paper, tmp_path, choice):
    path = tmp_path / "j.sqlite"
    list_id, stop = _filled_while_away_past_the_stop(paper, path)

    async def restart() -> None:
        async with order_stack(paper, path) as (_session, journal, svc):
            found = svc.brackets.passed.get(list_id)
            assert found is not None, svc.brackets.passed
            assert found.side is Side.SELL and found.amount == AMOUNT and found.stop == stop
            assert found.price < stop
            legs = await journal.list_legs(list_id)
            assert [o.leg_role for o in legs] == [LegRole.ENTRY]  # nothing sent
            before = await _base_free(paper)
            result = await svc.brackets.decide_passed(list_id, choice)
            legs = {o.leg_role: o for o in await journal.list_legs(list_id)}
            (lst,) = await journal.order_lists(list_id=list_id)
            if choice == SEND_NOW:
                assert result is not None and result.type is OrderType.MARKET
                assert result.side is Side.SELL and result.amount == AMOUNT
                assert result.held_by is HeldBy.TERMINAL and result.leg_role is LegRole.STOP
                assert legs[LegRole.STOP].status is OrderStatus.FILLED
                assert await _base_free(paper) == before - AMOUNT
                assert lst.status.value == "done"
            else:
                assert result is None and set(legs) == {LegRole.ENTRY}
                assert await _base_free(paper) == before  # nothing sold
                assert lst.status.value == ("open" if choice == KEEP_WAITING else "done")
            assert list_id not in svc.brackets.passed
            with pytest.raises(ValueError, match="not waiting for a choice"):
                await svc.brackets.decide_passed(list_id, choice)

    run_async(restart(), timeout=120)
    if choice == KEEP_WAITING:  # the question comes back at the next start

        async def again() -> None:
            async with order_stack(paper, path) as (_s, _j, svc):
                assert list_id in svc.brackets.passed
                await svc.brackets.decide_passed(list_id, CANCEL_IT)

        run_async(again(), timeout=120)
