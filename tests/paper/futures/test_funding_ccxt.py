"""Funding on the paper exchange's futures with a sped-up clock (funding every 2 s of
wall time instead of every 8 h), read through the real ccxt ``binanceusdm``."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from decimal import Decimal

import pytest

from terminal.paper.control_client import PaperControl
from terminal.paper.embedded import PaperExchangeHandle, start_paper_exchange
from tests.fixtures_paper import run_async
from tests.paper.futures.conftest import KEYS, futures_pro, futures_rest

BTC, ETH = "BTC/USDT:USDT", "ETH/USDT:USDT"
D = Decimal
SPEED = 14_400  # 8 h / 14400 = 2 s
PERIOD_MS = 2_000


@pytest.fixture(scope="module")
def fast_funding(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PaperExchangeHandle]:
    h = start_paper_exchange(
        tmp_path_factory.mktemp("paper-funding"), faults=True, accounts=KEYS, funding_speed=SPEED
    )
    try:
        yield h
    finally:
        h.stop()


def binance_rate(premium: Decimal) -> Decimal:
    """Funding rate = P + clamp(I - P, 0.05 %, -0.05 %), I = 0.01 %."""
    interest, cap = D("0.0001"), D("0.0005")
    return premium + min(max(interest - premium, -cap), cap)


def test_funding_is_paid_every_period(fast_funding: PaperExchangeHandle) -> None:
    ctl = PaperControl(fast_funding.url)

    async def go() -> None:
        async with futures_rest(fast_funding, 0) as ex:
            await ex.load_markets()
            await ex.set_leverage(10, BTC)
            await ex.set_margin_mode("isolated", ETH)
            await ex.create_order(BTC, "market", "buy", 0.01)
            await ex.create_order(ETH, "market", "sell", 0.2)
            premiums = {"BTCUSDT": D("0.001"), "ETHUSDT": D("-0.002")}
            await asyncio.to_thread(ctl.pause)
            try:
                for sym, prem in premiums.items():
                    await asyncio.to_thread(
                        ctl.post, "/futures/premium", {"symbol": sym, "premium": str(prem)}
                    )
                rate = await ex.fetch_funding_rate(BTC)
                assert D(rate["info"]["lastFundingRate"]) == binance_rate(premiums["BTCUSDT"])
                assert rate["fundingTimestamp"] % PERIOD_MS == 0
                assert 0 < rate["fundingTimestamp"] - time.time() * 1000 <= PERIOD_MS + 500
                start = time.time() * 1000
                deadline = time.monotonic() + 20
                while True:
                    paid = [f for f in await ex.fetch_funding_history() if f["timestamp"] > start]
                    if {f["symbol"] for f in paid} == {BTC, ETH} or time.monotonic() > deadline:
                        break
                    await asyncio.sleep(0.2)
                assert {f["symbol"] for f in paid} == {BTC, ETH}, paid
                positions = {p["symbol"]: p for p in await ex.fetch_positions()}
                history = {s: await ex.fetch_funding_rate_history(s, limit=50) for s in (BTC, ETH)}
            finally:
                for sym in premiums:
                    await asyncio.to_thread(
                        ctl.post, "/futures/premium", {"symbol": sym, "premium": "0"}
                    )
                await asyncio.to_thread(ctl.resume)
            for f in paid:
                rows = [h for h in history[f["symbol"]] if h["timestamp"] == f["timestamp"]]
                assert len(rows) == 1, (f, history[f["symbol"]][-3:])
                rate_row = rows[0]
                prem = premiums[f["info"]["symbol"]]
                assert D(rate_row["info"]["fundingRate"]) == binance_rate(prem)
                amount = D(positions[f["symbol"]]["info"]["positionAmt"])
                mark = D(rate_row["info"]["markPrice"])
                # funding fee = position value x rate; longs pay when the rate is positive
                expected = -(amount * mark * binance_rate(prem))
                assert abs(D(f["info"]["income"]) - expected) < D("0.01"), (f, expected)
                assert f["timestamp"] % PERIOD_MS == 0
            # a positive rate: the long pays; a negative rate: the short pays
            btc = [D(f["info"]["income"]) for f in paid if f["symbol"] == BTC]
            eth = [D(f["info"]["income"]) for f in paid if f["symbol"] == ETH]
            assert all(x < 0 for x in btc) and all(x < 0 for x in eth)
            async with futures_rest(fast_funding, 0) as ex:
                await ex.load_markets()
                all_eth = [D(f["info"]["income"]) for f in await ex.fetch_funding_history(ETH)]
                eth_pos = (await ex.fetch_positions([ETH]))[0]["info"]
                fills = await ex.fetch_my_trades(ETH)
            # the isolated position's margin (fills' notional / 20x) carries its funding
            margin = sum((D(t["info"]["quoteQty"]) for t in fills), D(0)) / 20
            assert D(eth_pos["isolatedWallet"]) == margin + sum(all_eth, D(0))

    run_async(go())


def test_funding_reaches_the_user_data_stream(fast_funding: PaperExchangeHandle) -> None:
    """Each settlement pushes an ACCOUNT_UPDATE with reason FUNDING_FEE: ccxt.pro's
    watch_balance sees the wallet move by the funding fee."""

    async def go() -> None:
        async with futures_pro(fast_funding, 1) as ex:
            await ex.load_markets()
            await ex.create_order(BTC, "market", "buy", 0.01)
            deadline = time.monotonic() + 20
            while True:
                bal = await asyncio.wait_for(ex.watch_balance(), 10)
                if bal["info"]["a"]["m"] == "FUNDING_FEE":
                    break
                assert time.monotonic() < deadline, "no FUNDING_FEE account update"
            update = bal["info"]["a"]
            (row,) = update["P"]
            assert row["s"] == "BTCUSDT" and D(row["pa"]) == D("0.01")
            acct = await ex.fapiPrivateV3GetAccount()
            income = await ex.fapiPrivateGetIncome({"incomeType": "FUNDING_FEE"})
            assert income and D(income[-1]["income"]) < 0  # the long pays 0.01 %
            # the pushed wallet is the wallet after that settlement (later ones may follow)
            later = sum((D(i["income"]) for i in income if i["time"] > bal["info"]["E"]), D(0))
            assert D(update["B"][0]["wb"]) + later == D(acct["totalWalletBalance"])
            await ex.create_order(BTC, "market", "sell", 0.01, params={"reduceOnly": True})

    run_async(go())
