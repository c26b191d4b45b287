"""Order lists (OCO, OTO, OTOCO) through ccxt's implicit binance methods
(``privatePostOrderListOco`` and friends), with the raw user stream's ``listStatus``
events: ccxt.pro drops those, so a plain WebSocket API subscription reads them.

The market is paused and moved only by forced trades, as in test_conditional_ccxt.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import ccxt
import orjson
import pytest

from terminal.paper.control_client import ControlError
from terminal.paper.embedded import PaperExchangeHandle
from tests.fixtures_paper import paper_pro, run_async
from tests.paper.helpers import until
from tests.paper.test_conditional_ccxt import (
    AMOUNT,
    SYM,
    balances,
    force,
    last_price,
    settlement,
    stream_orders,
    trade_at_the_ask,
)
from tests.paper.test_faults_user import raw_user_stream

SYMBOL = "BTCUSDT"


@contextlib.asynccontextmanager
async def user_events(h: PaperExchangeHandle) -> AsyncIterator[list[dict[str, Any]]]:
    """Every private event of account 0 while the block runs, from a raw subscription."""
    events: list[dict[str, Any]] = []
    async with raw_user_stream(h) as (ws, _sub):

        async def read() -> None:
            async for msg in ws:
                data = orjson.loads(msg.data)
                if "event" in data:
                    events.append(data["event"])

        task = asyncio.ensure_future(read())
        try:
            yield events
        finally:
            task.cancel()


def list_events(events: list[dict[str, Any]], list_id: int) -> list[tuple[str, str]]:
    return [(e["l"], e["L"]) for e in events if e["e"] == "listStatus" and e["g"] == list_id]


def reports(events: list[dict[str, Any]], order_id: int) -> list[tuple[str, str, int]]:
    return [
        (e["x"], e["X"], e["g"])
        for e in events
        if e["e"] == "executionReport" and e["i"] == order_id
    ]


def p2(d: Decimal) -> str:
    return f"{d:.2f}"


def test_oco_sell_maker_fills_and_the_stop_expires_in_the_same_step(
    paused: PaperExchangeHandle,
) -> None:
    async def go() -> None:
        async with paper_pro(paused, account=0) as ex, user_events(paused) as events:
            await ex.load_markets()
            await asyncio.wait_for(ex.watch_balance(), 10)
            watch = asyncio.ensure_future(ex.watch_orders(SYM))
            await trade_at_the_ask(paused)
            last = await last_price(ex)
            before = await balances(ex)
            r = await ex.private_post_orderlist_oco(
                {
                    "symbol": SYMBOL,
                    "side": "SELL",
                    "quantity": f"{AMOUNT}",
                    "listClientOrderId": "oco-sell-1",
                    "aboveType": "LIMIT_MAKER",
                    "abovePrice": p2(last + 20),
                    "belowType": "STOP_LOSS_LIMIT",
                    "belowStopPrice": p2(last - 20),
                    "belowPrice": p2(last - 25),
                    "belowTimeInForce": "GTC",
                }
            )
            lid = r["orderListId"]
            assert (r["contingencyType"], r["listStatusType"], r["listOrderStatus"]) == (
                "OCO",
                "EXEC_STARTED",
                "EXECUTING",
            )
            assert r["listClientOrderId"] == "oco-sell-1" and len(r["orders"]) == 2
            by_type = {o["type"]: o for o in r["orderReports"]}
            stop_id, maker_id = (
                by_type["STOP_LOSS_LIMIT"]["orderId"],
                by_type["LIMIT_MAKER"]["orderId"],
            )
            assert stop_id < maker_id  # the stop-loss takes the first id
            assert by_type["STOP_LOSS_LIMIT"]["stopPrice"] == f"{last - 20:.8f}"
            assert by_type["STOP_LOSS_LIMIT"]["workingTime"] == -1
            assert all(o["orderListId"] == lid for o in r["orderReports"])
            # both orders are open, the quantity is locked ONCE for the pair
            opened = await ex.fetch_open_orders(SYM)
            assert sorted(int(o["id"]) for o in opened) == [stop_id, maker_id]
            assert (await balances(ex))["BTC"][1] == before["BTC"][1] + AMOUNT
            q = await ex.private_get_orderlist({"orderListId": lid})
            assert q["listOrderStatus"] == "EXECUTING" and "orderReports" not in q
            q2 = await ex.private_get_orderlist({"origClientOrderId": "oco-sell-1"})
            assert q2["orderListId"] == lid
            assert lid in [x["orderListId"] for x in await ex.private_get_openorderlist()]

            await force(paused, "BUY", last + 25)  # a buyer sweeps through the maker
            # the very next query sees both ends: the survivor went in the same engine step
            maker, stop = (
                await ex.fetch_order(str(maker_id), SYM),
                await ex.fetch_order(str(stop_id), SYM),
            )
            assert maker["status"] == "closed" and stop["status"] == "expired"
            q = await ex.private_get_orderlist({"orderListId": lid})
            assert (q["listStatusType"], q["listOrderStatus"]) == ("ALL_DONE", "ALL_DONE")
            assert lid not in [x["orderListId"] for x in await ex.private_get_openorderlist()]
            assert lid in [x["orderListId"] for x in await ex.private_get_allorderlist()]
            after = await balances(ex)
            base, quote, fee = await settlement(ex, str(maker_id))
            mine = await ex.fetch_my_trades(SYM, params={"orderId": maker_id})
            assert {t["info"]["orderListId"] for t in mine} == {lid}
            assert base == AMOUNT and after["BTC"][1] == before["BTC"][1]
            assert sum(after["BTC"]) == sum(before["BTC"]) - AMOUNT
            assert sum(after["USDT"]) == sum(before["USDT"]) + quote - fee

            await until(
                lambda: list_events(events, lid)[-1:] == [("ALL_DONE", "ALL_DONE")],
                10,
                "the ALL_DONE listStatus event",
            )
            assert list_events(events, lid) == [
                ("EXEC_STARTED", "EXECUTING"),
                ("ALL_DONE", "ALL_DONE"),
            ]
            assert reports(events, stop_id) == [("NEW", "NEW", lid), ("EXPIRED", "EXPIRED", lid)]
            assert reports(events, maker_id)[-1] == ("TRADE", "FILLED", lid)
            done = next(e for e in events if e["e"] == "listStatus" and e["l"] == "ALL_DONE")
            assert [x["i"] for x in done["O"]] == [stop_id, maker_id] and done["C"] == "oco-sell-1"
            await until(
                lambda: stream_orders(ex).get(str(stop_id), {}).get("status") == "expired",
                10,
                "ccxt's order cache to see the expiry",
            )
            watch.cancel()

    run_async(go(), 90)


def test_oco_buy_cancel_list_query_and_refusals(
    paused: PaperExchangeHandle,
) -> None:
    async def go() -> None:
        async with paper_pro(paused, account=0) as ex, user_events(paused) as events:
            await ex.load_markets()
            await trade_at_the_ask(paused)
            last = await last_price(ex)
            before = await balances(ex)
            # the stop of a buy OCO below the price: Binance's own error (ccxt 4.5.90 has no
            # class for -1196 and raises its generic ExchangeError)
            with pytest.raises(ccxt.ExchangeError) as info:
                await ex.private_post_orderlist_oco(
                    {
                        "symbol": SYMBOL,
                        "side": "BUY",
                        "quantity": f"{AMOUNT}",
                        "aboveType": "TAKE_PROFIT",
                        "aboveStopPrice": p2(last + 20),
                        "belowType": "STOP_LOSS",
                        "belowStopPrice": p2(last - 20),
                    }
                )
            assert '"code":-1196' in str(info.value)
            assert "A stop loss order in a buy OCO must be above." in str(info.value)
            # prices on the wrong side of the last trade
            with pytest.raises(ccxt.InvalidOrder) as info2:
                await ex.private_post_orderlist_oco(
                    {
                        "symbol": SYMBOL,
                        "side": "BUY",
                        "quantity": f"{AMOUNT}",
                        "aboveType": "STOP_LOSS",
                        "aboveStopPrice": p2(last - 5),
                        "belowType": "TAKE_PROFIT_LIMIT",
                        "belowStopPrice": p2(last - 20),
                        "belowPrice": p2(last - 20),
                        "belowTimeInForce": "GTC",
                    }
                )
            assert "The relationship of the prices for the orders is not correct." in str(
                info2.value
            )
            # a parameter the endpoint does not know (the deprecated OCO's name for it)
            with pytest.raises(ccxt.BadRequest) as info3:
                await ex.private_post_orderlist_oco(
                    {
                        "symbol": SYMBOL,
                        "side": "BUY",
                        "quantity": f"{AMOUNT}",
                        "aboveType": "STOP_LOSS",
                        "aboveStopPrice": p2(last + 20),
                        "belowType": "TAKE_PROFIT",
                        "belowStopPrice": p2(last - 20),
                        "stopLimitTimeInForce": "GTC",
                    }
                )
            assert '"code":-1104' in str(info3.value)
            assert "Not all sent parameters were read" in str(info3.value)
            assert await balances(ex) == before

            r = await ex.private_post_orderlist_oco(
                {
                    "symbol": SYMBOL,
                    "side": "BUY",
                    "quantity": f"{AMOUNT}",
                    "aboveType": "STOP_LOSS",
                    "aboveStopPrice": p2(last + 20),
                    "belowType": "TAKE_PROFIT_LIMIT",
                    "belowStopPrice": p2(last - 20),
                    "belowPrice": p2(last - 20),
                    "belowTimeInForce": "GTC",
                    "newOrderRespType": "ACK",
                }
            )
            lid = r["orderListId"]
            assert set(r["orderReports"][0]) == {
                "symbol",
                "orderId",
                "orderListId",
                "clientOrderId",
                "transactTime",
            }
            # one lock for the pair: the larger cost of the two orders
            held = await balances(ex)
            assert held["USDT"][1] == before["USDT"][1] + (last + 20) * AMOUNT
            c = await ex.private_delete_orderlist(
                {"symbol": SYMBOL, "orderListId": lid, "newClientOrderId": "cancel-oco-2"}
            )
            assert (c["listStatusType"], c["listOrderStatus"]) == ("ALL_DONE", "ALL_DONE")
            assert [o["status"] for o in c["orderReports"]] == ["CANCELED", "CANCELED"]
            assert {o["clientOrderId"] for o in c["orderReports"]} == {"cancel-oco-2"}
            assert await balances(ex) == before
            assert await ex.fetch_open_orders(SYM) == []
            with pytest.raises(ccxt.OrderNotFound) as gone:
                await ex.private_delete_orderlist({"symbol": SYMBOL, "orderListId": lid})
            assert "Unknown order list sent." in str(gone.value)
            with pytest.raises(ccxt.OrderNotFound):
                await ex.private_get_orderlist({"orderListId": 987654})
            everything = await ex.private_get_allorderlist({"fromId": lid})
            assert everything[0]["orderListId"] == lid
            with pytest.raises(ccxt.BadRequest) as combo:
                await ex.private_get_allorderlist({"fromId": lid, "startTime": 1})
            assert '"code":-1128' in str(combo.value)
            await until(
                lambda: list_events(events, lid)[-1:] == [("ALL_DONE", "ALL_DONE")],
                10,
                "the ALL_DONE listStatus event",
            )
            ids = [o["orderId"] for o in c["orderReports"]]
            assert all(reports(events, i)[-1] == ("CANCELED", "CANCELED", lid) for i in ids)

    run_async(go(), 90)


def test_oto_pending_order_goes_live_when_the_working_order_fills(
    paused: PaperExchangeHandle,
) -> None:
    async def go() -> None:
        async with paper_pro(paused, account=0) as ex, user_events(paused) as events:
            await ex.load_markets()
            await trade_at_the_ask(paused)
            last = await last_price(ex)
            before = await balances(ex)
            r = await ex.private_post_orderlist_oto(
                {
                    "symbol": SYMBOL,
                    "workingType": "LIMIT",
                    "workingSide": "BUY",
                    "workingPrice": p2(last - 20),
                    "workingQuantity": f"{AMOUNT}",
                    "workingTimeInForce": "GTC",
                    "pendingType": "LIMIT",
                    "pendingSide": "SELL",
                    "pendingPrice": p2(last + 40),
                    "pendingQuantity": f"{AMOUNT}",
                    "pendingTimeInForce": "GTC",
                }
            )
            lid = r["orderListId"]
            working, pending = (o["orderId"] for o in r["orderReports"])
            assert [o["status"] for o in r["orderReports"]] == ["NEW", "PENDING_NEW"]
            assert r["contingencyType"] == "OTO"
            held = await balances(ex)
            assert held["USDT"][1] == before["USDT"][1] + (last - 20) * AMOUNT
            assert held["BTC"][1] == before["BTC"][1]  # the pending order locks nothing yet
            await force(paused, "SELL", last - 25)  # a seller fills the working order
            w = await ex.fetch_order(str(working), SYM)
            p = await ex.fetch_order(str(pending), SYM)
            assert w["status"] == "closed"
            assert p["info"]["status"] == "NEW" and p["info"]["isWorking"] is True
            assert (await balances(ex))["BTC"][1] == before["BTC"][1] + AMOUNT
            # canceling one order of the list cancels the list
            await ex.cancel_order(str(pending), SYM)
            q = await ex.private_get_orderlist({"orderListId": lid})
            assert q["listOrderStatus"] == "ALL_DONE"
            after = await balances(ex)
            assert after["BTC"][1] == before["BTC"][1] and after["USDT"][1] == before["USDT"][1]
            await until(
                lambda: list_events(events, lid)[-1:] == [("ALL_DONE", "ALL_DONE")],
                10,
                "the ALL_DONE listStatus event",
            )
            assert reports(events, pending)[0] == ("NEW", "PENDING_NEW", lid)
            assert ("NEW", "NEW", lid) in reports(events, pending)
            assert reports(events, pending)[-1] == ("CANCELED", "CANCELED", lid)

    run_async(go(), 90)


def test_otoco_bracket_entry_fills_then_the_stop_fires_and_the_target_expires(
    paused: PaperExchangeHandle,
) -> None:
    async def go() -> None:
        async with paper_pro(paused, account=0) as ex, user_events(paused) as events:
            await ex.load_markets()
            await trade_at_the_ask(paused)
            last = await last_price(ex)
            before = await balances(ex)
            r = await ex.private_post_orderlist_otoco(
                {
                    "symbol": SYMBOL,
                    "workingType": "LIMIT",
                    "workingSide": "BUY",
                    "workingPrice": p2(last - 20),
                    "workingQuantity": f"{AMOUNT}",
                    "workingTimeInForce": "GTC",
                    "pendingSide": "SELL",
                    "pendingQuantity": f"{AMOUNT}",
                    "pendingAboveType": "LIMIT_MAKER",
                    "pendingAbovePrice": p2(last + 40),
                    "pendingBelowType": "STOP_LOSS",
                    "pendingBelowStopPrice": p2(last - 50),
                }
            )
            lid = r["orderListId"]
            working, stop, target = (o["orderId"] for o in r["orderReports"])
            assert [o["type"] for o in r["orderReports"]] == ["LIMIT", "STOP_LOSS", "LIMIT_MAKER"]
            assert [o["status"] for o in r["orderReports"]] == ["NEW", "PENDING_NEW", "PENDING_NEW"]
            await force(paused, "SELL", last - 25)  # the entry fills: the bracket goes live
            assert (await ex.fetch_order(str(working), SYM))["status"] == "closed"
            t = await ex.fetch_order(str(target), SYM)
            s = await ex.fetch_order(str(stop), SYM)
            assert t["status"] == "open" and t["info"]["isWorking"] is True
            assert s["status"] == "open" and s["info"]["isWorking"] is False
            assert (await balances(ex))["BTC"][1] == before["BTC"][1] + AMOUNT  # once
            await force(paused, "SELL", last - 55)  # through the stop
            s = await ex.fetch_order(str(stop), SYM)
            t = await ex.fetch_order(str(target), SYM)
            assert s["status"] == "closed" and t["status"] == "expired"
            q = await ex.private_get_orderlist({"orderListId": lid})
            assert q["listOrderStatus"] == "ALL_DONE"
            after = await balances(ex)
            b_base, b_quote, b_fee = await settlement(ex, str(working))
            s_base, s_quote, s_fee = await settlement(ex, str(stop))
            assert b_base == s_base == AMOUNT
            assert sum(after["BTC"]) == sum(before["BTC"]) - b_fee
            assert sum(after["USDT"]) == sum(before["USDT"]) - b_quote + s_quote - s_fee
            assert after["BTC"][1] == before["BTC"][1] and after["USDT"][1] == before["USDT"][1]
            await until(
                lambda: list_events(events, lid)[-1:] == [("ALL_DONE", "ALL_DONE")],
                10,
                "the ALL_DONE listStatus event",
            )
            assert list_events(events, lid)[0] == ("EXEC_STARTED", "EXECUTING")
            assert reports(events, target)[-1] == ("EXPIRED", "EXPIRED", lid)

    run_async(go(), 90)


def test_cancel_all_open_orders_answers_a_list_object_for_an_oco(
    paused: PaperExchangeHandle,
) -> None:
    """DELETE /api/v3/openOrders cancels orders of lists too and answers each list as one
    object with its orderReports, as Binance's example shows."""

    async def go() -> None:
        async with paper_pro(paused, account=0) as ex:
            await ex.load_markets()
            await trade_at_the_ask(paused)
            last = await last_price(ex)
            before = await balances(ex)
            plain = await ex.create_order(SYM, "limit", "buy", float(AMOUNT), float(last - 50))
            r = await ex.private_post_orderlist_oco(
                {
                    "symbol": SYMBOL,
                    "side": "SELL",
                    "quantity": f"{AMOUNT}",
                    "aboveType": "LIMIT_MAKER",
                    "abovePrice": p2(last + 20),
                    "belowType": "STOP_LOSS",
                    "belowStopPrice": p2(last - 20),
                }
            )
            out = await ex.private_delete_openorders({"symbol": SYMBOL})
            assert len(out) == 2
            assert out[0]["orderId"] == int(plain["id"]) and out[0]["status"] == "CANCELED"
            lst = out[1]
            assert lst["orderListId"] == r["orderListId"] and lst["listOrderStatus"] == "ALL_DONE"
            assert [o["status"] for o in lst["orderReports"]] == ["CANCELED", "CANCELED"]
            assert await ex.fetch_open_orders(SYM) == []
            assert await balances(ex) == before

    run_async(go(), 60)


