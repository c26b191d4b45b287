"""Liquidation on the paper exchange's futures: when the margin balance reaches the
maintenance margin, the position is closed by a LIQUIDATION order whose
ORDER_TRADE_UPDATE the real ``ccxt.pro.binanceusdm`` receives."""

from __future__ import annotations

import asyncio
import time
from decimal import Decimal
from typing import Any

from terminal.paper.control_client import PaperControl
from terminal.paper.embedded import PaperExchangeHandle
from tests.fixtures_paper import run_async
from tests.paper.futures.conftest import futures_pro
from tests.paper.futures.formulas import CENT, liquidation_price

BTC, ETH = "BTC/USDT:USDT", "ETH/USDT:USDT"
D = Decimal


async def premium(ctl: PaperControl, symbol: str, value: Decimal) -> dict[str, Any]:
    return await asyncio.to_thread(
        ctl.post, "/futures/premium", {"symbol": symbol, "premium": str(value)}
    )


async def connected(ctl: PaperControl, key: str) -> None:
    deadline = time.monotonic() + 10
    while not await asyncio.to_thread(ctl.user_connections, key):
        assert time.monotonic() < deadline, "no user-data connection"
        await asyncio.sleep(0.05)


def test_isolated_position_is_liquidated_at_its_liquidation_price(
    futures_module: PaperExchangeHandle,
) -> None:
    ctl = PaperControl(futures_module.url)
    key = futures_module.accounts[0][0]

    async def go() -> None:
        async with futures_pro(futures_module, 0) as ex:
            await ex.load_markets()
            await ex.set_leverage(20, BTC)
            await ex.set_margin_mode("isolated", BTC)
            # ccxt 4.5.90 raises KeyError('linear') on an ACCOUNT_UPDATE that arrives
            # before watch_balance/watch_positions set up its balance cache, and its
            # receive loop stops: watch the balance first, as the terminal must
            balance = asyncio.ensure_future(ex.watch_balance())
            liquidations = asyncio.ensure_future(ex.watch_my_liquidations(BTC))
            await connected(ctl, key)
            await asyncio.to_thread(ctl.pause)
            try:
                await ex.create_order(BTC, "market", "buy", 0.05)
                (raw,) = await ex.fapiPrivateV3GetPositionRisk({"symbol": "BTCUSDT"})
                brackets = (await ex.fapiPrivateGetLeverageBracket({"symbol": "BTCUSDT"}))[
                    "brackets"
                ]
                amount, entry = D(raw["positionAmt"]), D(raw["entryPrice"])
                wallet = D(raw["isolatedWallet"])
                lp = D(raw["liquidationPrice"])
                row = {"side": "BOTH", "amount": amount, "entry": entry, "mark": lp}
                assert abs(lp - liquidation_price(wallet, D(0), D(0), [row], brackets)) < CENT
                index = D(raw["markPrice"])
                # just above the liquidation price: margin ratio below 100 %, nothing happens
                await premium(ctl, "BTCUSDT", (lp + 5) / index - 1)
                await asyncio.sleep(0.4)
                (still,) = await ex.fetch_positions([BTC])
                assert still["contracts"] == 0.05
                assert D(still["info"]["maintMargin"]) < wallet + D(
                    still["info"]["unRealizedProfit"]
                )
                start = D((await ex.fapiPrivateV3GetAccount())["totalWalletBalance"])
                # just below: liquidated
                await premium(ctl, "BTCUSDT", (lp - 5) / index - 1)
                (liq,) = await asyncio.wait_for(liquidations, 10)
            finally:
                await premium(ctl, "BTCUSDT", D(0))
                await asyncio.to_thread(ctl.resume)
            balance.cancel()
            assert liq["contracts"] == 0.05 and liq["side"] == "sell"
            assert liq["price"] < float(lp)
            assert await ex.fetch_positions() == []
            orders = await ex.fetch_orders(BTC)
            (auto,) = [o for o in orders if o["clientOrderId"].startswith("autoclose-")]
            assert auto["status"] == "closed" and auto["filled"] == 0.05
            assert auto["info"]["type"] == "LIQUIDATION"
            # exactly the isolated margin is lost: the loss at the mark, the closing
            # commission and the clearance of what was left
            end = D((await ex.fapiPrivateV3GetAccount())["totalWalletBalance"])
            assert start - end == wallet
            trades = [t for t in await ex.fetch_my_trades(BTC) if t["order"] == auto["id"]]
            fee = sum((D(t["info"]["commission"]) for t in trades), D(0))
            pnl = sum((D(t["info"]["realizedPnl"]) for t in trades), D(0))
            income = await ex.fapiPrivateGetIncome({"incomeType": "INSURANCE_CLEAR"})
            assert len(income) == 1 and D(income[0]["income"]) == -(wallet + pnl - fee)
            assert D(income[0]["income"]) < 0

    run_async(go())


def test_cross_account_is_liquidated_with_order_trade_update(
    futures_module: PaperExchangeHandle,
) -> None:
    ctl = PaperControl(futures_module.url)
    key = futures_module.accounts[1][0]

    async def go() -> None:
        async with futures_pro(futures_module, 1) as ex:
            await ex.load_markets()
            await ex.set_leverage(20, ETH)
            balance = asyncio.ensure_future(ex.watch_balance())  # see the isolated test
            orders = asyncio.ensure_future(ex.watch_orders(ETH))
            await connected(ctl, key)
            await asyncio.to_thread(ctl.pause)
            try:
                await ex.create_order(ETH, "market", "sell", 150)  # ~450k short, cross
                first = await asyncio.wait_for(orders, 10)
                assert first[0]["side"] == "sell"
                (raw,) = await ex.fapiPrivateV3GetPositionRisk({"symbol": "ETHUSDT"})
                lp, index = D(raw["liquidationPrice"]), D(raw["markPrice"])
                assert lp > index
                await premium(ctl, "ETHUSDT", (lp + 1) / index - 1)
                # the update may arrive before a new watch_orders call is waiting: read
                # ccxt's order cache, which the stream fills either way
                deadline = time.monotonic() + 10
                update = None
                while update is None:
                    assert time.monotonic() < deadline, "no liquidation order update"
                    update = next(
                        (o for o in list(ex.orders or []) if o["info"].get("o") == "LIQUIDATION"),
                        None,
                    )
                    await asyncio.sleep(0.05)
            finally:
                await premium(ctl, "ETHUSDT", D(0))
                await asyncio.to_thread(ctl.resume)
            balance.cancel()
            info = update["info"]
            assert info["x"] == "CALCULATED" and info["X"] == "FILLED"
            assert info["c"].startswith("autoclose-") and info["S"] == "BUY"
            assert D(info["z"]) == 150 and D(info["rp"]) < 0
            assert await ex.fetch_positions() == []
            acct = await ex.fapiPrivateV3GetAccount()
            assert 0 <= D(acct["totalWalletBalance"]) < 100000

    run_async(go())
