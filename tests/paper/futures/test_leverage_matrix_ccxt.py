"""Long and short at leverage 1, 5 and 20, in one-way and in hedge mode, cross and
isolated: every position figure agrees with Binance's formulas, and every position
closes again. One-way runs on ccxt's ``binanceusdm``, hedge mode on ``binance`` with
``defaultType`` 'future' (the two ways the terminal may build its client)."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest

from terminal.paper.control_client import PaperControl
from terminal.paper.embedded import PaperExchangeHandle
from tests.fixtures_paper import run_async
from tests.paper.futures.conftest import futures_rest
from tests.paper.futures.helpers import check_formulas, check_unified, snapshot

BTC, ETH = "BTC/USDT:USDT", "ETH/USDT:USDT"
D = Decimal


@pytest.mark.parametrize("hedged", [False, True], ids=["one-way", "hedge"])
def test_long_and_short_at_1_5_20(futures_module: PaperExchangeHandle, hedged: bool) -> None:
    ctl = PaperControl(futures_module.url)

    async def go() -> None:
        cls = "binance" if hedged else "binanceusdm"
        async with futures_rest(futures_module, 1 if hedged else 0, cls) as ex:
            await ex.load_markets()
            assert set(ex.markets) == {BTC, ETH, "SOL/USDT:USDT"}
            if hedged:
                await ex.set_position_mode(True)
            for lev, margin in ((1, "cross"), (5, "isolated"), (20, "cross"), (20, "isolated")):
                short_symbol = BTC if hedged else ETH
                short_qty = 0.01 if hedged else 0.2
                for sym in {BTC, short_symbol}:
                    await ex.set_leverage(lev, sym)
                    current = (await ex.fetch_margin_modes([sym]))[sym]["marginMode"]
                    if current != margin:
                        await ex.set_margin_mode(margin, sym)
                long_params = {"positionSide": "LONG"} if hedged else {}
                short_params = {"positionSide": "SHORT"} if hedged else {}
                await ex.create_order(BTC, "market", "buy", 0.01, params=long_params)
                await ex.create_order(
                    short_symbol, "market", "sell", short_qty, params=short_params
                )
                await asyncio.to_thread(ctl.pause)
                try:
                    for premium in ("0", "0.004", "-0.004"):
                        for s in ("BTCUSDT", "ETHUSDT"):
                            await asyncio.to_thread(
                                ctl.post, "/futures/premium", {"symbol": s, "premium": premium}
                            )
                        snap = await snapshot(ex)
                        assert check_formulas(snap) == 2, (lev, margin)
                        positions = await ex.fetch_positions()
                        check_unified(positions, snap)
                        got = sorted((p["symbol"], p["side"]) for p in positions)
                        assert got == sorted([(BTC, "long"), (short_symbol, "short")])
                        for p in positions:
                            assert p["marginMode"] == margin
                            im = D(p["info"]["initialMargin"])
                            assert abs(im - abs(D(p["info"]["notional"])) / lev) < D("0.01")
                finally:
                    for s in ("BTCUSDT", "ETHUSDT"):
                        await asyncio.to_thread(
                            ctl.post, "/futures/premium", {"symbol": s, "premium": "0"}
                        )
                    await asyncio.to_thread(ctl.resume)
                if hedged:
                    await ex.create_order(BTC, "market", "sell", 0.01, params=long_params)
                    await ex.create_order(BTC, "market", "buy", 0.01, params=short_params)
                else:
                    await ex.create_order(BTC, "market", "sell", 0.01, params={"reduceOnly": True})
                    await ex.create_order(
                        ETH, "market", "buy", short_qty, params={"reduceOnly": True}
                    )
                assert await ex.fetch_positions() == [], (lev, margin)
            if hedged:
                await ex.set_position_mode(False)

    run_async(go(), timeout=120)
