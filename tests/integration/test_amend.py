"""Amend (cancel-replace on Binance spot) through the real TerminalServices/OrderService,
the real ccxt client and the paper exchange's POST /api/v3/order/cancelReplace.

What must hold: the replacement's intent is in the journal before the venue hears of
it; the original ends CANCELED "replaced by <new id>", the replacement OPEN with the new
price and amount; the venue holds exactly one open order; an unknown outcome settles
both halves by queries and sends nothing twice.
"""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest

from terminal.core.errors import OrderRejectedError
from terminal.domain.enums import OrderType, Side
from terminal.domain.ids import Symbol, VenueId
from terminal.domain.order import OrderRequest, OrderStatus
from terminal.paper.embedded import start_paper_exchange
from terminal.services import ServicesOptions, TerminalServices
from tests.fixtures_paper import paper_rest, run_async
from tests.integration.test_orders_helpers import eventually, services_options

KEY, SECRET = "amend-key-00001", "amend-secret-000000000001"
PAPER, BTC = VenueId("paper"), Symbol("BTC/USDT")


@pytest.fixture(scope="module")
def paper(tmp_path_factory):
    handle = start_paper_exchange(
        tmp_path_factory.mktemp("paper-amend"), faults=True, rate="calm", accounts=[(KEY, SECRET)]
    )
    try:
        yield handle
    finally:
        handle.stop()


def options(tmp_path, paper) -> ServicesOptions:
    return services_options(tmp_path, paper, KEY, SECRET)


async def far_buy(services, session) -> OrderRequest:
    await services.refresh_market_inputs("paper", BTC)  # the gate's price and balances
    book = await session.fetch_order_book_raw(BTC, 5)
    bid = Decimal(repr(book["bids"][0][0]))
    return OrderRequest(
        PAPER,
        BTC,
        Side.BUY,
        OrderType.LIMIT,
        Decimal("0.001"),
        (bid * Decimal("0.97")).quantize(Decimal("0.01")),
    )


class EditSpy:
    """Wraps the REAL session's edit_order: records what the journal held for the
    replacement at the moment the venue call started, and how often it was called."""

    def __init__(self, services, session) -> None:
        self.calls: list[tuple[str, str | None]] = []
        real = session.edit_order

        async def edit_order(order, amount, price, new_client_order_id=None):
            stored = await services.journal.get_order(new_client_order_id)
            self.calls.append((str(new_client_order_id), stored.status.value if stored else None))
            return await real(order, amount, price, new_client_order_id=new_client_order_id)

        session.edit_order = edit_order


async def venue_orders(paper) -> list[dict]:
    async with paper_rest(paper, (KEY, SECRET)) as ex:
        await ex.load_markets()
        return await ex.fetch_orders(BTC, limit=1000)


async def clean(paper) -> None:
    async with paper_rest(paper, (KEY, SECRET)) as ex:
        await ex.load_markets()
        if await ex.fetch_open_orders(BTC):
            await ex.cancel_all_orders(BTC)


