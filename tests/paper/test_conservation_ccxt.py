"""Balance conservation through the real ccxt client (shorter than the in-process run).

For every asset: change of (free + locked) == what the account's new fills moved, minus
their commissions, exactly (Decimal from the wire strings); locked == what open orders hold.
"""

from __future__ import annotations

import asyncio
import contextlib
from decimal import Decimal

import ccxt
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from terminal.paper.embedded import PaperExchangeHandle
from tests.fixtures_paper import paper_rest, run_async

SYMBOLS = ["BTC/USDT", "ETH/USDT", "ETH/BTC"]
op = st.tuples(
    st.sampled_from(SYMBOLS),
    st.sampled_from(["buy", "sell"]),
    st.sampled_from(["near", "far", "market", "ioc", "cross"]),
    st.integers(1, 4),
)


async def _totals(ex) -> dict[str, Decimal]:
    info = (await ex.fetch_balance())["info"]["balances"]
    return {b["asset"]: Decimal(b["free"]) + Decimal(b["locked"]) for b in info}


async def _locked(ex) -> dict[str, Decimal]:
    info = (await ex.fetch_balance())["info"]["balances"]
    return {b["asset"]: Decimal(b["locked"]) for b in info}


async def _trades(ex) -> dict[tuple[str, str], dict]:
    out = {}
    for s in SYMBOLS:
        for t in await ex.fetch_my_trades(s, limit=1000):
            out[(s, t["id"], t["info"]["isBuyer"])] = t["info"]
    return out


async def _run(h: PaperExchangeHandle, ops: list[tuple]) -> None:
    async with paper_rest(h, account=("test-key-2", "test-secret-2")) as ex:
        markets = await ex.load_markets()
        for s in SYMBOLS:
            with contextlib.suppress(ccxt.OrderNotFound):
                await ex.cancel_all_orders(s)
        start, seen = await _totals(ex), await _trades(ex)
        for sym, side, kind, size in ops:
            ob = await ex.fetch_order_book(sym, 5)
            bid, ask = ob["bids"][0][0], ob["asks"][0][0]
            amount = {"BTC/USDT": 0.0003, "ETH/USDT": 0.004, "ETH/BTC": 0.01}[sym] * size
            try:
                if kind == "market":
                    await ex.create_order(sym, "market", side, amount)
                elif kind == "ioc":
                    px = ask * 1.002 if side == "buy" else bid * 0.998
                    await ex.create_order(sym, "limit", side, amount, px, {"timeInForce": "IOC"})
                elif kind == "far":
                    px = bid * 0.95 if side == "buy" else ask * 1.05
                    await ex.create_order(sym, "limit", side, amount, px)
                else:  # near the touch; "cross" then forces the market through it
                    px = bid if side == "buy" else ask
                    await ex.create_order(sym, "limit", side, amount, px)
                    if kind == "cross":
                        through = bid * 0.999 if side == "buy" else ask * 1.001
                        await asyncio.to_thread(
                            h.control.force_trade,
                            sym,
                            "SELL" if side == "buy" else "BUY",
                            ex.price_to_precision(sym, through),
                        )
            except ccxt.InsufficientFunds:
                pass
        # freeze the simulated market: resting orders must not fill between snapshots
        await asyncio.to_thread(h.control.pause)
        try:
            await _check(ex, markets, ops, start, seen)
        finally:
            await asyncio.to_thread(h.control.resume)
        for s in SYMBOLS:
            with contextlib.suppress(ccxt.OrderNotFound):
                await ex.cancel_all_orders(s)
        assert all(v == 0 for v in (await _locked(ex)).values())


async def _check(ex, markets, ops, start, seen) -> None:
    """Balance deltas equal the new fills' flows; locked equals what open orders hold."""
    end, trades = await _totals(ex), await _trades(ex)
    new = [k for k in trades if k not in seen]
    if any(kind in ("market", "cross") for _, _, kind, _ in ops):
        assert new, "no fills: the run proved nothing"
    delta: dict[str, Decimal] = {}
    for key, t in trades.items():
        if key in seen:
            continue
        mk = markets[key[0]]
        base, quote = mk["base"], mk["quote"]
        qty, quote_qty = Decimal(t["qty"]), Decimal(t["quoteQty"])
        sign = 1 if t["isBuyer"] else -1
        delta[base] = delta.get(base, Decimal(0)) + sign * qty
        delta[quote] = delta.get(quote, Decimal(0)) - sign * quote_qty
        delta[t["commissionAsset"]] -= Decimal(t["commission"])
    for asset in end:
        assert end[asset] - start.get(asset, Decimal(0)) == delta.get(asset, Decimal(0)), asset
    held: dict[str, Decimal] = {}
    for s in SYMBOLS:
        for o in await ex.fetch_open_orders(s):
            i = o["info"]
            left = Decimal(i["origQty"]) - Decimal(i["executedQty"])
            mk = markets[s]
            if i["side"] == "BUY":
                held[mk["quote"]] = held.get(mk["quote"], Decimal(0)) + left * Decimal(i["price"])
            else:
                held[mk["base"]] = held.get(mk["base"], Decimal(0)) + left
    locked = await _locked(ex)
    for asset, amount in locked.items():
        # a partly filled buy that executed below its limit keeps the price
        # improvement locked until it closes, so locked >= the book value
        assert amount >= held.get(asset, Decimal(0)), asset
        assert amount - held.get(asset, Decimal(0)) < Decimal(1), asset


@pytest.fixture(autouse=True)
def _roomy_limits(paper_module: PaperExchangeHandle):
    paper_module.control.set_limits(orders_per_10s=10_000, weight_per_minute=10_000_000, unban=1)
    yield
    paper_module.control.set_limits(orders_per_10s=50, weight_per_minute=6000, unban=1)


@settings(
    max_examples=4,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(ops=st.lists(op, min_size=6, max_size=14))
def test_conservation_through_ccxt(paper_module: PaperExchangeHandle, ops: list[tuple]) -> None:
    run_async(_run(paper_module, ops), 60)
