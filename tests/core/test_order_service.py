"""Order service against an in-memory venue and the real SQLite journal (tmp dir)."""

from __future__ import annotations

import asyncio
from datetime import UTC
from decimal import Decimal

import pytest

from terminal.core.orders import (
    EntryNotReady,
    NotSupported,
    OrderPolicy,
    OrderService,
    SubmitRefused,
)
from terminal.domain.enums import OrderType, Side, VenueMode
from terminal.domain.ids import ClientOrderId, VenueId
from terminal.domain.order import OrderStatus
from terminal.domain.session import SessionKey
from terminal.journal import SqlJournal
from tests.core.test_order_service_fakes import BTC, FakeVenue, ticket

FAST = OrderPolicy(
    unknown_query_backoff_s=0.01, unknown_query_backoff_max_s=0.02, double_submit_window_s=3.0
)
PAPER = VenueId("paper")
PAPER_KEY = SessionKey(VenueId("paper"), VenueMode.PAPER)


@pytest.fixture
def journal(tmp_path):
    j = SqlJournal.open(f"sqlite:///{tmp_path / 'journal.sqlite'}")
    yield j
    j.close()


def run(coro):
    return asyncio.run(coro)


async def ready_service(journal, venue=None, policy=FAST):
    venue = venue or FakeVenue()
    svc = OrderService(journal, policy=policy)
    svc.attach(venue)
    result = await svc.reconcile(PAPER_KEY)
    assert result.ok, result.error
    return svc, venue


async def statuses(journal, coid):
    return [e.status_after for e in await journal.events(coid)]


def test_limit_order_is_journaled_before_the_venue_call_and_acknowledged(journal):
    async def main():
        svc, venue = await ready_service(journal)
        seen_in_journal_at_send = []
        original = venue.create_order

        async def spy(order):
            stored = await journal.get_order(order.client_order_id)
            seen_in_journal_at_send.append(stored.status if stored else None)
            return await original(order)

        venue.create_order = spy
        order = await svc.submit(ticket())
        assert seen_in_journal_at_send == [OrderStatus.PENDING_SUBMIT]
        assert order.status is OrderStatus.OPEN and order.venue_order_id
        assert await statuses(journal, order.client_order_id) == ["pending_submit", "open"]
        await svc.aclose()

    run(main())


def test_market_order_fills_and_fill_is_stored(journal):
    async def main():
        svc, _venue = await ready_service(journal)
        order = await svc.submit(ticket(price=None, type=OrderType.MARKET))
        assert order.status is OrderStatus.FILLED and order.filled == Decimal("0.01")
        fills = await journal.fills(venue="paper")
        assert [f.client_order_id for f in fills] == [order.client_order_id]
        assert fills[0].amount == Decimal("0.01")
        await svc.aclose()

    run(main())


def test_venue_rejection_is_recorded_with_its_reason(journal):
    async def main():
        svc, venue = await ready_service(journal)
        venue.script = ["reject"]
        order = await svc.submit(ticket())
        assert order.status is OrderStatus.REJECTED
        assert "insufficient balance" in order.reason
        stored = await journal.get_order(order.client_order_id)
        assert stored.status is OrderStatus.REJECTED and "insufficient" in stored.reason
        await svc.aclose()

    run(main())


def test_gate_refuses_before_anything_is_written(journal):
    async def main():
        svc, venue = await ready_service(journal)
        with pytest.raises(SubmitRefused) as info:
            await svc.submit(ticket(amount="0.00001"))
        assert "min_amount" in info.value.rules
        with pytest.raises(SubmitRefused):
            await svc.submit(ticket(amount="-1"))
        assert await journal.order_history() == []
        assert not venue.create_calls
        await svc.aclose()

    run(main())


def test_blocked_submissions_refuse_synchronously(journal):
    async def main():
        svc, venue = await ready_service(journal)
        svc.gate.block("emergency stop engaged")
        coro = svc.submit(ticket())
        with pytest.raises(SubmitRefused, match="emergency stop"):
            coro.send(None)  # the very first step, before any await, refuses
        coro.close()
        assert not venue.create_calls
        await svc.aclose()

    run(main())


