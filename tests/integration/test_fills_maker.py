"""`fills.csv` says who was maker: a resting limit order filled by another trader's
sweep is a maker fill, a market order a taker fill. Real ccxt session against the real
paper exchange over loopback, the real journal and its CSV export."""

from __future__ import annotations

import asyncio
import csv
import time
from decimal import Decimal

import pytest

from terminal.domain.order import OrderStatus
from terminal.paper.embedded import start_paper_exchange
from tests.fixtures_paper import run_async
from tests.integration.test_orders_helpers import BTC, order_stack, ticket, touch_prices


@pytest.fixture(scope="module")
def paper(tmp_path_factory):  # type: ignore[no-untyped-def]
    handle = start_paper_exchange(tmp_path_factory.mktemp("paper-maker"), faults=True, rate="calm")
    try:
        yield handle
    finally:
        handle.stop()


def test_fills_csv_marks_maker_and_taker_fills(paper, tmp_path) -> None:  # type: ignore[no-untyped-def]
    async def main() -> dict[str, list[dict[str, str]]]:
        async with order_stack(paper, tmp_path / "j.sqlite") as (session, journal, svc):
            bid, _ = await touch_prices(session)
            price = (bid * Decimal("0.98")).quantize(Decimal("0.01"))
            resting = await svc.submit(ticket("buy", "limit", "0.002", price, post_only=True))
            assert resting.status is OrderStatus.OPEN
            # another trader sells through our price: our resting order is the maker
            swept = await asyncio.to_thread(paper.control.force_trade, BTC, "sell", str(price))
            deadline = time.monotonic() + 20
            while True:  # queried like a reconciliation does (this stack has no user stream)
                await svc.settle_open(await journal.get_order(resting.client_order_id))
                order = await journal.get_order(resting.client_order_id)
                if order.status is OrderStatus.FILLED:
                    break
                key = paper.accounts[0][0]
                assert time.monotonic() < deadline, (
                    f"the resting order was not filled: {swept} {order} "
                    f"{paper.control.open_orders(key)} {paper.control.book(BTC, 3)}"
                )
                await asyncio.sleep(0.2)
            taker = await svc.submit(ticket("buy", "market", "0.001"))
            assert taker.status is OrderStatus.FILLED
            await journal.export_csv(tmp_path / "orders.csv", tmp_path / "fills.csv")
            return {
                "maker": [
                    r
                    for r in _rows(tmp_path / "fills.csv")
                    if r["client_order_id"] == str(resting.client_order_id)
                ],
                "taker": [
                    r
                    for r in _rows(tmp_path / "fills.csv")
                    if r["client_order_id"] == str(taker.client_order_id)
                ],
            }

    rows = run_async(main(), 90)
    assert rows["maker"] and rows["taker"]
    assert {r["is_maker"] for r in rows["maker"]} == {"true"}, rows["maker"]
    assert {r["is_maker"] for r in rows["taker"]} == {"false"}, rows["taker"]


def _rows(path) -> list[dict[str, str]]:  # type: ignore[no-untyped-def]
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))
