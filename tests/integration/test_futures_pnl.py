"""Realised P&L of a perpetual session from the venue's income history, against the paper
exchange with its funding clock sped up: the realised PnL is what the fills say, the fees
are the fills' commissions, funding was paid while the position was open, and the net of
the symbol is exactly what the wallet moved by. The CSV export holds every movement."""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import Iterator
from decimal import Decimal

import pytest

from terminal.core.futures.pnl import income_csv, pnl_by_symbol
from terminal.domain.enums import OrderType, Side, VenueMode
from terminal.domain.ids import Symbol, VenueId
from terminal.domain.order import Order, OrderRequest
from terminal.domain.position import IncomeKind
from terminal.exchange.catalogue import paper_info
from terminal.exchange.futures_session import FuturesSession
from terminal.exchange.session import PaperEndpoint, SessionOptions
from terminal.paper.embedded import PaperExchangeHandle, start_paper_exchange
from tests.fixtures_paper import run_async

BTC = Symbol("BTC/USDT:USDT")
D = Decimal


@pytest.fixture(scope="module")
def fast_funding(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PaperExchangeHandle]:
    # funding every 8 h of a clock 14400 times faster: every 2 s
    h = start_paper_exchange(
        tmp_path_factory.mktemp("pnl"), accounts=[("pnl-key", "pnl-secret")], funding_speed=14400
    )
    try:
        yield h
    finally:
        h.stop()


def market(side: Side, amount: str, reduce_only: bool = False) -> Order:
    return Order.from_request(
        OrderRequest(
            VenueId("paper"), BTC, side, OrderType.MARKET, D(amount), reduce_only=reduce_only
        )
    )


def test_realised_pnl_fees_and_funding_add_up_to_the_wallet(fast_funding) -> None:
    async def go() -> None:
        s = FuturesSession(
            paper_info(), VenueMode.PAPER, paper=PaperEndpoint(fast_funding.url,
            tuple(fast_funding.accounts)), options=SessionOptions(heartbeat_s=0, rate_limit_ms=1),
        )  # fmt: skip
        try:
            await s.connect()
            wallet_before = (await s.fetch_margin_account()).wallet_balance
            start_ms = int(await s.rest.fetch_time())
            await s.create_order(market(Side.BUY, "0.02"))
            # wait (bounded: funding settles every 2 s, a loaded machine may lag) for at
            # least one funding settlement while the long is open
            deadline = asyncio.get_running_loop().time() + 40
            while not any(e.kind is IncomeKind.FUNDING for e in await s.fetch_income(start_ms)):
                assert asyncio.get_running_loop().time() < deadline, "no funding in 40 s"
                await asyncio.sleep(0.25)
            await s.create_order(market(Side.SELL, "0.02", reduce_only=True))
            assert await s.fetch_positions() == []
            wallet_after = (await s.fetch_margin_account()).wallet_balance

            entries = await s.fetch_income(start_ms)
            pnl = pnl_by_symbol(entries)[BTC]
            fills = await s.fetch_my_trades(BTC, since_ms=start_ms)
            buys = [f for f in fills if f.side is Side.BUY]
            sells = [f for f in fills if f.side is Side.SELL]
            bought = sum((f.price * f.amount for f in buys), D(0))
            sold = sum((f.price * f.amount for f in sells), D(0))
            assert pnl.realized == (sold - bought).quantize(D("1e-8"))  # long: exit - entry
            assert pnl.fees == -sum((f.fee for f in fills), D(0))
            assert pnl.funding < 0  # a long pays a positive rate (0.01 % with no premium)
            funding_rows = [e for e in entries if e.kind is IncomeKind.FUNDING]
            assert all(e.symbol == BTC for e in funding_rows)
            assert pnl.net == wallet_after - wallet_before  # nothing unexplained

            text = income_csv(entries)
            rows = list(csv.DictReader(io.StringIO(text)))
            assert len(rows) == len(entries)
            kinds = {r["kind"] for r in rows}
            # a close at the entry price realises nothing: the venue writes no such row
            expected = {"commission", "funding"} | ({"realized_pnl"} if pnl.realized else set())
            assert expected <= kinds
            assert sum((D(r["amount"]) for r in rows), D(0)) == pnl.net
            assert all(r["time_utc"].endswith("Z") for r in rows)
        finally:
            await s.close()

    run_async(go(), timeout=90)