def test_entry_is_closed_until_reconciliation(journal):
    async def main():
        svc = OrderService(journal, policy=FAST)
        venue = FakeVenue()
        svc.attach(venue)
        assert not svc.entry_ready(PAPER_KEY)
        with pytest.raises(EntryNotReady, match="reconciling"):
            await svc.submit(ticket())
        await svc.reconcile(PAPER_KEY)
        assert svc.entry_ready(PAPER_KEY)
        svc.detach(PAPER_KEY)
        assert "not connected" in svc.entry_block_reason(PAPER_KEY)
        await svc.aclose()

    run(main())


def test_double_submit_is_refused_unless_confirmed(journal):
    async def main():
        svc, _venue = await ready_service(journal)
        await svc.submit(ticket())
        with pytest.raises(SubmitRefused) as info:
            await svc.submit(ticket())
        assert info.value.rules == {"double_submit"} and info.value.overridable
        again = await svc.submit(ticket(), confirmed=frozenset({"double_submit"}))
        assert again.status is OrderStatus.OPEN
        other = await svc.submit(ticket(price="25001"))  # a different ticket passes
        assert other.status is OrderStatus.OPEN
        await svc.aclose()

    run(main())


def test_unknown_after_execution_is_settled_by_query_not_resent(journal):
    async def main():
        svc, venue = await ready_service(journal)
        venue.script = ["unknown_after"]
        order = await svc.submit(ticket())
        assert order.status is OrderStatus.UNKNOWN
        settled = await svc.wait_settled(order.client_order_id, timeout=5)
        assert settled.status is OrderStatus.OPEN and settled.venue_order_id
        assert venue.create_calls[order.client_order_id] == 1
        hist = await journal.events(order.client_order_id)
        assert [(e.kind, e.source) for e in hist][-2:] == [
            ("OutcomeUnknown", "local"),
            ("OrderAccepted", "query"),
        ]
        await svc.aclose()

    run(main())


def test_unknown_that_never_reached_the_venue_becomes_rejected(journal):
    async def main():
        svc, venue = await ready_service(journal)
        venue.script = ["unknown_before"]
        order = await svc.submit(ticket())
        settled = await svc.wait_settled(order.client_order_id, timeout=5)
        assert settled.status is OrderStatus.REJECTED
        assert "not found" in settled.reason and "3 queries" in settled.reason
        assert venue.create_calls[order.client_order_id] == 1
        await svc.aclose()

    run(main())


def test_unknown_found_after_some_not_found_answers(journal):
    async def main():
        svc, venue = await ready_service(journal)
        venue.script = ["unknown_after"]
        venue.fetch_not_found = 2  # the venue is slow to show the order
        order = await svc.submit(ticket())
        settled = await svc.wait_settled(order.client_order_id, timeout=5)
        assert settled.status is OrderStatus.OPEN
        await svc.aclose()

    run(main())


def test_cancel_and_cancel_unknown_outcome(journal):
    async def main():
        svc, venue = await ready_service(journal)
        order = await svc.submit(ticket())
        canceled = await svc.cancel(order.client_order_id)
        assert canceled.status is OrderStatus.CANCELED
        assert await statuses(journal, order.client_order_id) == [
            "pending_submit",
            "open",
            "pending_cancel",
            "canceled",
        ]
        second = await svc.submit(ticket(price="24000"))
        venue.cancel_script = ["unknown_after"]
        result = await svc.cancel(second.client_order_id)
        assert result.status is OrderStatus.UNKNOWN
        settled = await svc.wait_settled(second.client_order_id, timeout=5)
        assert settled.status is OrderStatus.CANCELED
        await svc.aclose()

    run(main())


def test_cancel_of_an_order_that_filled_meanwhile(journal):
    async def main():
        svc, venue = await ready_service(journal)
        order = await svc.submit(ticket())
        venue.fill(order.client_order_id, "0.01")  # filled on the venue, stream missed
        result = await svc.cancel(order.client_order_id)
        assert result.status is OrderStatus.FILLED and result.filled == Decimal("0.01")
        await svc.aclose()

    run(main())


