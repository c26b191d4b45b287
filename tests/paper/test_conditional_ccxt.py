"""Stop-loss, take-profit and trailing orders through the real ccxt client.

The simulated market is paused for each test and moved only by forced trades (the
control API's ``/trade``), so every trigger is deterministic: each order is placed, sits
untriggered with its funds locked, is triggered by a forced trade through its stop
price, fills, and the balances and the user stream (``watch_orders``) agree.
"""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

import ccxt
import pytest

from terminal.paper.embedded import PaperExchangeHandle
from tests.fixtures_paper import paper_pro, run_async
from tests.paper.helpers import until

SYM = "BTC/USDT"
AMOUNT = Decimal("0.01000")


async def last_price(ex: Any) -> Decimal:
    """The last trade price, from the tape (the 24h ticker is recomputed every 250 ms)."""
    tape = await ex.public_get_trades({"symbol": "BTCUSDT", "limit": 1})
    if tape:
        return Decimal(tape[-1]["price"])
    return Decimal((await ex.fetch_ticker(SYM))["info"]["lastPrice"])


async def force(h: PaperExchangeHandle, side: str, price: Decimal) -> None:
    await asyncio.to_thread(h.control.force_trade, SYM, side, f"{price:.2f}")


async def trade_at_the_ask(h: PaperExchangeHandle) -> None:
    """A small buy at the best ask: the last trade price is back at the touch (an order
    triggered by an earlier forced trade may have printed far from the book)."""
    book = await asyncio.to_thread(h.control.book, SYM, 1)
    await force(h, "BUY", Decimal(book["asks"][0][0]))


async def balances(ex: Any) -> dict[str, tuple[Decimal, Decimal]]:
    return {
        b["asset"]: (Decimal(b["free"]), Decimal(b["locked"]))
        for b in (await ex.fetch_balance())["info"]["balances"]
    }


async def settlement(ex: Any, order_id: str) -> tuple[Decimal, Decimal, Decimal]:
    """(base quantity, quote quantity, commission in the received asset) of an order's
    fills, from myTrades."""
    trades = await ex.fetch_my_trades(SYM, params={"orderId": order_id})
    return (
        sum((Decimal(t["info"]["qty"]) for t in trades), Decimal(0)),
        sum((Decimal(t["info"]["quoteQty"]) for t in trades), Decimal(0)),
        sum((Decimal(t["info"]["commission"]) for t in trades), Decimal(0)),
    )


def stream_orders(ex: Any) -> dict[str, dict[str, Any]]:
    return {x["id"]: x for x in (ex.orders or [])}


# (ccxt type, side, limit price offset, params builder, forced side, forced offset); the
# moves stay within the simulated book's depth (a forced trade cannot go past it)
CASES = {
    "STOP_LOSS": (
        "market",
        "sell",
        None,
        lambda last: {"stopLossPrice": float(last - 20)},
        "SELL",
        -30,
    ),
    "STOP_LOSS_LIMIT": (
        "limit",
        "sell",
        -45,
        lambda last: {"triggerPrice": float(last - 20)},
        "SELL",
        -30,
    ),
    "TAKE_PROFIT": (
        "market",
        "sell",
        None,
        lambda last: {"takeProfitPrice": float(last + 20)},
        "BUY",
        30,
    ),
    "TAKE_PROFIT_LIMIT": (
        "limit",
        "buy",
        20,
        lambda last: {"takeProfitPrice": float(last - 20)},
        "SELL",
        -30,
    ),
}


@pytest.mark.parametrize("binance_type", list(CASES))
def test_conditional_order_waits_triggers_fills_and_streams(
    paused: PaperExchangeHandle, binance_type: str
) -> None:
    ccxt_type, side, limit_off, params, force_side, force_off = CASES[binance_type]

    async def go() -> None:
        async with paper_pro(paused, account=0) as ex:
            await ex.load_markets()
            await asyncio.wait_for(ex.watch_balance(), 10)  # the user stream is subscribed
            watch = asyncio.ensure_future(ex.watch_orders(SYM))
            await trade_at_the_ask(paused)
            last = await last_price(ex)
            before = await balances(ex)
            limit = None if limit_off is None else float(last + limit_off)
            o = await ex.create_order(SYM, ccxt_type, side, float(AMOUNT), limit, params(last))
            assert o["info"]["type"] == binance_type and o["status"] == "open"
            got = await ex.fetch_order(o["id"], SYM)
            stop = Decimal(got["info"]["stopPrice"])
            assert got["status"] == "open" and got["triggerPrice"] == float(stop)
            assert got["info"]["isWorking"] is False and got["info"]["workingTime"] == -1
            # funds are locked while it waits, and it is not on the book
            held = await balances(ex)
            if side == "sell":
                assert held["BTC"][1] == before["BTC"][1] + AMOUNT
            else:
                assert held["USDT"][1] == before["USDT"][1] + Decimal(str(limit)) * AMOUNT
            await until(lambda: o["id"] in stream_orders(ex), 10, "the NEW report")
            report = stream_orders(ex)[o["id"]]["info"]
            assert report["P"] == got["info"]["stopPrice"] and report["w"] is False

            await force(paused, force_side, last + force_off)
            done = await ex.fetch_order(o["id"], SYM)
            assert done["status"] == "closed" and Decimal(str(done["filled"])) == AMOUNT, str(
                done["info"]
            )
            base, quote, fee = await settlement(ex, o["id"])
            assert base == AMOUNT
            after = await balances(ex)
            assert after["BTC"][1] == before["BTC"][1] and after["USDT"][1] == before["USDT"][1]
            if side == "sell":
                assert sum(after["BTC"]) == sum(before["BTC"]) - AMOUNT
                assert sum(after["USDT"]) == sum(before["USDT"]) + quote - fee
            else:
                assert sum(after["BTC"]) == sum(before["BTC"]) + AMOUNT - fee
                assert sum(after["USDT"]) == sum(before["USDT"]) - quote
            await until(
                lambda: stream_orders(ex).get(o["id"], {}).get("status") == "closed",
                10,
                "the fill on the user stream",
            )
            watch.cancel()

    run_async(go(), 90)


