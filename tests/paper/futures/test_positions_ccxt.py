"""Positions, margins and settings of the paper exchange's USDⓈ-M futures through the real
ccxt ``binanceusdm`` client, checked against Binance's published formulas."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import ccxt
import pytest

from terminal.paper.control_client import PaperControl
from terminal.paper.embedded import PaperExchangeHandle
from tests.fixtures_paper import run_async
from tests.paper.futures.conftest import futures_rest
from tests.paper.futures.formulas import solve_once
from tests.paper.futures.helpers import check_formulas, check_unified, snapshot

BTC, ETH, SOL = "BTC/USDT:USDT", "ETH/USDT:USDT", "SOL/USDT:USDT"
D = Decimal


def test_markets_balance_and_settings(futures_module: PaperExchangeHandle) -> None:
    async def go() -> None:
        async with futures_rest(futures_module, 3) as ex:
            markets = await ex.load_markets()
            assert set(markets) == {BTC, ETH, SOL}
            btc = markets[BTC]
            assert btc["swap"] and btc["linear"] and btc["settle"] == "USDT"
            assert btc["precision"]["amount"] == 0.001 and btc["precision"]["price"] == 0.01
            assert btc["limits"]["cost"]["min"] == 100
            bal = await ex.fetch_balance()
            assert bal["USDT"]["total"] == 100000 and bal["USDT"]["free"] == 100000
            for lev in (1, 5, 20):
                assert (await ex.set_leverage(lev, BTC))["leverage"] == lev
            with pytest.raises(ccxt.BadRequest, match="-4028"):
                await ex.set_leverage(100, SOL)  # SOLUSDT's first bracket allows 75x
            await ex.set_margin_mode("isolated", ETH)
            with pytest.raises(ccxt.MarginModeAlreadySet, match="-4046"):
                await ex.set_margin_mode("isolated", ETH)
            levs = await ex.fetch_leverages([BTC, ETH])
            assert levs[BTC]["longLeverage"] == 20 and levs[ETH]["marginMode"] == "isolated"
            assert (await ex.fetch_position_mode())["hedged"] is False
            await ex.set_position_mode(True)
            assert (await ex.fetch_position_mode())["hedged"] is True
            with pytest.raises(ccxt.ExchangeError, match="-4059"):
                await ex.set_position_mode(True)
            await ex.set_position_mode(False)
            rate = await ex.fetch_funding_rate(BTC)
            assert rate["fundingRate"] == 0.0001 and rate["interestRate"] == 0.0001
            assert rate["fundingTimestamp"] % (8 * 3_600_000) == 0
            assert rate["markPrice"] == rate["indexPrice"] > 0
            tiers = await ex.fetch_leverage_tiers([BTC])
            assert tiers[BTC][0]["maxLeverage"] == 125
            assert tiers[BTC][1]["maintenanceMarginRate"] == 0.005

    run_async(go())


def test_refusals_use_binance_codes(futures_module: PaperExchangeHandle) -> None:
    async def go() -> None:
        async with futures_rest(futures_module, 3) as ex:
            await ex.load_markets()
            await ex.set_leverage(1, BTC)
            with pytest.raises(ccxt.InsufficientFunds, match="-2019"):
                await ex.create_order(BTC, "market", "buy", 10)  # ~600k at 1x > 100k
            with pytest.raises(ccxt.ExchangeError, match="-4061"):
                await ex.create_order(BTC, "market", "buy", 0.01, params={"positionSide": "LONG"})
            with pytest.raises(ccxt.InvalidOrder, match="-2022"):
                await ex.create_order(BTC, "market", "sell", 0.01, params={"reduceOnly": True})
            with pytest.raises(ccxt.InvalidOrder, match="-4164"):
                await ex.create_order(BTC, "market", "buy", 0.001)  # ~60 < 100 USDT
            with pytest.raises(ccxt.ExchangeError, match="-4120"):  # algo endpoint only
                await ex.fapiPrivatePostOrder(
                    {
                        "symbol": "BTCUSDT",
                        "side": "SELL",
                        "type": "STOP_MARKET",
                        "quantity": "0.01",
                        "stopPrice": "1000",
                    }
                )
            await ex.create_order(BTC, "market", "buy", 0.01)
            await ex.create_order(
                BTC, "limit", "sell", 0.01, 900000, params={"clientOrderId": "same-id"}
            )
            with pytest.raises(ccxt.ExchangeError, match="-4116"):
                await ex.create_order(
                    BTC, "limit", "sell", 0.01, 900000, params={"clientOrderId": "same-id"}
                )
            await ex.cancel_all_orders(BTC)
            mark = (await ex.fetch_mark_price(BTC))["markPrice"]
            with pytest.raises(ccxt.ExchangeError, match="-4016"):  # PERCENT_PRICE
                await ex.create_order(BTC, "limit", "buy", 0.01, round(mark * 1.06, 2))
            with pytest.raises(ccxt.ExchangeError, match="-4024"):
                await ex.create_order(BTC, "limit", "sell", 0.01, round(mark * 0.94, 2))
            with pytest.raises(ccxt.ExchangeError, match="-4068"):
                await ex.set_position_mode(True)
            with pytest.raises(ccxt.ExchangeError, match="-4048"):
                await ex.set_margin_mode("isolated", BTC)
            await ex.create_order(BTC, "market", "sell", 0.01, params={"reduceOnly": True})
            assert await ex.fetch_positions() == []

    run_async(go())


def test_one_way_positions_agree_with_binance_formulas(futures_module: PaperExchangeHandle) -> None:
    ctl = PaperControl(futures_module.url)

    async def go() -> None:
        async with futures_rest(futures_module, 0) as ex:
            await ex.load_markets()
            await ex.set_leverage(20, BTC)
            await ex.set_leverage(5, ETH)
            await ex.set_leverage(1, SOL)
            await ex.set_margin_mode("isolated", SOL)
            start = D((await ex.fapiPrivateV3GetAccount())["totalWalletBalance"])
            await ex.create_order(BTC, "market", "buy", 0.05)  # cross 20x long
            await ex.create_order(ETH, "market", "sell", 1.5)  # cross 5x short
            await ex.create_order(SOL, "market", "buy", 2)  # isolated 1x long
            await asyncio.to_thread(ctl.pause)
            try:
                for premium in ("0", "0.01", "-0.02"):  # mark away from entry: uPnL != 0
                    for sym in ("BTCUSDT", "ETHUSDT", "SOLUSDT"):
                        await asyncio.to_thread(
                            ctl.post, "/futures/premium", {"symbol": sym, "premium": premium}
                        )
                    snap = await snapshot(ex)
                    assert check_formulas(snap) == 3
                    positions = await ex.fetch_positions()
                    check_unified(positions, snap)
                    sides = {p["symbol"]: (p["side"], p["contracts"]) for p in positions}
                    assert sides == {BTC: ("long", 0.05), ETH: ("short", 1.5), SOL: ("long", 2)}
                    by = {p["symbol"]: p for p in positions}
                    # 1x isolated long: no liquidation price (Binance answers 0)
                    sol = next(r for r in snap["positions"] if r["symbol"] == "SOLUSDT")
                    assert D(sol["liquidationPrice"]) == 0
                    # cross: the whole 100k wallet backs the small long (no liquidation
                    # price), while the short is liquidated far above the mark
                    assert by[BTC]["liquidationPrice"] is None
                    assert by[ETH]["liquidationPrice"] > 20 * by[ETH]["markPrice"]
            finally:
                for sym in ("BTCUSDT", "ETHUSDT", "SOLUSDT"):
                    await asyncio.to_thread(
                        ctl.post, "/futures/premium", {"symbol": sym, "premium": "0"}
                    )
                await asyncio.to_thread(ctl.resume)
            await ex.create_order(BTC, "market", "sell", 0.05, params={"reduceOnly": True})
            await ex.create_order(ETH, "market", "buy", 1.5, params={"reduceOnly": True})
            await ex.create_order(SOL, "market", "sell", 2, params={"reduceOnly": True})
            assert await ex.fetch_positions() == []
            # the wallet moved by exactly the realised PnL minus the commissions
            trades = [t for s in (BTC, ETH, SOL) for t in await ex.fetch_my_trades(s)]
            pnl = sum(
                (D(t["info"]["realizedPnl"]) - D(t["info"]["commission"]) for t in trades), D(0)
            )
            end = D((await ex.fapiPrivateV3GetAccount())["totalWalletBalance"])
            assert end - start == pnl
            income = await ex.fapiPrivateGetIncome({"limit": 1000})
            assert (
                sum(
                    (
                        D(i["income"])
                        for i in income
                        if i["incomeType"] in ("REALIZED_PNL", "COMMISSION")
                    ),
                    D(0),
                )
                == pnl
            )

    run_async(go())


def test_hedge_positions_agree_with_binance_formulas(futures_module: PaperExchangeHandle) -> None:
    ctl = PaperControl(futures_module.url)

    async def go() -> None:
        async with futures_rest(futures_module, 1) as ex:
            await ex.load_markets()
            await ex.set_position_mode(True)
            await ex.set_leverage(5, BTC)
            await ex.set_margin_mode("isolated", BTC)
            await ex.set_leverage(20, ETH)
            await ex.create_order(BTC, "market", "buy", 0.02, params={"positionSide": "LONG"})
            await ex.create_order(BTC, "market", "sell", 0.01, params={"positionSide": "SHORT"})
            await ex.create_order(ETH, "market", "buy", 0.4, params={"positionSide": "LONG"})
            await ex.create_order(ETH, "market", "sell", 0.1, params={"positionSide": "SHORT"})
            await asyncio.to_thread(ctl.pause)
            try:
                for premium in ("0.015", "-0.01"):
                    for sym in ("BTCUSDT", "ETHUSDT"):
                        await asyncio.to_thread(
                            ctl.post, "/futures/premium", {"symbol": sym, "premium": premium}
                        )
                    snap = await snapshot(ex)
                    assert check_formulas(snap) == 4
                    positions = await ex.fetch_positions()
                    check_unified(positions, snap)
                    got = sorted((p["symbol"], p["side"], p["contracts"]) for p in positions)
                    assert got == [
                        (BTC, "long", 0.02),
                        (BTC, "short", 0.01),
                        (ETH, "long", 0.4),
                        (ETH, "short", 0.1),
                    ]
            finally:
                for sym in ("BTCUSDT", "ETHUSDT"):
                    await asyncio.to_thread(
                        ctl.post, "/futures/premium", {"symbol": sym, "premium": "0"}
                    )
                await asyncio.to_thread(ctl.resume)
            with pytest.raises(ccxt.ExchangeError, match="-4061"):
                await ex.create_order(BTC, "market", "buy", 0.01)  # BOTH in hedge mode
            with pytest.raises(ccxt.InvalidOrder, match="-2022"):  # more than the position
                await ex.create_order(BTC, "market", "sell", 0.03, params={"positionSide": "LONG"})
            # closing a hedge side: the opposite order side on the same position side
            await ex.create_order(BTC, "market", "sell", 0.02, params={"positionSide": "LONG"})
            await ex.create_order(BTC, "market", "buy", 0.01, params={"positionSide": "SHORT"})
            await ex.create_order(ETH, "market", "sell", 0.4, params={"positionSide": "LONG"})
            await ex.create_order(ETH, "market", "buy", 0.1, params={"positionSide": "SHORT"})
            assert await ex.fetch_positions() == []
            await ex.set_position_mode(False)

    run_async(go())


def test_close_reverse_and_reduce_only(futures_module: PaperExchangeHandle) -> None:
    async def go() -> None:
        async with futures_rest(futures_module, 2) as ex:
            await ex.load_markets()
            await ex.set_leverage(5, BTC)
            await ex.create_order(BTC, "market", "buy", 0.01)
            rev = await ex.create_order(BTC, "market", "sell", 0.03)  # close 0.01, open 0.02
            assert rev["status"] == "closed" and rev["filled"] == 0.03
            (pos,) = await ex.fetch_positions()
            assert pos["side"] == "short" and pos["contracts"] == 0.02
            fills = [t for t in await ex.fetch_my_trades(BTC) if t["order"] == rev["id"]]
            assert (
                min(t["price"] for t in fills)
                <= pos["entryPrice"]
                <= max(t["price"] for t in fills)
            )
            assert any(float(t["info"]["realizedPnl"]) != 0 for t in fills)
            # a reduce-only order larger than the position closes the position only
            red = await ex.create_order(BTC, "market", "buy", 0.05, params={"reduceOnly": True})
            assert red["filled"] == 0.02 and red["reduceOnly"] is True
            assert await ex.fetch_positions() == []

    run_async(go())


def test_resting_limit_fills_when_the_book_trades_through(
    futures_module: PaperExchangeHandle,
) -> None:
    ctl = PaperControl(futures_module.url)

    async def go() -> None:
        async with futures_rest(futures_module, 2) as ex:
            await ex.load_markets()
            await ex.set_leverage(5, SOL)
            mark = (await ex.fetch_mark_price(SOL))["markPrice"]
            price = round(mark * 0.98, 2)
            lim = await ex.create_order(SOL, "limit", "buy", 1, price)
            assert lim["status"] == "open" and await ex.fetch_positions() == []
            acct = await ex.fapiPrivateV3GetAccount()
            assert D(acct["totalOpenOrderInitialMargin"]) == D(str(price)) / 5
            await asyncio.to_thread(ctl.pause)
            try:
                await asyncio.to_thread(ctl.force_trade, "SOL/USDT", "SELL", f"{mark * 0.97:.2f}")
                for _ in range(200):
                    done = await ex.fetch_order(lim["id"], SOL)
                    if done["status"] == "closed":
                        break
                    await asyncio.sleep(0.05)
            finally:
                await asyncio.to_thread(ctl.resume)
            assert done["status"] == "closed" and done["average"] == price
            (trade,) = await ex.fetch_my_trades(SOL)
            assert trade["takerOrMaker"] == "maker" and trade["price"] == price
            assert trade["fee"]["cost"] == pytest.approx(price * 0.0002)
            (pos,) = await ex.fetch_positions()
            assert pos["contracts"] == 1 and pos["entryPrice"] == price
            await ex.create_order(SOL, "market", "sell", 1, params={"reduceOnly": True})

    run_async(go())


def test_liquidation_price_takes_the_bracket_at_that_price(
    futures_module: PaperExchangeHandle,
) -> None:
    """A 20x isolated long of ~50.4k notional sits in BTCUSDT's second bracket at the
    mark and in the first at its liquidation price: Binance recalculates with the
    bracket at the liquidation price."""
    ctl = PaperControl(futures_module.url)

    async def go() -> None:
        async with futures_rest(futures_module, 2) as ex:
            await ex.load_markets()
            await ex.set_leverage(20, BTC)
            await ex.set_margin_mode("isolated", BTC)
            await asyncio.to_thread(ctl.pause)
            try:
                await ex.create_order(BTC, "market", "buy", 0.84)
                snap = await snapshot(ex)
            finally:
                await asyncio.to_thread(ctl.resume)
            assert check_formulas(snap) == 1
            (raw,) = snap["positions"]
            brackets = snap["brackets"]["BTCUSDT"]
            mark, lp = D(raw["markPrice"]), D(raw["liquidationPrice"])
            assert D(raw["positionAmt"]) * mark > 50_000 > D(raw["positionAmt"]) * lp
            row = {
                "side": "BOTH",
                "amount": D(raw["positionAmt"]),
                "entry": D(raw["entryPrice"]),
                "mark": mark,
            }
            naive = solve_once(D(raw["isolatedWallet"]), D(0), D(0), [row], brackets, "mark")
            assert abs(naive - lp) > 1  # the recalculation is what makes it agree
            await ex.create_order(BTC, "market", "sell", 0.84, params={"reduceOnly": True})
            await ex.set_margin_mode("cross", BTC)

    run_async(go())