def test_cancel_all_includes_external_orders(journal):
    async def main():
        svc, venue = await ready_service(journal)
        a = await svc.submit(ticket(price="24000"))
        b = await svc.submit(ticket(price="24001"))
        venue.place_external("someone-else-1")
        touched = await svc.cancel_all(PAPER_KEY, BTC)
        by_id = {o.client_order_id: o for o in touched}
        assert by_id[a.client_order_id].status is OrderStatus.CANCELED
        assert by_id[b.client_order_id].status is OrderStatus.CANCELED
        ext = await journal.get_order(ClientOrderId("someone-else-1"))
        assert ext.external and ext.status is OrderStatus.CANCELED
        assert not await journal.open_orders(PAPER)
        await svc.aclose()

    run(main())


def test_stream_fill_and_order_reports(journal):
    async def main():
        svc, venue = await ready_service(journal)
        changes = []
        svc.order_changed.add(lambda o: changes.append(o.status))
        svc.order_changed.add(lambda o: 1 / 0)  # a broken listener must not matter
        order = await svc.submit(ticket())
        fill = venue.fill(order.client_order_id, "0.004")
        await svc.on_fill(PAPER_KEY, fill)
        await svc.on_fill(PAPER_KEY, fill)  # duplicate trade id: ignored
        got = await journal.get_order(order.client_order_id)
        assert got.status is OrderStatus.PARTIALLY_FILLED and got.filled == Decimal("0.004")
        venue.fill(order.client_order_id, "0.006")
        await svc.on_order_report(PAPER_KEY, venue.report(venue.orders[order.client_order_id]))
        got = await journal.get_order(order.client_order_id)
        assert got.status is OrderStatus.FILLED and got.filled == Decimal("0.01")
        assert changes[-1] is OrderStatus.FILLED
        assert len(await journal.fills(client_order_id=order.client_order_id)) == 2
        await svc.aclose()

    run(main())


def test_emergency_stop_while_in_flight_cancels_after_ack(journal):
    async def main():
        svc, venue = await ready_service(journal)
        original = venue.create_order

        async def slow(order):
            svc.gate.block("emergency stop engaged")  # engaged while the order flies
            return await original(order)

        venue.create_order = slow
        order = await svc.submit(ticket())
        assert order.status is OrderStatus.CANCELED
        await svc.aclose()

    run(main())


def test_reconcile_settles_adopts_and_applies_fills(journal):
    async def main():
        svc, venue = await ready_service(journal)
        venue.script = ["unknown_after"]
        lost = await svc.submit(ticket(price="24000"))
        await svc.aclose()  # "crash": settle task cancelled, order UNKNOWN in the journal
        assert (await journal.get_order(lost.client_order_id)).status is OrderStatus.UNKNOWN
        venue.fill(lost.client_order_id, "0.01", "24000")
        venue.place_external("other-client-7")

        fresh = OrderService(journal, policy=FAST)
        fresh.attach(venue)
        result = await fresh.reconcile(PAPER_KEY)
        assert result.ok and fresh.entry_ready(PAPER_KEY)
        assert any(lost.client_order_id in s and "filled" in s for s in result.settled)
        assert any("other-client-7" in a for a in result.adopted)
        got = await journal.get_order(lost.client_order_id)
        assert got.status is OrderStatus.FILLED and len(got.trade_ids) == 1
        ext = await journal.get_order(ClientOrderId("other-client-7"))
        assert ext.external and ext.status is OrderStatus.OPEN
        logged = await journal.safety_history(["reconciliation"])
        assert logged[0].details["adopted"] == result.adopted
        await fresh.aclose()

    run(main())