def test_an_oco_survives_the_restart_fault_and_still_triggers(paused: PaperExchangeHandle) -> None:
    """State is reloaded from the data dir: the list, its waiting stop and the single lock
    come back, and a trade through the stop still ends the list."""

    async def go() -> None:
        ctl = paused.control
        async with paper_pro(paused, account=0) as ex:
            await ex.load_markets()
            await trade_at_the_ask(paused)
            last = await last_price(ex)
            before = await balances(ex)
            r = await ex.private_post_orderlist_oco(
                {
                    "symbol": SYMBOL,
                    "side": "SELL",
                    "quantity": f"{AMOUNT}",
                    "aboveType": "LIMIT_MAKER",
                    "abovePrice": p2(last + 20),
                    "belowType": "STOP_LOSS",
                    "belowStopPrice": p2(last - 20),
                }
            )
            lid = r["orderListId"]
            stop_id, maker_id = (o["orderId"] for o in r["orderReports"])
            await asyncio.to_thread(ctl.restart, 300)
            deadline = time.monotonic() + 15
            while True:
                await asyncio.sleep(0.2)
                try:
                    await asyncio.to_thread(ctl.health)
                    break
                except (OSError, ControlError):
                    assert time.monotonic() < deadline, "server did not come back"
            await asyncio.to_thread(ctl.pause)  # the restarted generator runs again
            q = await ex.private_get_orderlist({"orderListId": lid})
            assert q["listOrderStatus"] == "EXECUTING"
            assert sorted(int(o["id"]) for o in await ex.fetch_open_orders(SYM)) == [
                stop_id,
                maker_id,
            ]
            assert (await balances(ex))["BTC"][1] == before["BTC"][1] + AMOUNT
            now = await last_price(ex)
            await force(paused, "SELL", min(now, last - 20) - 10)
            assert (await ex.fetch_order(str(stop_id), SYM))["status"] == "closed"
            assert (await ex.fetch_order(str(maker_id), SYM))["status"] == "expired"
            q = await ex.private_get_orderlist({"orderListId": lid})
            assert q["listOrderStatus"] == "ALL_DONE"
            assert (await balances(ex))["BTC"][1] == before["BTC"][1]

    run_async(go(), 90)
