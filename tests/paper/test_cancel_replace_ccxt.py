"""POST /api/v3/order/cancelReplace through the real ccxt client (``edit_order``).

Every case checks what the account holds afterwards (open orders, locked balances),
not just the reply: a cancel-replace that answers right but leaves two orders, or a lock
behind, is the bug this endpoint must not have.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from decimal import Decimal

import ccxt
import pytest

from terminal.paper.cancel_replace import cancel_replace
from terminal.paper.embedded import PaperExchangeHandle
from tests.fixtures_paper import paper_pro, paper_rest, run_async
from tests.paper.helpers import until

SYM = "BTC/USDT"


async def _far_bid(ex) -> float:
    """A price well under the market, so a buy rests and never fills during the test."""
    bid = (await ex.fetch_order_book(SYM, 5))["bids"][0][0]
    return round(bid * 0.8, 2)


async def _usdt(ex) -> tuple[Decimal, Decimal]:
    for b in (await ex.fetch_balance())["info"]["balances"]:
        if b["asset"] == "USDT":
            return Decimal(b["free"]), Decimal(b["locked"])
    raise AssertionError("no USDT balance")


async def _clean(ex) -> None:
    with contextlib.suppress(ccxt.OrderNotFound):
        await ex.cancel_all_orders(SYM)


def _body(exc: Exception) -> dict:
    text = str(exc)
    return json.loads(text[text.index("{") :])


def test_edit_order_replaces_atomically_with_stream_events(
    paper_module: PaperExchangeHandle,
) -> None:
    """Price and amount change; the original is CANCELED, the replacement carries the
    client id we chose, exactly one order rests, USDT locked == the new order's cost,
    and the user stream reports the cancel and the new order."""

    async def go() -> None:
        async with paper_pro(paper_module, account=0) as ex:
            await ex.load_markets()
            await _clean(ex)
            free0, locked0 = await _usdt(ex)
            assert locked0 == 0
            await asyncio.wait_for(ex.watch_balance(), 10)  # the user stream is subscribed
            watch = asyncio.ensure_future(ex.watch_orders(SYM))
            await asyncio.sleep(0.1)
            price = await _far_bid(ex)
            o = await ex.create_order(
                SYM, "limit", "buy", 0.001, price, {"clientOrderId": "cr-orig-1"}
            )
            new_price = round(price - 10, 2)
            edited = await ex.edit_order(
                o["id"], SYM, "limit", "buy", 0.002, new_price, {"newClientOrderId": "cr-new-1"}
            )
            assert edited["clientOrderId"] == "cr-new-1" and edited["id"] != o["id"]
            assert edited["status"] == "open"
            assert edited["price"] == new_price and edited["amount"] == 0.002
            old = await ex.fetch_order(o["id"], SYM)
            assert old["status"] == "canceled"
            opened = await ex.fetch_open_orders(SYM)
            assert [x["clientOrderId"] for x in opened] == ["cr-new-1"]
            free1, locked1 = await _usdt(ex)
            cost = Decimal("0.002") * Decimal(str(new_price))
            assert locked1 == cost and free1 + locked1 == free0 + locked0

            # every executionReport lands in ccxt's order cache, pending watch or not
            def stream_status() -> dict[str, str]:
                return {x["id"]: x["status"] for x in (ex.orders or [])}

            await until(
                lambda: (
                    stream_status().get(o["id"]) == "canceled"
                    and stream_status().get(edited["id"]) == "open"
                ),
                15,
                "the user stream's cancel and new-order reports",
            )
            watch.cancel()
            await _clean(ex)
            assert await _usdt(ex) == (free0, locked0)

    run_async(go(), 60)


def test_cancel_by_orig_client_order_id_and_generated_new_id(
    paper_module: PaperExchangeHandle,
) -> None:
    async def go() -> None:
        async with paper_rest(paper_module, account=0) as ex:
            await ex.load_markets()
            await _clean(ex)
            price = await _far_bid(ex)
            o = await ex.create_order(
                SYM, "limit", "buy", 0.001, price, {"clientOrderId": "cr-orig-2"}
            )
            # ccxt omits cancelOrderId when cancelOrigClientOrderId is given
            edited = await ex.edit_order(
                None,
                SYM,
                "limit",
                "buy",
                0.001,
                round(price - 5, 2),
                {"cancelOrigClientOrderId": "cr-orig-2"},
            )
            assert edited["clientOrderId"] and edited["clientOrderId"] != "cr-orig-2"
            assert (await ex.fetch_order(o["id"], SYM))["status"] == "canceled"
            assert [x["id"] for x in await ex.fetch_open_orders(SYM)] == [edited["id"]]
            # the raw endpoint's success shape, newOrderRespType FULL by default
            raw = await ex.private_post_order_cancelreplace(
                {
                    "symbol": "BTCUSDT",
                    "side": "BUY",
                    "type": "LIMIT",
                    "timeInForce": "GTC",
                    "quantity": "0.00100",
                    "price": f"{price - 6:.2f}",
                    "cancelReplaceMode": "STOP_ON_FAILURE",
                    "cancelOrderId": edited["id"],
                    "cancelNewClientOrderId": "cr-cancel-2",
                    "newClientOrderId": "cr-new-2",
                }
            )
            assert raw["cancelResult"] == "SUCCESS" and raw["newOrderResult"] == "SUCCESS"
            assert raw["cancelResponse"]["clientOrderId"] == "cr-cancel-2"
            assert raw["cancelResponse"]["origClientOrderId"] == edited["clientOrderId"]
            assert raw["cancelResponse"]["status"] == "CANCELED"
            assert raw["newOrderResponse"]["clientOrderId"] == "cr-new-2"
            assert raw["newOrderResponse"]["fills"] == []
            await _clean(ex)

    run_async(go(), 60)


def test_unknown_order_stop_on_failure_places_nothing(paper_module: PaperExchangeHandle) -> None:
    """-2022 with the cancel's -2011 inside; the new order is NOT_ATTEMPTED. Against the
    loopback URL ccxt cannot pick its spot table (which maps -2022 to BadResponse), so
    the class is the generic ExchangeError; the code is the same as Binance's."""

    async def go() -> None:
        async with paper_rest(paper_module, account=0) as ex:
            await ex.load_markets()
            await _clean(ex)
            price = await _far_bid(ex)
            with pytest.raises(ccxt.ExchangeError) as info:
                await ex.edit_order(
                    "987654321", SYM, "limit", "buy", 0.001, price, {"newClientOrderId": "cr-never"}
                )
            assert not isinstance(info.value, ccxt.NetworkError)
            body = _body(info.value)
            assert body["code"] == -2022 and body["msg"] == "Order cancel-replace failed."
            assert body["data"]["cancelResult"] == "FAILURE"
            assert body["data"]["newOrderResult"] == "NOT_ATTEMPTED"
            assert body["data"]["cancelResponse"] == {"code": -2011, "msg": "Unknown order sent."}
            assert body["data"]["newOrderResponse"] is None
            assert await ex.fetch_open_orders(SYM) == []
            with pytest.raises(ccxt.OrderNotFound):
                await ex.fetch_order(None, SYM, {"clientOrderId": "cr-never"})
            assert (await _usdt(ex))[1] == 0

    run_async(go(), 60)


