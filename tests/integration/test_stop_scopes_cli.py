"""`trading-terminal stop --session / --venue / --symbol` and scoped `--reset`, through the
real control channel of a running terminal (TerminalServices, headless) trading two
accounts of the paper exchange; the command runs as its own process.

Also: an amend is blocked only by a stop covering its order's session and symbol, and an
unknown session label is refused in one line.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from terminal.core.orders import SubmitRefused
from terminal.core.safety.targets import StopTarget
from terminal.domain.enums import OrderType, Side
from terminal.domain.ids import Symbol, VenueId
from terminal.domain.order import OrderRequest, OrderStatus
from terminal.paper.embedded import start_paper_exchange
from terminal.services import TerminalServices
from tests.fixtures_paper import paper_rest, run_async
from tests.integration.test_stop_channel import options, run_cli

ACCOUNTS = [
    ("scope-key-000001", "scope-secret-0000000001"),
    ("scope-key-000002", "scope-secret-0000000002"),
]
PAPER = VenueId("paper")
pytestmark = pytest.mark.timeout(300)


@pytest.fixture(scope="module")
def paper(tmp_path_factory):  # type: ignore[no-untyped-def]
    handle = start_paper_exchange(
        tmp_path_factory.mktemp("paper-scopes"), faults=False, rate="calm", accounts=ACCOUNTS
    )
    try:
        yield handle
    finally:
        handle.stop()


async def open_at(paper: Any, account: tuple[str, str]) -> set[str]:
    async with paper_rest(paper, account) as ex:
        await ex.load_markets()
        found = []
        for symbol in ("BTC/USDT", "ETH/USDT"):
            found += await ex.fetch_open_orders(symbol)
        return {o["clientOrderId"] for o in found}


async def place(services: TerminalServices, key: Any, symbol: str, amount: str) -> Any:
    await services.refresh_market_inputs("paper", symbol, key)
    session = services.by_key[key]
    market = session.markets[Symbol(symbol)]
    book = await session.fetch_order_book_raw(Symbol(symbol), 5)
    price = market.round_price(Decimal(repr(book["bids"][0][0])) * Decimal("0.97"))
    order = await services.orders.submit(
        OrderRequest(
            PAPER,
            Symbol(symbol),
            Side.BUY,
            OrderType.LIMIT,
            Decimal(amount),
            price,
            mode=key.mode,
            account=key.account,
        )
    )
    assert order.status is OrderStatus.OPEN, (order.status, order.reason)
    return order


def test_scoped_stops_and_resets_from_a_shell(paper, tmp_path) -> None:  # type: ignore[no-untyped-def]
    main_acct, bob_acct = ACCOUNTS
    data = tmp_path / "app"

    async def main() -> None:
        services = TerminalServices(options(data, paper, main_acct))
        await services.start()
        try:
            first = (await services.connect("paper")).key
            bob_creds = {"apiKey": bob_acct[0], "secret": bob_acct[1]}
            bob = (await services.connect("paper", None, "bob", credentials=bob_creds)).key
            btc = await place(services, first, "BTC/USDT", "0.001")
            eth = await place(services, first, "ETH/USDT", "0.01")
            bobs = await place(services, bob, "BTC/USDT", "0.001")
            stop = services.safety.stop

            async def cli(*args: str) -> tuple[int, str, str]:
                return await run_cli(data, paper, main_acct, "stop", *args)

            # an unknown session: one line, nothing engaged
            rc, out, err = await cli("--session", "paper/paper/nobody")
            assert rc == 3, out + err
            refusal = [line for line in err.splitlines() if "unknown session" in line]
            assert len(refusal) == 1 and "paper/paper/bob" in refusal[0], err
            assert not stop.engaged
            rc, out, err = await cli("--session", "nonsense")
            assert rc == 2 and err.count("\n") == 1 and "unknown session" in err, out + err

            # the stop on bob's session: only bob's order is cancelled at the venue
            rc, out, err = await cli("--session", bob.label, "--reason", "bob only")
            assert rc == 0, out + err
            assert f"ENGAGED on session {bob.label}" in out
            assert [s.target for s in stop.states] == [StopTarget(session=bob)]
            assert await open_at(paper, bob_acct) == set()
            assert await open_at(paper, main_acct) == {
                str(btc.client_order_id),
                str(eth.client_order_id),
            }
            assert (await services.journal.get_order(bobs.client_order_id)).status is (
                OrderStatus.CANCELED
            )
            with pytest.raises(SubmitRefused, match="ENGAGED on session paper/paper/bob"):
                await place(services, bob, "BTC/USDT", "0.001")

            # an amend outside the stop goes through
            btc = await services.orders.amend(btc.client_order_id, Decimal("0.002"), btc.price)
            assert btc.status is OrderStatus.OPEN and btc.amount == Decimal("0.002")

            # the stop on ETH/USDT of the paper venue: the ETH order only
            rc, out, err = await cli("--venue", "paper", "--symbol", "ETH/USDT")
            assert rc == 0, out + err
            assert await open_at(paper, main_acct) == {str(btc.client_order_id)}
            eth_stop = StopTarget(venue=PAPER, symbol=Symbol("ETH/USDT"))
            assert [s.target for s in stop.states] == [StopTarget(session=bob), eth_stop]
            # amending BTC is not inside either stop; placing ETH is
            btc = await services.orders.amend(btc.client_order_id, Decimal("0.003"), btc.price)
            assert btc.status is OrderStatus.OPEN
            with pytest.raises(SubmitRefused, match="ETH/USDT on venue paper"):
                await place(services, first, "ETH/USDT", "0.01")

            # reset lifts only the scope given
            rc, out, err = await cli("--reset", "--yes", "--session", bob.label)
            assert rc == 0, out + err
            assert f"Emergency stop on session {bob.label} reset." in out
            assert "Still engaged:" in out and "ETH/USDT on venue paper" in out
            assert [s.target for s in stop.states] == [eth_stop]
            again = await place(services, bob, "BTC/USDT", "0.001")
            rc, out, err = await cli("--reset", "--yes", "--session", bob.label)
            assert rc == 0 and f"No emergency stop is engaged on session {bob.label}" in out
            assert [s.target for s in stop.states] == [eth_stop]
            rc, out, err = await cli("--reset", "--yes")
            assert rc == 0 and "order entry is possible again" in out, out + err
            assert not stop.engaged
            for order in (btc, again):
                await services.orders.cancel(order.client_order_id)
        finally:
            await services.aclose()

    run_async(main(), 280)
