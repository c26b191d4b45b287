"""Group commit: writes queued while a commit is in flight share the next transaction,
and each write is still committed before its await returns (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from terminal.domain.enums import OrderType, Side
from terminal.domain.ids import Symbol, VenueId, VenueOrderId
from terminal.domain.order import EventSource, Order, OrderAccepted, OrderRequest
from terminal.journal import SqlJournal
from terminal.journal.engine import engine_url


def new_order(i: int) -> Order:
    return Order.from_request(
        OrderRequest(
            VenueId("paper"),
            Symbol("BTC/USDT"),
            Side.BUY,
            OrderType.LIMIT,
            Decimal("0.010"),
            Decimal(f"25000.{i:02d}"),
        )
    )


@pytest.fixture
def journal(journal_url):
    j = SqlJournal.open(journal_url)
    yield j
    j.close()


def _count_transactions(journal: SqlJournal) -> list[int]:
    """Counts the transactions the writer thread commits (wraps the hot path's own)."""
    commits = [0]
    inner = journal._fast

    def counting(fn):
        result = inner(fn)
        commits[0] += 1
        return result

    journal._fast = counting  # type: ignore[method-assign]
    return commits


def test_a_burst_of_50_intents_takes_fewer_commits_and_each_is_durable_on_return(
    journal, journal_url
):
    orders = [new_order(i) for i in range(50)]
    commits = _count_transactions(journal)
    other = create_engine(engine_url(journal_url), poolclass=NullPool)
    seen_at_return: dict[str, int] = {}

    async def intent_then_check(order: Order) -> None:
        await journal.record_intent(order)
        # Right when the await returns, another connection must see the intent
        # (committed): this is what lets the order be sent.
        with other.connect() as conn:
            seen_at_return[order.client_order_id] = conn.execute(
                text("SELECT count(*) FROM orders WHERE client_order_id = :c"),
                {"c": str(order.client_order_id)},
            ).scalar_one()

    async def main() -> None:
        await asyncio.gather(*(intent_then_check(o) for o in orders))

    try:
        asyncio.run(main())
    finally:
        other.dispose()
    assert seen_at_return == {str(o.client_order_id): 1 for o in orders}
    assert 1 <= commits[0] < 50  # grouped: not one commit per intent
    assert len(asyncio.run(journal.open_orders())) == 50


def test_one_failing_write_in_a_group_fails_alone(journal):
    a, b = new_order(1), new_order(2)
    asyncio.run(journal.record_intent(a))

    async def main():
        ev = OrderAccepted(venue_order_id=VenueOrderId("7"), source=EventSource.REST)
        a.apply(ev)
        return await asyncio.gather(
            journal.record_event(a, ev),
            journal.record_intent(a),  # the same client order id again: refused
            journal.record_intent(b),
            return_exceptions=True,
        )

    first, duplicate, other = asyncio.run(main())
    assert first is None and other is None
    assert isinstance(duplicate, Exception) and "UNIQUE" in str(duplicate).upper()
    assert asyncio.run(journal.get_order(b.client_order_id)) is not None
    kinds = [e.kind for e in asyncio.run(journal.events(a.client_order_id))]
    assert kinds == ["Intent", "OrderAccepted"]  # the group's other writes were kept


def test_writes_keep_their_order_around_other_work(journal):
    """A query submitted between hot-path writes sees exactly the writes before it."""
    orders = [new_order(i) for i in range(6)]

    async def main():
        first = [asyncio.ensure_future(journal.record_intent(o)) for o in orders[:3]]
        await asyncio.sleep(0)  # the three are queued before the query
        count = asyncio.ensure_future(journal.open_orders())
        last = [asyncio.ensure_future(journal.record_intent(o)) for o in orders[3:]]
        await asyncio.gather(*first, *last)
        return len(await count)

    assert asyncio.run(main()) == 3