def test_amend_price_and_amount_replaces_journal_first(paper, tmp_path):
    async def main():
        await clean(paper)
        async with TerminalServices(options(tmp_path, paper)) as services:
            session = await services.connect("paper")
            assert session.has_edit_order
            spy = EditSpy(services, session)
            request = await far_buy(services, session)
            original = await services.orders.submit(request)
            assert original.status is OrderStatus.OPEN
            new_price = request.price - Decimal("7.5")
            new = await services.orders.amend(original.client_order_id, Decimal("0.002"), new_price)
            # the venue call happened once, with the replacement already journaled
            assert spy.calls == [(str(new.client_order_id), "pending_submit")]
            assert new.client_order_id != original.client_order_id
            assert new.status is OrderStatus.OPEN and not new.external
            assert new.amount == Decimal("0.002") and new.price == new_price

            old = await services.journal.get_order(original.client_order_id)
            assert old.status is OrderStatus.CANCELED
            assert old.reason == f"replaced by {new.client_order_id}"
            stored = await services.journal.get_order(new.client_order_id)
            assert stored.status is OrderStatus.OPEN and stored.venue_order_id
            assert stored.amount == Decimal("0.002") and stored.price == new_price

            # events in order (journal ids are global and increasing)
            old_ev = await services.journal.events(original.client_order_id)
            new_ev = await services.journal.events(new.client_order_id)
            assert [e.kind for e in old_ev][:3] == ["Intent", "OrderAccepted", "CancelRequested"]
            assert old_ev[-1].kind == "OrderCanceled"
            assert [e.kind for e in new_ev][:2] == ["Intent", "OrderAccepted"]
            cancel_req = next(e for e in old_ev if e.kind == "CancelRequested")
            assert str(new.client_order_id) in (cancel_req.payload or "")
            assert new_ev[0].id < cancel_req.id < new_ev[1].id
            canceled = [e for e in old_ev if e.kind == "OrderCanceled"]
            assert canceled[0].id > new_ev[0].id

            # the venue: exactly one open order, the replacement; the stream agrees later
            opened = await session.fetch_open_orders(BTC)
            assert [r.client_order_id for r in opened] == [new.client_order_id]
            await asyncio.sleep(0.5)  # let the stream's reports arrive: nothing changes
            assert (
                await services.journal.get_order(new.client_order_id)
            ).status is OrderStatus.OPEN
            assert (
                await services.journal.get_order(original.client_order_id)
            ).reason == f"replaced by {new.client_order_id}"
            await services.orders.cancel(new.client_order_id)

    run_async(main(), 90)


def test_amend_reply_lost_settles_both_by_query_and_sends_nothing_twice(paper, tmp_path):
    async def main():
        await clean(paper)
        async with TerminalServices(options(tmp_path, paper)) as services:
            session = await services.connect("paper")
            spy = EditSpy(services, session)
            request = await far_buy(services, session)
            original = await services.orders.submit(request)
            before = {o["id"] for o in await venue_orders(paper)}
            paper.control.order_unknown("5xx", 1, 3.0)  # execute, then fail the reply
            new = await services.orders.amend(
                original.client_order_id, Decimal("0.001"), request.price - Decimal(3)
            )
            assert new.status is OrderStatus.UNKNOWN and len(spy.calls) == 1

            async def settled():
                a = await services.journal.get_order(original.client_order_id)
                b = await services.journal.get_order(new.client_order_id)
                ok = (
                    a.status is OrderStatus.CANCELED
                    and b.status is OrderStatus.OPEN
                    and a.reason == f"replaced by {new.client_order_id}"
                )
                return (a, b) if ok else None

            _old, replacement = await eventually(settled, 30)
            assert replacement.venue_order_id
            kinds = [e.kind for e in await services.journal.events(new.client_order_id)]
            assert kinds[:2] == ["Intent", "OutcomeUnknown"] and "OrderAccepted" in kinds

            after = await venue_orders(paper)
            created = [o for o in after if o["id"] not in before]
            assert [o["clientOrderId"] for o in created] == [new.client_order_id]
            assert [o["clientOrderId"] for o in after if o["status"] == "open"] == [
                new.client_order_id
            ]
            assert len(spy.calls) == 1  # never resent
            await services.orders.cancel(new.client_order_id)

    run_async(main(), 90)


def test_amend_of_an_order_gone_at_the_venue_is_refused_and_settled(paper, tmp_path):
    """The original was cancelled elsewhere while this terminal did not hear of it
    (no private stream): the venue answers -2022 (cancel failed, nothing placed). The
    replacement's intent ends REJECTED, the original is settled by query (CANCELED)."""

    async def main():
        await clean(paper)
        opts = options(tmp_path, paper)
        opts.private_streams = False
        async with TerminalServices(opts) as services:
            session = await services.connect("paper", streams=False)
            request = await far_buy(services, session)
            original = await services.orders.submit(request)
            async with paper_rest(paper, (KEY, SECRET)) as other:
                await other.load_markets()
                await other.cancel_order(str(original.venue_order_id), BTC)
            with pytest.raises(OrderRejectedError, match="2022"):
                await services.orders.amend(
                    original.client_order_id, Decimal("0.001"), request.price - Decimal(2)
                )
            history = await services.journal.order_history(venue="paper")
            intents = [
                o
                for o in history
                if o.client_order_id != original.client_order_id
                and o.created_at >= original.created_at
            ]
            assert len(intents) == 1 and intents[0].status is OrderStatus.REJECTED
            old = await services.journal.get_order(original.client_order_id)
            assert old.status is OrderStatus.CANCELED
            assert [o for o in await venue_orders(paper) if o["status"] == "open"] == []

    run_async(main(), 90)


