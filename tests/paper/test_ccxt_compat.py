"""ccxt_compat: every host of a ccxt binance instance ends up on the paper server."""

from __future__ import annotations

import hashlib
import hmac
import time
from typing import Any
from urllib.parse import urlencode

import aiohttp
import ccxt.async_support as ccxt_async
import ccxt.pro as ccxt_pro
import pytest

from terminal.paper.ccxt_compat import paper_ccxt_config, point_ccxt_at
from terminal.paper.embedded import PaperExchangeHandle
from tests.fixtures_paper import run_async


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


@pytest.mark.parametrize("module", [ccxt_async, ccxt_pro], ids=["async", "pro"])
@pytest.mark.parametrize("sandbox", [False, True])
def test_every_url_is_rewritten(module: Any, sandbox: bool) -> None:
    ex = module.binance(paper_ccxt_config("k", "s"))
    if sandbox:
        ex.set_sandbox_mode(True)  # before the rewrite, as documented
    point_ccxt_at(ex, "http://127.0.0.1:8765")
    urls = [
        u
        for key in ("api", "test", "demo", "apiBackup")
        for u in _strings(ex.urls.get(key))
        if "://" in u
    ]
    assert urls
    assert all(u.startswith(("http://127.0.0.1:8765/", "ws://127.0.0.1:8765/")) for u in urls)
    api = ex.urls["api"]
    assert api["public"] == "http://127.0.0.1:8765/api/v3"
    if module is ccxt_pro:
        assert api["ws"]["spot"] == "ws://127.0.0.1:8765/ws"
        assert api["ws"]["ws-api"]["spot"] == "ws://127.0.0.1:8765/ws-api/v3"
    assert ex.options["fetchMarkets"]["types"] == ["spot"]
    assert ex.options["fetchCurrencies"] is False
    assert ex.options["fetchOpenOrders"]["warnWithoutSymbol"] is False
    with pytest.raises(ValueError):
        point_ccxt_at(ex, "127.0.0.1:8765")
    run_async(ex.close(), 10)


def test_signed_params_in_query_string_body_or_both(paper_module: PaperExchangeHandle) -> None:
    key, secret = "test-key-1", "test-secret-1"

    def sig(payload: str) -> str:
        return hmac.new(secret.encode(), payload.encode(), hashlib.sha256).hexdigest()

    async def go() -> None:
        async with aiohttp.ClientSession(headers={"X-MBX-APIKEY": key}) as s:
            base = paper_module.url + "/api/v3/order/test"
            q = urlencode(
                {
                    "symbol": "BTCUSDT",
                    "side": "BUY",
                    "type": "MARKET",
                    "quantity": "0.001",
                    "timestamp": int(time.time() * 1000),
                }
            )
            async with s.post(f"{base}?{q}&signature={sig(q)}") as r:
                assert r.status == 200, await r.text()
            async with s.post(
                base,
                data=f"{q}&signature={sig(q)}",
                headers={"Content-Type": "application/x-www-form-urlencoded"},
            ) as r:
                assert r.status == 200, await r.text()
            # split: Binance signs query string + body concatenated
            q1, q2 = q.split("&type=")
            body = "type=" + q2
            async with s.post(
                f"{base}?{q1}",
                data=f"{body}&signature={sig(q1 + body)}",
                headers={"Content-Type": "application/x-www-form-urlencoded"},
            ) as r:
                assert r.status == 200, await r.text()
            async with s.post(f"{base}?{q}&signature={sig(q + 'x')}") as r:
                assert r.status == 400 and (await r.json())["code"] == -1022
            async with s.get(
                paper_module.url + "/api/v3/account?" + q + "&signature=" + sig(q)
            ) as r:
                assert r.status == 200
                assert r.headers["X-MBX-USED-WEIGHT-1M"]

    run_async(go(), 30)
