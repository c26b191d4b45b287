"""Header-based demos (OKX, Bitget): a private request without the demo header never
leaves. Offline: the clients a DEMO session builds are pointed at a loopback server this
test starts, which records every request that arrives."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from terminal.core.errors import VenueUnavailableError
from terminal.domain.enums import VenueMode
from terminal.exchange.catalogue import default_catalogue
from terminal.exchange.demo_guard import DemoGuardError
from terminal.exchange.errors import Op, classify
from terminal.exchange.session import VenueSession
from tests.exchange.recorder import Recorder
from tests.fixtures_paper import run_async

CREDS = {
    "apiKey": "demo-key-0123456789",
    "secret": "demo-secret-0123456789",
    "password": "demo-pass-0123",
}


def _point_rest_at(inst: Any, base: str) -> None:
    api = inst.urls["api"]
    for key, value in list(api.items()):
        if isinstance(value, str):
            api[key] = base


def _demo_session(venue: str) -> VenueSession:
    return VenueSession(default_catalogue().get(venue), VenueMode.DEMO, credentials=CREDS)


def test_catalogue_offers_okx_and_bitget_as_demo_never_as_testnet() -> None:
    cat = default_catalogue()
    for venue, header in (("okx", "x-simulated-trading"), ("bitget", "PAPTRADING")):
        info = cat.get(venue)
        assert info.modes == (VenueMode.LIVE, VenueMode.DEMO)
        assert not info.sandbox and info.demo and info.demo_header == header
        assert info.default_mode() is VenueMode.DEMO
    with pytest.raises(ValueError, match="cannot be connected in sandbox"):
        VenueSession(cat.get("okx"), VenueMode.SANDBOX, credentials=CREDS)


@pytest.mark.parametrize(
    ("venue", "header", "private_get", "private_post", "drop_header"),
    [
        (
            "okx",
            "x-simulated-trading",
            "privateGetAccountBalance",
            "privatePostTradeOrder",
            lambda inst: setattr(inst, "headers", {}),
        ),
        (
            "bitget",
            "paptrading",
            "privateSpotGetV2SpotAccountAssets",
            "privateSpotPostV2SpotTradePlaceOrder",
            lambda inst: inst.options.__setitem__("sandboxMode", False),
        ),
    ],
)
def test_private_requests_carry_the_header_and_never_leave_without_it(
    venue, header, private_get, private_post, drop_header
) -> None:
    async def go() -> None:
        server = Recorder()
        await server.start()
        session = _demo_session(venue)
        inst = session._new_instance(pro=False)
        try:
            inst.options["timeDifference"] = 0
            _point_rest_at(inst, server.url)
            order = {
                "instId": "BTC-USDT",
                "tdMode": "cash",
                "side": "buy",
                "ordType": "limit",
                "sz": "0.01",
                "px": "25000",
                "symbol": "BTCUSDT",
                "size": "0.01",
                "orderType": "limit",
                "force": "gtc",
                "price": "25000",
            }
            # as ccxt builds them: the header is there, and the request arrives
            await getattr(inst, private_get)()
            await getattr(inst, private_post)(order)
            assert len(server.requests) == 2
            assert all(r["headers"].get(header) == "1" for r in server.requests)
            assert all(CREDS["apiKey"] in r["headers"].values() for r in server.requests)

            # ccxt stops adding the header: nothing more reaches the server
            drop_header(inst)
            with pytest.raises(DemoGuardError, match="stopped before sending"):
                await getattr(inst, private_get)()
            with pytest.raises(DemoGuardError, match="stopped before sending"):
                await getattr(inst, private_post)(order)
            await asyncio.sleep(0.1)
            assert len(server.requests) == 2
        finally:
            await inst.close()
            await server.stop()

    run_async(go())


def test_a_public_get_without_the_header_may_pass() -> None:
    """Bitget sends its server-time request without the header on purpose."""

    async def go() -> None:
        server = Recorder()
        await server.start()
        inst = _demo_session("bitget")._new_instance(pro=False)
        try:
            _point_rest_at(inst, server.url)
            await inst.publicCommonGetV2PublicTime()
            assert len(server.requests) == 1
            assert "paptrading" not in server.requests[0]["headers"]
        finally:
            await inst.close()
            await server.stop()

    run_async(go())


def test_a_request_carrying_the_key_counts_as_private_even_as_a_get() -> None:
    async def go() -> None:
        server = Recorder()
        await server.start()
        inst = _demo_session("okx")._new_instance(pro=False)
        try:
            inst.headers = {}
            with pytest.raises(DemoGuardError):
                await inst.fetch(f"{server.url}/x?key={CREDS['apiKey']}", "GET", {}, None)
            with pytest.raises(DemoGuardError):
                await inst.fetch(f"{server.url}/x", "DELETE", {}, None)
            assert server.requests == []
        finally:
            await inst.close()
            await server.stop()

    run_async(go())


@pytest.mark.parametrize(
    ("venue", "live_ws", "demo_ws"),
    [
        ("okx", "wss://ws.okx.com:8443/ws/v5/private", "wss://wspap.okx.com:443/ws/v5/private"),
        ("bitget", "wss://ws.bitget.com/v2/ws/private", "wss://wspap.bitget.com/v2/ws/private"),
    ],
)
def test_streams_open_only_on_the_demo_host(venue, live_ws, demo_ws) -> None:
    async def go() -> None:
        session = _demo_session(venue)
        pro = session._new_instance(pro=True)
        try:
            with pytest.raises(DemoGuardError, match="WebSocket"):
                pro.client(live_ws)
            assert pro.client(demo_ws) is not None  # created, not connected
            # the stream URLs ccxt itself uses in demo pass the guard
            ccxt_ws = (
                pro.urls["api"]["ws"] if venue == "okx" else pro.urls["api"]["demo"]["private"]
            )
            assert pro.client(ccxt_ws) is not None
        finally:
            await pro.close()

    run_async(go())


def test_the_demo_instance_is_built_guarded_with_the_header_on() -> None:
    okx = _demo_session("okx")._new_instance(pro=False)
    assert okx.headers.get("x-simulated-trading") == "1"
    assert type(okx).demo_guard.header == "x-simulated-trading"
    assert okx.urls["api"]["rest"] == "https://{hostname}"  # the live host: hence the guard
    bitget = _demo_session("bitget")._new_instance(pro=False)
    assert bitget.options["sandboxMode"] is True
    live = VenueSession(
        default_catalogue().get("okx"), VenueMode.LIVE, credentials=CREDS
    )._new_instance(pro=False)
    assert not hasattr(type(live), "demo_guard")
    assert "x-simulated-trading" not in (live.headers or {})

    async def close() -> None:
        await asyncio.gather(okx.close(), bitget.close(), live.close())

    run_async(close())


def test_a_stopped_order_is_a_local_refusal_not_an_unknown_outcome() -> None:
    err = classify(DemoGuardError("stopped", venue="okx"), op=Op.WRITE, venue="okx")
    assert isinstance(err, VenueUnavailableError)
    assert json.dumps(str(err))  # plain text