def test_stop_on_the_wrong_side_is_refused_with_2010(paused: PaperExchangeHandle) -> None:
    async def go() -> None:
        async with paper_pro(paused, account=0) as ex:
            await ex.load_markets()
            await trade_at_the_ask(paused)
            last = await last_price(ex)
            before = await balances(ex)
            with pytest.raises(ccxt.InvalidOrder) as info:
                await ex.create_order(
                    SYM, "market", "sell", float(AMOUNT), None, {"stopLossPrice": float(last + 10)}
                )
            assert isinstance(info.value, ccxt.OrderImmediatelyFillable)
            assert "Order would trigger immediately." in str(info.value)
            assert await balances(ex) == before
            assert await ex.fetch_open_orders(SYM) == []

    run_async(go(), 60)


def test_trailing_stop_follows_the_high_and_fires_on_the_drop(paused: PaperExchangeHandle) -> None:
    """ccxt's ``trailingPercent`` (0.1 %) becomes Binance's ``trailingDelta`` = 10 BIPS."""

    async def go() -> None:
        async with paper_pro(paused, account=0) as ex:
            await ex.load_markets()
            await asyncio.wait_for(ex.watch_balance(), 10)
            watch = asyncio.ensure_future(ex.watch_orders(SYM))
            await trade_at_the_ask(paused)
            last = await last_price(ex)
            o = await ex.create_order(
                SYM,
                "market",
                "sell",
                float(AMOUNT),
                None,
                {"trailingPercent": 0.1, "stopLossOrTakeProfit": "stopLoss"},
            )
            got = await ex.fetch_order(o["id"], SYM)
            assert got["info"]["type"] == "STOP_LOSS" and got["info"]["trailingDelta"] == 10
            await force(paused, "BUY", last + 40)  # the market rises: the stop follows
            assert (await ex.fetch_order(o["id"], SYM))["status"] == "open"
            top = await last_price(ex)
            assert top > last + 30
            await force(paused, "SELL", top - 30)  # 0.05 % under the high: nothing
            assert (await ex.fetch_order(o["id"], SYM))["status"] == "open"
            await force(paused, "SELL", top - 75)  # past 0.1 % under the high: fires
            done = await ex.fetch_order(o["id"], SYM)
            assert done["status"] == "closed"
            fills = await ex.fetch_my_trades(SYM, params={"orderId": o["id"]})
            # it fired in the sweep that went past 0.1 % under the high (and sold into the
            # bids that sweep left)
            assert top - 80 < Decimal(fills[0]["info"]["price"]) <= top * Decimal("0.999")
            await until(
                lambda: stream_orders(ex).get(o["id"], {}).get("status") == "closed",
                10,
                "the fill on the user stream",
            )
            info = stream_orders(ex)[o["id"]]["info"]
            assert info["d"] == 10 and info["D"] > 0
            watch.cancel()

    run_async(go(), 90)


def test_a_conditional_order_answers_ack_unless_asked(paused: PaperExchangeHandle) -> None:
    """ "MARKET and LIMIT order types default to FULL, all other orders default to ACK"."""

    async def go() -> None:
        async with paper_pro(paused, account=0) as ex:
            await ex.load_markets()
            await trade_at_the_ask(paused)
            last = await last_price(ex)
            raw = await ex.private_post_order(
                {
                    "symbol": "BTCUSDT",
                    "side": "SELL",
                    "type": "STOP_LOSS",
                    "quantity": f"{AMOUNT}",
                    "stopPrice": f"{last - 20:.2f}",
                }
            )
            assert set(raw) == {"symbol", "orderId", "orderListId", "clientOrderId", "transactTime"}
            full = await ex.private_post_order(
                {
                    "symbol": "BTCUSDT",
                    "side": "SELL",
                    "type": "STOP_LOSS",
                    "quantity": f"{AMOUNT}",
                    "stopPrice": f"{last - 20:.2f}",
                    "newOrderRespType": "FULL",
                }
            )
            assert full["stopPrice"] == f"{last - 20:.8f}" and full["fills"] == []
            assert full["workingTime"] == -1
            canceled = await ex.cancel_all_orders(SYM)
            assert {o["status"] for o in canceled} == {"canceled"}

    run_async(go(), 60)
