"""A stop still engaged at start-up sweeps each venue after its first reconciliation.

The gap it closes: a run engages the stop and dies before (or while) its sweep cancels
what is open, or another client places orders on the account while the terminal is
down; at the next start the stop blocks new orders, but the orders found open on the
venue stayed open. Now TerminalServices sweeps each venue, within the stop's scope, once
its start-up reconciliation is done, and reports it like any sweep (journal,
`stop_notices`). Real pieces: the paper exchange, ccxt, the SQLite journal.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from terminal.core.safety import StopScope
from terminal.domain.enums import OrderType, Side
from terminal.domain.ids import Symbol, VenueId
from terminal.domain.order import OrderRequest, OrderStatus
from terminal.paper.embedded import start_paper_exchange
from terminal.services import ServicesOptions, TerminalServices
from tests.fixtures_paper import paper_rest, run_async

ACCOUNTS = [(f"restart-key-0000{i}", f"restart-secret-00000000000{i}") for i in range(1, 4)]
PAPER, BTC = VenueId("paper"), Symbol("BTC/USDT")


@pytest.fixture(scope="module")
def paper(tmp_path_factory):
    handle = start_paper_exchange(
        tmp_path_factory.mktemp("paper-restart"), faults=False, rate="calm", accounts=ACCOUNTS
    )
    try:
        yield handle
    finally:
        handle.stop()


def options(data: Path, paper: Any, account: tuple[str, str], **kw: Any) -> ServicesOptions:
    return ServicesOptions(
        data_dir=str(data),
        paper_url=paper.url,
        paper_account=f"{account[0]}:{account[1]}",
        session_heartbeat_s=0,
        **kw,
    )


async def open_on_venue(paper: Any, account: tuple[str, str]) -> list[str]:
    """Client ids of open orders, asked with a separate ccxt client."""
    async with paper_rest(paper, account) as ex:
        await ex.load_markets()
        found = []
        for symbol in ("BTC/USDT", "SOL/USDT"):
            found += [o["clientOrderId"] for o in await ex.fetch_open_orders(symbol)]
        return sorted(found)


async def place_elsewhere(paper: Any, account: tuple[str, str], client_id: str) -> None:
    async with paper_rest(paper, account) as ex:
        await ex.load_markets()
        t = await ex.fetch_ticker("SOL/USDT")
        price = ex.price_to_precision("SOL/USDT", t["ask"] * 1.04)
        await ex.create_order(
            "SOL/USDT", "limit", "sell", 1, float(price), {"clientOrderId": client_id}
        )


async def first_run_engages_and_dies(
    data: Path, paper: Any, account: tuple[str, str], scope: StopScope
) -> str:
    """Places an order through the terminal, engages the stop and closes without a
    sweep (what a crash between the two leaves). Returns the order's client id."""
    async with TerminalServices(options(data, paper, account)) as services:
        await services.connect("paper")
        await services.refresh_market_inputs("paper", BTC)
        ref = services.gate_context(
            OrderRequest(PAPER, BTC, Side.BUY, OrderType.LIMIT, Decimal(1), Decimal(1))
        ).reference_price
        market = services.sessions[PAPER].markets[BTC]
        order = await services.orders.submit(
            OrderRequest(
                PAPER,
                BTC,
                Side.BUY,
                OrderType.LIMIT,
                Decimal("0.001"),
                market.round_price(ref * Decimal("0.97")),
            )
        )
        assert order.status is OrderStatus.OPEN
        services.safety.stop.engage(scope, "before the crash", "test")
        assert await services.safety.writer.flush()
        return str(order.client_order_id)


@pytest.mark.parametrize("scope", [StopScope.ALL, StopScope.TERMINAL])
def test_restart_with_stop_engaged_cancels_what_is_open(paper, tmp_path, scope):
    account = ACCOUNTS[0] if scope is StopScope.ALL else ACCOUNTS[1]

    async def main() -> None:
        ours = await first_run_engages_and_dies(tmp_path, paper, account, scope)
        await place_elsewhere(paper, account, f"while-down-{scope.value}")  # second client
        assert await open_on_venue(paper, account) == sorted([ours, f"while-down-{scope.value}"])

        notices: list[Any] = []
        async with TerminalServices(options(tmp_path, paper, account)) as services:
            assert services.safety.stop.engaged  # found engaged in the journal
            services.stop_notices.add(notices.append)
            await services.connect("paper")  # reconciles, then sweeps (awaited)

            left = await open_on_venue(paper, account)
            if scope is StopScope.ALL:
                assert left == [], left
            else:  # only what this terminal placed
                assert left == [f"while-down-{scope.value}"], left
            got = await services.journal.get_order(ours)
            assert got.status is OrderStatus.CANCELED, got
            sweeps = [n for n in notices if n.kind == "sweep"]
            assert len(sweeps) == 1, notices
            result = sweeps[0].result
            assert result.ok and result.scope is scope, result.lines()
            assert "start-up" in sweeps[0].text and "paper" in sweeps[0].text
            history = [h.kind for h in await services.journal.safety_history()]
            assert history.count("emergency_stop_sweep") == 1
            assert services.safety.stop.engaged  # a sweep never resets

            # a later reconciliation does not sweep again once the venue is clean
            await services.reconcile("paper")
            assert len([n for n in notices if n.kind == "sweep"]) == 1
        if scope is StopScope.TERMINAL:  # leave the account clean for others
            async with paper_rest(paper, account) as ex:
                await ex.load_markets()
                await ex.cancel_all_orders("SOL/USDT")

    run_async(main(), 120)


def test_no_sweep_when_the_stop_is_off_or_the_option_is_off(paper, tmp_path):
    account = ACCOUNTS[2]

    async def main() -> None:
        await place_elsewhere(paper, account, "stays-open-1")
        notices: list[Any] = []
        async with TerminalServices(options(tmp_path, paper, account)) as services:
            services.stop_notices.add(notices.append)
            await services.connect("paper")
            assert await open_on_venue(paper, account) == ["stays-open-1"]
            services.safety.stop.engage(StopScope.ALL, "engaged here", "test")
            assert await services.safety.writer.flush()
        async with TerminalServices(
            options(tmp_path, paper, account, sweep_engaged_on_connect=False)
        ) as services:
            services.stop_notices.add(notices.append)
            await services.connect("paper")
            assert services.safety.stop.engaged
            assert await open_on_venue(paper, account) == ["stays-open-1"]
            services.safety.stop.reset(confirmed=True)
            assert await services.safety.writer.flush()
        assert notices == []
        async with paper_rest(paper, account) as ex:
            await ex.load_markets()
            await ex.cancel_all_orders("SOL/USDT")

    run_async(main(), 90)
