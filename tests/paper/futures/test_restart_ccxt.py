"""The futures account survives the restart fault and a restart of the paper exchange
(state is saved in the data dir), and ``--reset`` clears it."""

from __future__ import annotations

import asyncio
import time
from decimal import Decimal
from pathlib import Path

from terminal.paper.control_client import ControlError, PaperControl
from terminal.paper.embedded import PaperExchangeHandle, start_paper_exchange
from tests.fixtures_paper import run_async
from tests.paper.futures.conftest import KEYS, futures_rest

BTC, ETH = "BTC/USDT:USDT", "ETH/USDT:USDT"
D = Decimal


async def state(ex: object) -> dict[str, object]:
    acct = await ex.fapiPrivateV3GetAccount()  # type: ignore[attr-defined]
    return {
        "wallet": acct["totalWalletBalance"],
        "positions": sorted(
            (p["symbol"], p["positionSide"], p["positionAmt"], p["entryPrice"], p["isolatedWallet"])
            for p in await ex.fapiPrivateV3GetPositionRisk()
        ),  # type: ignore[attr-defined]
        "orders": sorted((o["orderId"], o["status"]) for o in await ex.fapiPrivateGetOpenOrders()),  # type: ignore[attr-defined]
        "algos": sorted(
            (o["algoId"], o["algoStatus"]) for o in await ex.fapiPrivateGetOpenAlgoOrders()
        ),  # type: ignore[attr-defined]
        "config": await ex.fapiPrivateGetSymbolConfig(),  # type: ignore[attr-defined]
        "income": await ex.fapiPrivateGetIncome({"limit": 1000}),  # type: ignore[attr-defined]
        "mode": await ex.fapiPrivateGetPositionSideDual(),  # type: ignore[attr-defined]
    }


async def back(ctl: PaperControl) -> None:
    deadline = time.monotonic() + 20
    while True:
        try:
            await asyncio.to_thread(ctl.health)
            return
        except (OSError, ControlError):
            assert time.monotonic() < deadline, "server did not come back"
            await asyncio.sleep(0.1)


def test_futures_state_survives_restarts(tmp_path: Path) -> None:
    data = tmp_path / "paper"
    h: PaperExchangeHandle = start_paper_exchange(data, faults=True, accounts=KEYS)
    try:

        async def before() -> dict[str, object]:
            async with futures_rest(h, 0) as ex:
                await ex.load_markets()
                await ex.set_position_mode(True)
                await ex.set_leverage(7, BTC)
                await ex.set_margin_mode("isolated", BTC)
                await ex.create_order(BTC, "market", "buy", 0.02, params={"positionSide": "LONG"})
                await ex.create_order(ETH, "market", "sell", 0.3, params={"positionSide": "SHORT"})
                px = (await ex.fetch_mark_price(ETH))["indexPrice"]
                await ex.create_order(
                    ETH, "limit", "buy", 0.1, round(px * 0.9, 2), params={"positionSide": "LONG"}
                )
                await ex.create_order(
                    BTC,
                    "market",
                    "sell",
                    0.02,
                    params={"positionSide": "LONG", "stopLossPrice": 1000},
                )
                return await state(ex)

        first = run_async(before())
        assert len(first["positions"]) == 2 and first["orders"] and first["algos"]  # type: ignore[arg-type]

        async def after_fault() -> tuple[dict[str, object], dict[str, object]]:
            await asyncio.to_thread(h.control.restart, 300)
            await asyncio.sleep(0.5)
            await back(h.control)
            async with futures_rest(h, 0) as ex:
                await ex.load_markets()
                got = await state(ex)
                # it keeps working: the resting order still cancels, a new one gets a new id
                o = await ex.create_order(
                    BTC, "market", "buy", 0.01, params={"positionSide": "LONG"}
                )
                assert int(o["id"]) > max(i for i, _ in first["orders"])  # type: ignore[union-attr]
                await ex.create_order(BTC, "market", "sell", 0.01, params={"positionSide": "LONG"})
                return got, await state(ex)

        got, second = run_async(after_fault())
        assert got == first
    finally:
        h.stop()
    # a stop and a new start from the same data dir
    h = start_paper_exchange(data, faults=True, accounts=KEYS)
    try:

        async def again() -> None:
            async with futures_rest(h, 0) as ex:
                await ex.load_markets()
                assert await state(ex) == second

        run_async(again())
    finally:
        h.stop()
    # --reset: fresh futures wallets
    h = start_paper_exchange(data, faults=True, accounts=KEYS, reset=True)
    try:

        async def fresh() -> None:
            async with futures_rest(h, 0) as ex:
                await ex.load_markets()
                got = await state(ex)
                assert got["positions"] == [] and got["orders"] == []
                assert D(str(got["wallet"])) == 100000

        run_async(fresh())
    finally:
        h.stop()