def test_allow_failure_new_order_rejected_after_cancel(paper_module: PaperExchangeHandle) -> None:
    """ALLOW_FAILURE: the cancel is done, the replacement is refused for balance: 409
    -2021, nothing rests and nothing stays locked. Then an unknown cancel with
    ALLOW_FAILURE still places the new order (-2021 the other way round)."""

    async def go() -> None:
        async with paper_rest(paper_module, account=0) as ex:
            await ex.load_markets()
            await _clean(ex)
            free0, _ = await _usdt(ex)
            price = await _far_bid(ex)
            o = await ex.create_order(SYM, "limit", "buy", 0.001, price)
            too_much = float((free0 * 2 / Decimal(str(price))).quantize(Decimal("0.00001")))
            with pytest.raises(ccxt.ExchangeError) as info:
                await ex.edit_order(
                    o["id"],
                    SYM,
                    "limit",
                    "buy",
                    too_much,
                    price,
                    {"cancelReplaceMode": "ALLOW_FAILURE"},
                )
            body = _body(info.value)
            assert body["code"] == -2021 and body["msg"] == "Order cancel-replace partially failed."
            data = body["data"]
            assert data["cancelResult"] == "SUCCESS" and data["newOrderResult"] == "FAILURE"
            assert data["cancelResponse"]["status"] == "CANCELED"
            assert data["newOrderResponse"]["code"] == -2010
            assert (await ex.fetch_order(o["id"], SYM))["status"] == "canceled"
            assert await ex.fetch_open_orders(SYM) == []
            assert await _usdt(ex) == (free0, Decimal(0))

            with pytest.raises(ccxt.ExchangeError) as info:
                await ex.edit_order(
                    o["id"],
                    SYM,
                    "limit",
                    "buy",
                    0.001,
                    price,
                    {"cancelReplaceMode": "ALLOW_FAILURE", "newClientOrderId": "cr-allow-new"},
                )
            data = _body(info.value)["data"]
            assert data["cancelResult"] == "FAILURE" and data["newOrderResult"] == "SUCCESS"
            assert data["newOrderResponse"]["clientOrderId"] == "cr-allow-new"
            assert [x["clientOrderId"] for x in await ex.fetch_open_orders(SYM)] == ["cr-allow-new"]
            await _clean(ex)

    run_async(go(), 60)


