"""Reconciliation rules, with an in-memory venue and the real SQLite journal."""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace as dc_replace

import pytest

from terminal.core.errors import TransientError
from terminal.core.orders import OrderService, SubmitRefused
from terminal.domain.enums import VenueMode
from terminal.domain.ids import ClientOrderId, VenueId
from terminal.domain.order import CancelRequested, EventSource, OrderStatus
from terminal.domain.session import SessionKey
from terminal.journal import SqlJournal
from tests.core.test_order_service import FAST, ready_service
from tests.core.test_order_service_fakes import FakeVenue, ticket

PAPER = VenueId("paper")
PAPER_KEY = SessionKey(VenueId("paper"), VenueMode.PAPER)


@pytest.fixture
def journal(tmp_path):
    j = SqlJournal.open(f"sqlite:///{tmp_path / 'journal.sqlite'}")
    yield j
    j.close()


def test_failed_reconciliation_keeps_entry_closed_and_is_journaled(journal):
    async def main():
        venue = FakeVenue()

        async def down(symbol=None):
            raise TransientError("503 Service Unavailable")

        venue.fetch_open_orders = down
        svc = OrderService(journal, policy=FAST)
        svc.attach(venue)
        seen = []
        svc.reconciled.add(seen.append)
        result = await svc.reconcile(PAPER_KEY)
        assert not result.ok and "503" in result.error
        assert "failed" in svc.entry_block_reason(PAPER_KEY)
        assert seen == [result]
        logged = (await journal.safety_history(["reconciliation"]))[0]
        assert "503" in logged.details["error"]
        await svc.aclose()

    asyncio.run(main())


def test_journaled_cancel_that_never_reached_the_venue_is_sent_again(journal):
    async def main():
        svc, venue = await ready_service(journal)
        order = await svc.submit(ticket())
        live = svc.tracker.cached(order.client_order_id)
        await svc.tracker.apply(live, [CancelRequested(source=EventSource.LOCAL)])
        await svc.aclose()  # crash right after journaling the cancel request

        fresh = OrderService(journal, policy=FAST)
        fresh.attach(venue)
        result = await fresh.reconcile(PAPER_KEY)
        got = await journal.get_order(order.client_order_id)
        assert got.status is OrderStatus.CANCELED
        assert venue.orders[order.client_order_id].status is OrderStatus.CANCELED
        assert any("pending_cancel -> canceled" in s for s in result.settled)
        await fresh.aclose()

    asyncio.run(main())


def test_order_final_in_journal_but_open_on_venue_is_reported(journal):
    async def main():
        svc, venue = await ready_service(journal)
        order = await svc.submit(ticket())
        await svc.cancel(order.client_order_id)
        venue.orders[order.client_order_id].status = OrderStatus.OPEN  # venue disagrees
        result = await svc.reconcile(PAPER_KEY)
        assert any(
            order.client_order_id in u and "journal says canceled" in u for u in result.unknown
        )
        await svc.aclose()

    asyncio.run(main())


def test_reconnect_reconciliation_keeps_entry_open(journal):
    async def main():
        svc, _venue = await ready_service(journal)
        states = []
        svc.entry_changed.add(states.append)
        await svc.on_stream_reconnect(PAPER_KEY)
        assert svc.entry_ready(PAPER_KEY)
        assert all(s.ready and s.reason is None for s in states)  # never closed meanwhile
        await svc.aclose()

    asyncio.run(main())


def test_unknown_submit_left_by_a_crash_is_rejected_after_not_found_answers(journal):
    async def main():
        svc, venue = await ready_service(journal)
        venue.script = ["unknown_before"]
        order = await svc.submit(ticket())
        await svc.aclose()  # the settle task dies with the process
        fresh = OrderService(journal, policy=FAST)
        fresh.attach(venue)
        result = await fresh.reconcile(PAPER_KEY)
        got = await journal.get_order(order.client_order_id)
        assert got.status is OrderStatus.REJECTED and "never reached" in got.reason
        assert any("unknown -> rejected" in s for s in result.settled)
        assert venue.create_calls[ClientOrderId(order.client_order_id)] == 1
        await fresh.aclose()

    asyncio.run(main())


def test_fill_history_longer_than_one_page_is_fetched_page_by_page(journal):
    async def main():
        svc, venue = await ready_service(journal)
        order = await svc.submit(ticket(amount="0.0300"))
        await svc.aclose()
        base = int(time.time() * 1000)
        for _i in range(300):  # many small fills while the terminal is down
            venue.fill(order.client_order_id, "0.0001")
        vo = venue.orders[order.client_order_id]
        vo.fills = [dc_replace(f, timestamp_ms=base + i) for i, f in enumerate(vo.fills)]
        venue.report_fills = False  # the order query lists no fills: trades must be fetched
        pages = []
        full = venue.fetch_my_trades

        async def paged(symbol, since_ms=None):
            got = await full(symbol, since_ms)
            pages.append(len(got[:120]))
            return got[:120]  # a venue page of 120 trades, oldest first

        venue.fetch_my_trades = paged
        fresh = OrderService(journal, policy=FAST)
        fresh.attach(venue)
        await fresh.reconcile(PAPER_KEY)
        got = await journal.get_order(order.client_order_id)
        assert got.status is OrderStatus.FILLED and len(got.trade_ids) == 300
        assert len(pages) >= 3
        await fresh.aclose()

    asyncio.run(main())


def test_external_order_reusing_a_journaled_client_id_gets_its_own_id(journal):
    async def main():
        svc, venue = await ready_service(journal)
        mine = await svc.submit(ticket(), client_order_id=ClientOrderId("same-id"))
        await svc.cancel(mine.client_order_id)
        del venue.orders["same-id"]
        reused = venue.place_external("same-id")  # venue accepts a reused id once closed
        result = await svc.reconcile(PAPER_KEY)
        assert result.ok and len(result.adopted) == 1
        adopted = await journal.find_by_venue_order_id(PAPER_KEY, reused.vid)
        assert adopted.external and adopted.client_order_id == f"ext-paper-{reused.vid}"
        assert (await journal.get_order(ClientOrderId("same-id"))).status is OrderStatus.CANCELED
        with pytest.raises(SubmitRefused, match="already"):
            await svc.submit(ticket(price="20000"), client_order_id=ClientOrderId("same-id"))
        await svc.aclose()

    asyncio.run(main())


def test_a_query_that_fails_a_few_times_is_tried_again_and_settles(journal):
    async def main():
        svc, venue = await ready_service(journal)
        order = await svc.submit(ticket())
        await svc.aclose()

        real, failures = venue.fetch_order, []

        async def flaky(client_order_id, symbol):
            if len(failures) < 2:
                failures.append(client_order_id)
                raise TransientError("502 Bad Gateway")
            return await real(client_order_id, symbol)

        venue.fetch_order = flaky
        fresh = OrderService(journal, policy=FAST)
        fresh.attach(venue)
        result = await fresh.reconcile(PAPER_KEY)
        assert result.ok and failures == [order.client_order_id] * 2
        assert any(str(order.client_order_id) in s for s in result.confirmed), result
        await fresh.aclose()

    asyncio.run(main())
