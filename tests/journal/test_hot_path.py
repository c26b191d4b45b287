"""The journal's per-event path: hand-built JSON and driver parameters equal the generic
ones, every dialect gets its own parameter style, and the kept cursor survives errors."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy.dialects import postgresql, sqlite

from terminal.domain.enums import OrderType, Side
from terminal.domain.ids import Symbol, TradeId, VenueId, VenueOrderId
from terminal.domain.order import (
    CancelRejected,
    CancelRequested,
    EventSource,
    Order,
    OrderAccepted,
    OrderCanceled,
    OrderExpired,
    OrderFilled,
    OrderRejected,
    OrderRequest,
    OutcomeUnknown,
)
from terminal.journal import SqlJournal
from terminal.journal.codec import event_details_json, fees_json, jsonable, order_row
from terminal.journal.statements import MUTABLE_ORDER_COLUMNS, PreparedSet, update_params

AT = datetime(2026, 11, 21, 9, 30, 15, 123000, tzinfo=UTC)
EVENTS = [
    OrderAccepted(venue_order_id=VenueOrderId("123"), source=EventSource.REST, at=AT),
    OrderAccepted(at=AT),
    OrderRejected(reason='bad "price"\n\\ é €', source=EventSource.REST, at=AT),
    OrderFilled(
        trade_id=TradeId("t-1"),
        price=Decimal("1E+2"),
        amount=Decimal("0.0100"),
        fee=Decimal("1E-9"),
        fee_currency="BNB",
        is_maker=True,
        at=AT,
    ),
    OrderFilled(
        trade_id=TradeId("t-2"),
        price=Decimal("25000.10"),
        amount=Decimal("3"),
        venue_order_id=VenueOrderId("9"),
        is_maker=False,
        at=AT,
    ),
    CancelRequested(at=AT),
    OrderCanceled(reason="user", at=AT),
    CancelRejected(at=AT),
    OrderExpired(at=AT),
    OutcomeUnknown(at=AT),
]


def _generic_details(event) -> str:
    details = jsonable(event)
    details.pop("at")
    details.pop("source")
    return json.dumps(details, sort_keys=True, separators=(",", ":"))


@pytest.mark.parametrize("event", EVENTS, ids=lambda e: type(e).__name__)
def test_event_details_json_is_the_generic_encoding(event):
    assert event_details_json(event) == _generic_details(event)


def test_event_details_keep_decimals_exact():
    text = event_details_json(EVENTS[3])
    back = json.loads(text)
    assert back["price"] == "100" and back["amount"] == "0.0100" and back["fee"] == "0.000000001"
    assert Decimal(back["amount"]) == Decimal("0.0100")


def test_fees_json_is_sorted_exact_text():
    fees = {"USDT": Decimal("0.10"), "BNB": Decimal("2E-5")}
    assert fees_json(fees) == '{"BNB": "0.00002", "USDT": "0.10"}'
    assert fees_json({}) == "{}"
    assert json.loads(fees_json(fees)) == {"BNB": "0.00002", "USDT": "0.10"}


def _order() -> Order:
    o = Order.from_request(
        OrderRequest(
            VenueId("paper"),
            Symbol("BTC/USDT"),
            Side.SELL,
            OrderType.LIMIT,
            Decimal("0.0100"),
            Decimal("25000.10"),
        )
    )
    o.apply(EVENTS[0])
    return o


def test_positional_parameters_follow_the_compiled_sql():
    row = order_row(_order())
    p = PreparedSet(sqlite.dialect())
    assert p.update_order.sql.count("?") == len(MUTABLE_ORDER_COLUMNS) + 1
    expected = update_params(row)
    names = [*MUTABLE_ORDER_COLUMNS, "b_client_order_id"]
    # the compiled order, whatever it is, picks each value from its own column
    assert sorted(zip(p.update_order.order, p.update_order.args(row), strict=False)) == sorted(
        (k, expected[k]) for k in names
    )
    event = {
        "client_order_id": "c",
        "kind": "k",
        "source": "s",
        "status_after": "open",
        "details": "{}",
        "payload": None,
        "at_ms": 1,
        "recorded_ms": 2,
        "venue": "paper",
        "mode": "paper",
        "account": "default",
        "market": "spot",
    }
    assert dict(zip(p.insert_event.order, p.insert_event.args(event), strict=False)) == event
    assert p.find_fill.args({"b_venue": "v", "b_trade_id": "t"}) == ("v", "t")


@pytest.mark.parametrize(
    "dialect",
    [postgresql.psycopg2.dialect(), postgresql.psycopg.dialect()],
    ids=["psycopg2", "psycopg"],
)
def test_named_parameters_for_postgresql(dialect):
    row = order_row(_order())
    p = PreparedSet(dialect)
    assert "?" not in p.update_order.sql and "%(b_client_order_id)s" in p.update_order.sql
    assert p.update_order.args(row) == update_params(row)
    assert p.link_fill.args({"b_id": 1, "client_order_id": "c"}) == {
        "b_id": 1,
        "client_order_id": "c",
    }


def test_a_failed_write_leaves_nothing_and_the_next_one_works(tmp_path):
    path = tmp_path / "j.sqlite"
    journal = SqlJournal.open(f"sqlite:///{path}")
    order = _order()

    def boom(cur, p):
        cur.execute(p.insert_order.sql, p.insert_order.args(order_row(order)))
        raise RuntimeError("half-way")

    async def main():
        with pytest.raises(RuntimeError, match="half-way"):
            await journal._writer.run(journal._fast, boom)
        # the order's row from the failed transaction is gone; the journal still writes
        await journal.record_intent(order)
        await journal.record_event(order, EVENTS[3])
        # an SQLAlchemy-level transaction in between, then the hot path again
        assert (await journal.get_order(order.client_order_id)) is not None
        await journal.record_event(order, EVENTS[6])

    try:
        asyncio.run(main())
    finally:
        journal.close()
    other = sqlite3.connect(path)
    try:
        kinds = [k for (k,) in other.execute("SELECT kind FROM order_events ORDER BY id")]
        assert kinds == ["Intent", "OrderFilled", "OrderCanceled"]
        assert other.execute("SELECT count(*) FROM orders").fetchone() == (1,)
        assert other.execute("SELECT price, amount FROM fills").fetchall() == [("100", "0.0100")]
    finally:
        other.close()
