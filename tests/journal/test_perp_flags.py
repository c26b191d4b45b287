"""A perpetual order's reduce-only and close-position flags are kept on its journal row:
a close read back after a restart is still a close."""

from __future__ import annotations

import asyncio
from decimal import Decimal

from terminal.domain.enums import OrderType, Side, VenueMode
from terminal.domain.ids import Symbol, VenueId
from terminal.domain.order import Order, OrderRequest
from terminal.domain.session import MarketType
from terminal.journal import SqlJournal


def test_reduce_only_and_close_position_survive_a_reopen(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'journal.sqlite'}"

    def order(**flags: bool) -> Order:
        return Order.from_request(
            OrderRequest(
                VenueId("paper"),
                Symbol("BTC/USDT:USDT"),
                Side.SELL,
                OrderType.MARKET,
                Decimal("0.01"),
                mode=VenueMode.PAPER,
                market=MarketType.PERP,
                **flags,
            )
        )

    close, stop, plain = order(reduce_only=True), order(close_position=True), order()
    journal = SqlJournal.open(url)
    try:
        for o in (close, stop, plain):
            asyncio.run(journal.record_intent(o))
    finally:
        journal.close()
    journal = SqlJournal.open(url)
    try:
        back = {
            o.client_order_id: o
            for o in (
                asyncio.run(journal.get_order(str(x.client_order_id))) for x in (close, stop, plain)
            )
        }
    finally:
        journal.close()
    assert back[close.client_order_id].reduce_only is True
    assert back[close.client_order_id].close_position is False
    assert back[stop.client_order_id].close_position is True
    assert back[plain.client_order_id].reduce_only is False
    assert back[plain.client_order_id].market is MarketType.PERP
