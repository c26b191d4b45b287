"""CSV export of orders and fills round-trips exactly."""

from __future__ import annotations

import asyncio
import json
from decimal import Decimal

from terminal.domain.enums import OrderType, Side, VenueMode
from terminal.domain.ids import Symbol, TradeId, VenueId, VenueOrderId
from terminal.domain.order import (
    EventSource,
    Order,
    OrderAccepted,
    OrderFilled,
    OrderRejected,
    OrderRequest,
)
from terminal.domain.reports import FillReport
from terminal.domain.session import SessionKey
from terminal.journal import SqlJournal
from terminal.journal.codec import order_row
from terminal.journal.export import read_fills_csv, read_orders_csv


def _values(row):
    """An order row with its numbers as Decimals (equal values, whatever their text)."""
    out = dict(row)
    for key in ("amount", "price", "filled", "cost", "average_price"):
        out[key] = None if row[key] is None else Decimal(row[key])
    out["fees"] = {k: Decimal(v) for k, v in json.loads(row["fees"] or "{}").items()}
    return out


def test_orders_and_fills_round_trip(tmp_path):
    journal = SqlJournal.open(f"sqlite:///{tmp_path / 'j.sqlite'}")

    async def main():
        a = Order.from_request(
            OrderRequest(
                VenueId("paper"),
                Symbol("BTC/USDT"),
                Side.BUY,
                OrderType.LIMIT,
                Decimal("0.0100"),
                Decimal("25000.10"),
                post_only=True,
            )
        )
        b = Order.from_request(
            OrderRequest(
                VenueId("paper"), Symbol("ETH/USDT"), Side.SELL, OrderType.MARKET, Decimal("1.5")
            )
        )
        for o in (a, b):
            await journal.record_intent(o)
        for ev in (
            OrderAccepted(venue_order_id=VenueOrderId("5"), source=EventSource.REST),
            OrderFilled(
                trade_id=TradeId("t-1"),
                price=Decimal("25000.10"),
                amount=Decimal("0.0040"),
                fee=Decimal("0.0000004"),
                fee_currency="BTC",
                is_maker=True,
            ),
        ):
            a.apply(ev)
            await journal.record_event(a, ev)
        ev = OrderRejected(reason='insufficient, "balance"\nline 2', source=EventSource.REST)
        b.apply(ev)
        await journal.record_event(b, ev)
        await journal.record_fill(
            SessionKey(VenueId("paper"), VenueMode.PAPER),
            FillReport(
                trade_id=TradeId("x9"),
                symbol=Symbol("BTC/USDT"),
                price=Decimal("1E+2"),
                amount=Decimal("3"),
                timestamp_ms=5,
            ),
        )
        counts = await journal.export_csv(tmp_path / "orders.csv", tmp_path / "fills.csv")
        return counts, [a, b], await journal.fills()

    try:
        counts, orders, fills = asyncio.run(main())
    finally:
        journal.close()
    assert counts == (2, 2)
    back = read_orders_csv(tmp_path / "orders.csv")
    assert sorted(order_row(o)["client_order_id"] for o in back) == sorted(
        o.client_order_id for o in orders
    )
    by_id = {o.client_order_id: o for o in back}
    for o in orders:  # the same numbers, written plain ("0.01", not "0.0100")
        assert _values(order_row(by_id[o.client_order_id])) == _values(order_row(o))
    assert read_fills_csv(tmp_path / "fills.csv") == fills