def test_filter_failure_fails_the_whole_request(paper_module: PaperExchangeHandle) -> None:
    """Filters are checked before the cancel: a replacement under the minimum notional
    leaves the original resting and answers the plain -1013."""

    async def go() -> None:
        async with paper_rest(paper_module, account=0) as ex:
            await ex.load_markets()
            await _clean(ex)
            price = await _far_bid(ex)
            o = await ex.create_order(SYM, "limit", "buy", 0.001, price)
            with pytest.raises(ccxt.BadRequest) as info:
                await ex.edit_order(o["id"], SYM, "limit", "buy", 0.00001, price)
            assert _body(info.value) == {"code": -1013, "msg": "Filter failure: NOTIONAL"}
            assert [x["id"] for x in await ex.fetch_open_orders(SYM)] == [o["id"]]
            with pytest.raises(ccxt.BadRequest):  # cancelReplaceMode is mandatory
                await ex.private_post_order_cancelreplace(
                    {
                        "symbol": "BTCUSDT",
                        "side": "BUY",
                        "type": "LIMIT",
                        "timeInForce": "GTC",
                        "quantity": "0.00100",
                        "price": f"{price:.2f}",
                        "cancelOrderId": o["id"],
                    }
                )
            assert [x["id"] for x in await ex.fetch_open_orders(SYM)] == [o["id"]]
            await _clean(ex)

    run_async(go(), 60)


def test_executed_then_reply_fails(paper_module: PaperExchangeHandle) -> None:
    """The order_unknown fault applies to cancelReplace: it is executed, the client sees
    a 5xx (NetworkError), and a query by the new client id finds the replacement."""

    async def go() -> None:
        ctl = paper_module.control
        async with paper_rest(paper_module, account=0) as ex:
            await ex.load_markets()
            await _clean(ex)
            price = await _far_bid(ex)
            o = await ex.create_order(SYM, "limit", "buy", 0.001, price)
            await asyncio.to_thread(ctl.order_unknown, "5xx", 1, 3.0)
            with pytest.raises(ccxt.NetworkError):
                await ex.edit_order(
                    o["id"],
                    SYM,
                    "limit",
                    "buy",
                    0.001,
                    round(price - 3, 2),
                    {"newClientOrderId": "cr-unknown"},
                )
            new = await ex.fetch_order(None, SYM, {"clientOrderId": "cr-unknown"})
            assert new["status"] == "open"
            assert (await ex.fetch_order(o["id"], SYM))["status"] == "canceled"
            assert len(await ex.fetch_open_orders(SYM)) == 1
            await _clean(ex)

    run_async(go(), 60)