def cli(data_dir, paper, *args: str, timeout: float = 60):
    """`trading-terminal ... ` in a subprocess, against the running paper exchange."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    env = dict(os.environ, PYTHONPATH=str(root))
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "terminal",
            "--data-dir",
            str(data_dir),
            "--log-level",
            "WARNING",
            "--paper-url",
            paper.url,
            "--paper-account",
            f"{KEY}:{SECRET}",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=root,
        env=env,
    )


def test_cli_order_amend(paper, tmp_path):
    run_async(clean(paper), 30)
    bid = Decimal(str(paper.control.book("BTC/USDT", 1)["bids"][0][0]))
    far = (bid * Decimal("0.97")).quantize(Decimal("0.01"))
    placed = cli(
        tmp_path,
        paper,
        "order",
        "place",
        "--symbol",
        "BTC/USDT",
        "--side",
        "buy",
        "--type",
        "limit",
        "--amount",
        "0.001",
        "--price",
        str(far),
        "--client-id",
        "cli-amend-1",
    )
    assert placed.returncode == 0, placed.stderr + placed.stdout

    usage = cli(
        tmp_path, paper, "order", "amend", "--symbol", "BTC/USDT", "--client-id", "cli-amend-1"
    )
    assert usage.returncode == 2 and "--amount and/or --price" in usage.stderr
    wrong = cli(
        tmp_path,
        paper,
        "order",
        "amend",
        "--symbol",
        "ETH/USDT",
        "--client-id",
        "cli-amend-1",
        "--price",
        str(far),
    )
    assert wrong.returncode == 1 and "is on BTC/USDT" in wrong.stderr

    new_price = far - Decimal(4)
    amended = cli(
        tmp_path,
        paper,
        "order",
        "amend",
        "--venue",
        "paper",
        "--symbol",
        "BTC/USDT",
        "--client-id",
        "cli-amend-1",
        "--amount",
        "0.002",
        "--price",
        str(new_price),
    )
    assert amended.returncode == 0, amended.stderr + amended.stdout
    lines = amended.stdout.splitlines()
    new_id = lines[0].removeprefix("client order id: ")
    assert new_id != "cli-amend-1" and lines[1] == "state: open"
    assert f"0.00200 @ {new_price}" in lines[2]  # the venue's step decides the digits
    assert lines[3].startswith("replaces: cli-amend-1") and f"replaced by {new_id}" in lines[3]

    history = cli(tmp_path, paper, "journal", "show", "--events", new_id)
    assert [line.split()[2] for line in history.stdout.splitlines()[1:]][:2] == [
        "Intent",
        "OrderAccepted",
    ]
    opened = run_async(venue_orders(paper), 30)
    assert [o["clientOrderId"] for o in opened if o["status"] == "open"] == [new_id]
    gone = cli(
        tmp_path,
        paper,
        "order",
        "amend",
        "--symbol",
        "BTC/USDT",
        "--client-id",
        "cli-amend-1",
        "--price",
        str(far),
    )
    assert gone.returncode == 1 and "canceled" in gone.stdout  # refused [not_open]
    assert (
        cli(
            tmp_path, paper, "order", "cancel", "--symbol", "BTC/USDT", "--client-id", new_id
        ).returncode
        == 0
    )


def test_amend_of_a_nearly_all_in_buy_counts_the_funds_the_order_holds(tmp_path):
    """The replacement's balance check counts what the original holds (it is cancelled in
    the same step): raising an all-in buy by a few ticks is not refused for lack of funds
    that order itself has locked."""
    key, secret = "amend-allin-0001", "amend-allin-secret-00000001"
    paper = start_paper_exchange(
        tmp_path / "paper",
        faults=False,
        rate="calm",
        accounts=[(key, secret)],
        balance=["USDT=1000", "BTC=0"],
    )
    try:

        async def main():
            opts = ServicesOptions(
                data_dir=str(tmp_path / "d"),
                paper_url=paper.url,
                paper_account=f"{key}:{secret}",
                private_streams=False,
                session_heartbeat_s=0,
            )
            async with TerminalServices(opts) as services:
                session = await services.connect("paper")
                request = await far_buy(services, session)
                amount = (Decimal("940") / request.price).quantize(Decimal("0.00001"))
                original = await services.orders.submit(
                    OrderRequest(PAPER, BTC, Side.BUY, OrderType.LIMIT, amount, request.price)
                )
                assert original.status is OrderStatus.OPEN
                await services.refresh_market_inputs("paper", BTC)  # ~60 USDT free now
                higher = request.price + Decimal("5.00")
                new = await services.orders.amend(original.client_order_id, amount, higher)
                assert new.status is OrderStatus.OPEN and new.price == higher
                opened = await session.fetch_open_orders(BTC)
                assert [r.client_order_id for r in opened] == [new.client_order_id]
                await services.orders.cancel(new.client_order_id)

        run_async(main(), 90)
    finally:
        paper.stop()


def test_cli_order_amend_with_a_lost_reply_settles_both_before_it_returns(paper, tmp_path):
    """`order amend` whose reply is lost (the venue executed the cancel-replace, then the
    reply failed): the command settles both halves by query before it returns, prints
    the replacement OPEN and the original CANCELED, exits 0, and the venue holds exactly
    the replacement (nothing resent)."""
    run_async(clean(paper), 30)
    bid = Decimal(str(paper.control.book("BTC/USDT", 1)["bids"][0][0]))
    far = (bid * Decimal("0.97")).quantize(Decimal("0.01"))
    placed = cli(
        tmp_path,
        paper,
        "order",
        "place",
        "--symbol",
        "BTC/USDT",
        "--side",
        "buy",
        "--type",
        "limit",
        "--amount",
        "0.001",
        "--price",
        str(far),
        "--client-id",
        "cli-amend-lost",
    )
    assert placed.returncode == 0, placed.stderr + placed.stdout
    before = {o["id"] for o in run_async(venue_orders(paper), 30)}
    paper.control.order_unknown("5xx", 1)  # execute, then fail the reply
    try:
        amended = cli(
            tmp_path,
            paper,
            "order",
            "amend",
            "--symbol",
            "BTC/USDT",
            "--client-id",
            "cli-amend-lost",
            "--price",
            str(far - Decimal(3)),
        )
    finally:
        paper.control.clear_faults()
    out = amended.stdout
    assert amended.returncode == 0, amended.stderr + out
    assert "Traceback" not in amended.stderr
    assert "outcome unknown, querying paper" in out
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("client order id: "))
    new_id = lines[start].removeprefix("client order id: ")
    assert new_id != "cli-amend-lost" and lines[start + 1] == "state: open"
    assert lines[start + 3].startswith("replaces: cli-amend-lost  canceled")
    assert f"replaced by {new_id}" in lines[start + 3]

    after = run_async(venue_orders(paper), 30)
    created = [o for o in after if o["id"] not in before]
    assert [o["clientOrderId"] for o in created] == [new_id]  # sent once
    assert [o["clientOrderId"] for o in after if o["status"] == "open"] == [new_id]
    shown = cli(tmp_path, paper, "journal", "show", "--open")
    assert "unknown" not in shown.stdout and new_id in shown.stdout
    assert (
        cli(
            tmp_path, paper, "order", "cancel", "--symbol", "BTC/USDT", "--client-id", new_id
        ).returncode
        == 0
    )
