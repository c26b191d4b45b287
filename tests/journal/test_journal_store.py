"""The journal on SQLite and on PostgreSQL: JournalPort behaviour, queries, lossless
decimals, redaction (each test runs on both backends unless it names one)."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from terminal.domain.enums import OrderType, Side, VenueMode
from terminal.domain.ids import ClientOrderId, Symbol, TradeId, VenueId, VenueOrderId
from terminal.domain.order import (
    EventSource,
    Order,
    OrderAccepted,
    OrderCanceled,
    OrderFilled,
    OrderRequest,
)
from terminal.domain.reports import FillReport
from terminal.domain.session import SessionKey
from terminal.journal import SqlJournal
from terminal.journal.codec import order_row
from terminal.journal.engine import engine_url
from terminal.logsetup import clear_secrets, register_secret

PAPER = VenueId("paper")
PAPER_KEY = SessionKey(PAPER, VenueMode.PAPER)
BTC = Symbol("BTC/USDT")


@pytest.fixture
def journal(journal_url):
    j = SqlJournal.open(journal_url)
    yield j
    j.close()


def other_connection_reads(url: str, sql: str, **params) -> list[tuple]:
    """Rows as another connection (not the journal's) sees them, straight from the driver."""
    engine = create_engine(engine_url(url), poolclass=NullPool)
    try:
        with engine.begin() as conn:
            result = conn.execute(text(sql), params)
            return [tuple(r) for r in result] if result.returns_rows else []
    finally:
        engine.dispose()


def new_order(price="25000.10", amount="0.010", symbol=BTC, venue=PAPER) -> Order:
    return Order.from_request(
        OrderRequest(venue, symbol, Side.BUY, OrderType.LIMIT, Decimal(amount), Decimal(price))
    )


def test_intent_events_fills_and_reload(journal):
    async def main():
        o = new_order()
        await journal.record_intent(o)
        for ev in (
            OrderAccepted(venue_order_id=VenueOrderId("77"), source=EventSource.REST),
            OrderFilled(
                trade_id=TradeId("t1"),
                price=Decimal("25000.10"),
                amount=Decimal("0.0040"),
                fee=Decimal("0.00000004"),
                fee_currency="BTC",
                source=EventSource.STREAM,
            ),
        ):
            o.apply(ev)
            await journal.record_event(o, ev)
        got = await journal.get_order(o.client_order_id)
        assert order_row(got) == order_row(o)  # every column, decimals exact
        assert got.trade_ids == {"t1"} and got.fees == {"BTC": Decimal("0.00000004")}
        assert [x.client_order_id for x in await journal.open_orders(PAPER)] == [o.client_order_id]
        by_vid = await journal.find_by_venue_order_id(PAPER_KEY, VenueOrderId("77"))
        assert by_vid.client_order_id == o.client_order_id
        events = await journal.events(o.client_order_id)
        assert [(e.kind, e.source, e.status_after) for e in events] == [
            ("Intent", "local", "pending_submit"),
            ("OrderAccepted", "rest", "open"),
            ("OrderFilled", "stream", "partially_filled"),
        ]
        ev = OrderCanceled(source=EventSource.REST)
        o.apply(ev)
        await journal.record_event(o, ev)
        assert await journal.open_orders(PAPER) == []

    asyncio.run(main())


def test_decimals_are_stored_as_exact_text(journal, journal_url):
    async def main():
        o = new_order(price="0.000000010000", amount="123456789.123456789")
        await journal.record_intent(o)

    asyncio.run(main())
    raw = other_connection_reads(journal_url, "SELECT price, amount FROM orders")
    assert raw == [("0.000000010000", "123456789.123456789")]


def test_fills_are_unique_per_venue_and_trade_id(journal):
    async def main():
        fill = FillReport(
            trade_id=TradeId("9"),
            symbol=BTC,
            price=Decimal("1"),
            amount=Decimal("2"),
            timestamp_ms=1_700_000_000_000,
        )
        assert await journal.record_fill(PAPER_KEY, fill) is True
        assert await journal.record_fill(PAPER_KEY, fill) is False
        assert (
            await journal.record_fill(SessionKey(VenueId("binance"), VenueMode.SANDBOX), fill)
            is True
        )
        assert len(await journal.fills()) == 2
        assert await journal.last_fill_ms(PAPER, BTC) == 1_700_000_000_000
        assert await journal.known_symbols(PAPER) == [BTC]

    asyncio.run(main())


def test_history_filters(journal):
    async def main():
        a = new_order(symbol=Symbol("ETH/USDT"))
        b = new_order()
        c = new_order(venue=VenueId("binance"))
        for o in (a, b, c):
            await journal.record_intent(o)
        assert {o.client_order_id for o in await journal.order_history(venue="paper")} == {
            a.client_order_id,
            b.client_order_id,
        }
        assert [o.client_order_id for o in await journal.order_history(symbol="ETH/USDT")] == [
            a.client_order_id
        ]
        created = int(b.created_at.timestamp() * 1000)
        since = await journal.order_history(since_ms=created)
        assert (
            a.client_order_id not in {o.client_order_id for o in since}
            or int(a.created_at.timestamp() * 1000) >= created
        )
        assert await journal.order_history(until_ms=0) == []
        assert len(await journal.order_history(limit=2)) == 2

    asyncio.run(main())


def test_payload_secrets_are_removed(journal):
    register_secret("SuperSecretKey123")
    try:

        async def main():
            o = new_order()
            await journal.record_intent(o)
            ev = OrderAccepted(venue_order_id=VenueOrderId("1"), source=EventSource.REST)
            o.apply(ev)
            await journal.record_event(
                o,
                ev,
                {
                    "apiKey": "SuperSecretKey123",
                    "headers": {"X-MBX-APIKEY": "abc"},
                    "msg": "echo SuperSecretKey123",
                    "signature": "deadbeef",
                    "orderId": 1,
                },
            )
            return (await journal.events(o.client_order_id))[-1].payload

        payload = asyncio.run(main())
    finally:
        clear_secrets()
    assert "SuperSecretKey123" not in payload and "deadbeef" not in payload
    assert "abc" not in payload and '"orderId":1' in payload


def test_safety_events(journal):
    async def main():
        assert await journal.latest_safety_event(["stop_engaged"]) is None
        await journal.record_safety_event("stop_engaged", {"reason": "test", "n": Decimal("1.5")})
        await journal.record_safety_event("other", {})
        kind, details, at = await journal.latest_safety_event(["stop_engaged", "stop_reset"])
        assert kind == "stop_engaged" and details == {"reason": "test", "n": "1.5"}
        assert at.tzinfo is not None

    asyncio.run(main())


def test_writes_are_committed_when_awaited(journal, journal_url):
    """Another connection sees the intent as soon as record_intent returns."""

    async def main():
        o = new_order()
        await journal.record_intent(o)
        return other_connection_reads(
            journal_url,
            "SELECT status FROM orders WHERE client_order_id = :coid",
            coid=str(o.client_order_id),
        )

    assert asyncio.run(main()) == [("pending_submit",)]


@pytest.mark.parametrize("journal_url", ["sqlite"], indirect=True)
def test_pragmas(journal):
    def check(conn):
        return (
            conn.exec_driver_sql("PRAGMA journal_mode").scalar(),
            conn.exec_driver_sql("PRAGMA synchronous").scalar(),
            conn.exec_driver_sql("PRAGMA busy_timeout").scalar(),
        )

    assert journal.run_sync(check) == ("wal", 2, 5000)


def test_unknown_client_id_returns_none(journal):
    assert asyncio.run(journal.get_order(ClientOrderId("nope"))) is None


def test_a_read_only_postgresql_database_refuses_the_write_with_its_reason(pg_server, pg_url):
    from terminal.core.storage import JournalWriteFailed

    SqlJournal.open(pg_url).close()  # the schema
    name = pg_url.rsplit("/", 1)[1]
    other_connection_reads(
        pg_server.url(), f'ALTER DATABASE "{name}" SET default_transaction_read_only = on'
    )
    j = SqlJournal.open(pg_url)  # nothing to migrate: opens
    try:
        with pytest.raises(JournalWriteFailed, match="the journal database is read-only"):
            asyncio.run(j.record_intent(new_order()))
    finally:
        j.close()


def test_postgresql_commits_are_synchronous_whatever_the_database_default(pg_server, pg_url):
    name = pg_url.rsplit("/", 1)[1]
    other_connection_reads(pg_server.url(), f'ALTER DATABASE "{name}" SET synchronous_commit = off')
    assert other_connection_reads(pg_url, "SHOW synchronous_commit") == [("off",)]
    j = SqlJournal.open(pg_url)
    try:
        setting = j.run_sync(lambda conn: conn.exec_driver_sql("SHOW synchronous_commit").scalar())
        assert setting == "on"
    finally:
        j.close()