def test_replacement_that_crosses_fills_and_balances_are_conserved(
    paper_module: PaperExchangeHandle,
) -> None:
    """A resting buy replaced by a marketable one: the replacement takes liquidity in the
    same step. Per asset, the change of free + locked is exactly what the fills moved
    minus their commissions, and the original's lock is released."""

    async def go() -> None:
        async with paper_rest(paper_module, account=1) as ex:
            await ex.load_markets()
            await _clean(ex)

            async def totals() -> dict[str, tuple[Decimal, Decimal]]:
                info = (await ex.fetch_balance())["info"]["balances"]
                return {b["asset"]: (Decimal(b["free"]), Decimal(b["locked"])) for b in info}

            before = await totals()
            price = await _far_bid(ex)
            o = await ex.create_order(SYM, "limit", "buy", 0.001, price)
            ask = (await ex.fetch_order_book(SYM, 5))["asks"][0][0]
            cross = round(ask * 1.01, 2)
            edited = await ex.edit_order(
                o["id"], SYM, "limit", "buy", 0.0015, cross, {"newClientOrderId": "cr-cross-1"}
            )
            trades = [
                t for t in await ex.fetch_my_trades(SYM, limit=1000) if t["order"] == edited["id"]
            ]
            assert trades, "the marketable replacement did not trade"
            after = await totals()
            base_in = sum((Decimal(t["info"]["qty"]) for t in trades), Decimal(0))
            quote_out = sum((Decimal(t["info"]["quoteQty"]) for t in trades), Decimal(0))
            fee = sum((Decimal(t["info"]["commission"]) for t in trades), Decimal(0))
            assert {t["info"]["commissionAsset"] for t in trades} == {"BTC"}
            # 1% through a book hundreds of levels deep: filled at once, nothing rests
            assert base_in == Decimal("0.0015")
            assert (await ex.fetch_order(edited["id"], SYM))["status"] == "closed"
            assert after["USDT"][1] == 0
            assert after["BTC"][1] == before["BTC"][1] == 0
            assert sum(after["USDT"]) - sum(before["USDT"]) == -quote_out
            assert sum(after["BTC"]) - sum(before["BTC"]) == base_in - fee
            assert (await ex.fetch_order(o["id"], SYM))["status"] == "canceled"

    run_async(go(), 60)


def test_engine_step_is_atomic_for_the_book_and_the_stream() -> None:
    """In process: the cancel and the placement are published under ONE book update id
    (no depth diff shows the moment between them), and the exec events come in the
    order cancel, then new."""
    from terminal.paper.engine import Engine, FeeSchedule
    from terminal.paper.markets import default_markets

    t = [1_700_000_000_000]

    def clock() -> int:
        t[0] += 1
        return t[0]

    eng = Engine(default_markets(), clock, FeeSchedule())
    eng.add_account("alice", {"USDT": Decimal(10000), "BTC": Decimal(1)})
    events: list[tuple[str, str]] = []
    eng.on_exec.append(lambda acct, ev: events.append((ev.exec_type, ev.order.client_id)))
    o, _ = eng.place(
        "alice",
        {
            "symbol": "BTCUSDT",
            "side": "BUY",
            "type": "LIMIT",
            "timeInForce": "GTC",
            "price": "50000.00",
            "quantity": "0.10000",
            "newClientOrderId": "a1",
        },
    )
    book = eng.books["BTCUSDT"]
    uid = book.update_id
    events.clear()
    res = cancel_replace(
        eng,
        "alice",
        {
            "symbol": "BTCUSDT",
            "side": "BUY",
            "type": "LIMIT",
            "timeInForce": "GTC",
            "price": "49000.00",
            "quantity": "0.20000",
            "cancelReplaceMode": "STOP_ON_FAILURE",
            "cancelOrigClientOrderId": "a1",
            "newClientOrderId": "a2",
        },
    )
    assert book.update_id == uid + 1
    assert events == [("CANCELED", "a1"), ("NEW", "a2")]
    assert res.canceled is o and res.new_order is not None and o.status == "CANCELED"
    assert eng.ledger.get("alice", "USDT") == (Decimal(10000) - Decimal(9800), Decimal(9800))
    assert [x.client_id for x in eng.open_orders("alice", "BTCUSDT")] == ["a2"]