def test_stale_orders_flagged_and_auto_cancelled(journal):
    async def main():
        from datetime import datetime, timedelta

        later = datetime.now(UTC) + timedelta(hours=2)
        svc = OrderService(
            journal,
            policy=OrderPolicy(stale_order_age_s=3600, auto_cancel_stale=True),
            now=lambda: later,
        )
        venue = FakeVenue()
        svc.attach(venue)
        await svc.reconcile(PAPER_KEY)
        order = await svc.submit(ticket())
        assert [o.client_order_id for o in svc.stale_orders()] == [order.client_order_id]
        done = await svc.sweep_stale()
        assert [o.status for o in done] == [OrderStatus.CANCELED]
        assert (await journal.safety_history(["stale_auto_cancel"]))[0].details[
            "client_order_id"
        ] == order.client_order_id
        await svc.aclose()

    run(main())


def test_amend_in_place_and_not_supported(journal):
    async def main():
        svc, venue = await ready_service(journal)
        order = await svc.submit(ticket())
        with pytest.raises(NotSupported):
            await svc.amend(order.client_order_id, Decimal("0.02"), Decimal("24000"))
        venue.has_edit_order = True
        amended = await svc.amend(order.client_order_id, Decimal("0.02"), Decimal("24000"))
        assert amended.amount == Decimal("0.02") and amended.price == Decimal("24000")
        stored = await journal.get_order(order.client_order_id)
        assert stored.amount == Decimal("0.02")
        # the amendment is a transition of the table, journaled with its new values
        events = await journal.events(order.client_order_id)
        assert [(e.kind, e.status_after) for e in events][-2:] == [
            ("CancelRequested", "pending_cancel"),
            ("OrderAmended", "open"),
        ]
        assert events[-1].details["amount"] == "0.02" and events[-1].details["price"] == "24000"
        await svc.aclose()

    run(main())


def test_client_order_id_given_by_caller(journal):
    async def main():
        svc, venue = await ready_service(journal)
        order = await svc.submit(ticket(), client_order_id=ClientOrderId("my-id-1"))
        assert order.client_order_id == "my-id-1" and "my-id-1" in venue.orders
        with pytest.raises(SubmitRefused, match="already used"):
            await svc.submit(ticket(price="1000"), client_order_id=ClientOrderId("my-id-1"))
        await svc.aclose()

    run(main())


def test_side_enum_roundtrip_in_journal(journal):
    async def main():
        svc, _venue = await ready_service(journal)
        order = await svc.submit(ticket(side=Side.SELL, price="30000"))
        assert (await journal.get_order(order.client_order_id)).side is Side.SELL
        await svc.aclose()

    run(main())


def test_amend_by_cancel_and_replace_journals_the_new_order(journal):
    async def main():
        from dataclasses import replace as dc_replace

        svc, venue = await ready_service(journal)
        order = await svc.submit(ticket())
        venue.has_edit_order = True

        async def cancel_replace(old, amount, price, new_client_order_id=None):
            venue.orders[old.client_order_id].status = OrderStatus.CANCELED
            new = venue.place_external("replacement-1", str(amount), str(price))
            return dc_replace(venue.report(new))

        venue.edit_order = cancel_replace
        new = await svc.amend(order.client_order_id, Decimal("0.02"), Decimal("24000"))
        assert new.client_order_id == "replacement-1" and not new.external
        assert new.status is OrderStatus.OPEN and new.amount == Decimal("0.02")
        old = await journal.get_order(order.client_order_id)
        assert old.status is OrderStatus.CANCELED and "replaced by replacement-1" in old.reason
        await svc.aclose()

    run(main())


def test_client_order_id_already_in_the_journal_is_refused_before_sending(journal):
    async def main():
        svc, _venue = await ready_service(journal)
        await svc.submit(ticket(), client_order_id=ClientOrderId("kept-1"))
        await svc.cancel(ClientOrderId("kept-1"))  # final: a new run does not load it
        await svc.aclose()
        fresh, venue2 = await ready_service(journal)  # a new run: not in its cache
        with pytest.raises(SubmitRefused, match="already in the journal"):
            await fresh.submit(ticket(price="20000"), client_order_id=ClientOrderId("kept-1"))
        assert not venue2.create_calls
        assert fresh.tracker.cached("kept-1") is None  # the refused ticket left no trace
        await fresh.aclose()

    run(main())
