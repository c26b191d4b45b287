"""No private or signed request of a paper-on-live session can reach the venue.

The session's "live" venue is the paper exchange behind a recording HTTP proxy on
127.0.0.1: every request that leaves the session passes the proxy and is recorded. The
session's own ccxt clients are then asked for private things directly (balances, an
order, the user stream, a request signed by hand with keys put on the client
afterwards): each is refused, and the proxy saw public requests only."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiohttp import web

from terminal.domain.enums import VenueMode
from terminal.exchange.catalogue import paper_info
from terminal.exchange.session import PaperEndpoint, SessionOptions
from terminal.livepaper import LivePaperSession, PrivateRequestRefused
from terminal.livepaper.guard import authenticated
from tests.fixtures_paper import run_async

FAST = SessionOptions(rate_limit_ms=1, heartbeat_s=0, timeout_ms=5_000)
PRIVATE_PATHS = ("/api/v3/account", "/api/v3/order", "/api/v3/openOrders", "/userDataStream")


@contextlib.asynccontextmanager
async def recording_proxy(target: str) -> AsyncIterator[tuple[str, list[str]]]:
    """An HTTP proxy on 127.0.0.1 in front of `target`; yields its URL and the list of
    requests (method, path and query) it forwarded."""
    seen: list[str] = []
    client = aiohttp.ClientSession()

    async def forward(request: web.Request) -> web.Response:
        seen.append(f"{request.method} {request.path_qs} {dict(request.headers)}")
        async with client.request(
            request.method,
            target.rstrip("/") + request.path_qs,
            data=await request.read(),
            headers={k: v for k, v in request.headers.items() if k.lower() != "host"},
        ) as reply:
            body = await reply.read()
            headers = {
                k: v
                for k, v in reply.headers.items()
                if k.lower() not in ("content-length", "transfer-encoding", "content-encoding")
            }
            return web.Response(status=reply.status, body=body, headers=headers)

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", forward)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield f"http://127.0.0.1:{port}", seen
    finally:
        await runner.cleanup()
        await client.close()


def test_no_private_request_reaches_the_venue(venue) -> None:  # type: ignore[no-untyped-def]
    async def main() -> list[str]:
        async with recording_proxy(venue.url) as (url, seen):
            endpoint = PaperEndpoint(url, tuple(venue.accounts))
            session = LivePaperSession(paper_info(), paper=endpoint, options=FAST)
            try:
                await session.connect()
                assert seen, "the public requests of connecting went through the proxy"
                rest = session.rest
                assert not rest.apiKey and not rest.secret  # not the paper account's keys
                with pytest.raises(PrivateRequestRefused):
                    await rest.fetch_balance()
                with pytest.raises(PrivateRequestRefused):
                    await rest.create_order("BTC/USDT", "limit", "buy", 0.001, 50_000)
                with pytest.raises(PrivateRequestRefused):
                    await rest.fetch_open_orders("BTC/USDT")
                pro = await session.ensure_pro()
                with pytest.raises(PrivateRequestRefused):
                    await pro.watch_balance()
                # keys put on the client by mistake change nothing: ccxt asks for them
                # before signing, and a request signed by hand is stopped at the door
                key, secret = venue.accounts[0]
                rest.apiKey, rest.secret = key, secret
                with pytest.raises(PrivateRequestRefused):
                    await rest.fetch_balance()
                with pytest.raises(PrivateRequestRefused):
                    await rest.fetch(
                        url + "/api/v3/account?timestamp=1&signature=00",
                        "GET",
                        {"X-MBX-APIKEY": key},
                    )
                # public data still flows
                book = await session.fetch_order_book_raw("BTC/USDT", 5)
                assert book["bids"] and book["asks"]
                # and orders are the session's own: placed locally, never at the venue
                assert (await session.fetch_balances()).get("USDT").total > 0
            finally:
                await session.close()
            return list(seen)

    seen = run_async(main(), 60)
    assert any("/api/v3/depth" in line for line in seen)
    for line in seen:
        assert not any(p in line for p in PRIVATE_PATHS), line
        assert "signature" not in line.lower(), line
        assert "x-mbx-apikey" not in line.lower(), line
    assert venue.control.open_orders(venue.accounts[0][0]) == []


def test_authentication_is_recognised_in_a_request() -> None:
    assert authenticated("https://h/api/v3/depth?symbol=BTCUSDT", {}, None) is None
    assert authenticated("https://h/x", {"OK-ACCESS-KEY": "k"}, None)
    assert authenticated("https://h/x", {"X-BAPI-SIGN": "s"}, None)
    assert authenticated("https://h/x?timestamp=1&signature=ab", None, None)
    assert authenticated("https://h/x", {"Content-Type": "application/json"}, "a=1") is None
    assert authenticated("https://h/x", None, "timestamp=1&signature=ab")


def test_a_paper_on_live_session_takes_no_keys_and_no_other_mode() -> None:
    with pytest.raises(ValueError, match="no API keys"):
        LivePaperSession(paper_info(), credentials={"apiKey": "k", "secret": "s"})
    with pytest.raises(ValueError, match="paper-live"):
        LivePaperSession(paper_info(), VenueMode.LIVE)


def test_a_public_method_with_a_private_fallback_takes_the_public_way() -> None:
    """ccxt's binance asks whether keys exist before its signed currency list; the
    public-only client answers no, so loading markets stays public (no network here:
    the answer comes before any request)."""
    import ccxt.async_support as ccxt_async

    from terminal.livepaper.guard import make_public_only

    async def main() -> object:
        inst = make_public_only(
            ccxt_async.binance(
                {"apiKey": "k", "secret": "s", "options": {"fetchCurrencies": True}}
            ),
            "binance",
        )
        try:
            assert not inst.apiKey and not inst.secret  # emptied
            assert inst.check_required_credentials(False) is False
            with pytest.raises(PrivateRequestRefused):
                inst.check_required_credentials()
            return await inst.fetch_currencies()
        finally:
            await inst.close()

    assert run_async(main(), 20) == {}


def test_a_live_venue_is_read_from_its_live_hosts_by_a_public_only_client() -> None:
    """Paper on Binance: the session's data mode is LIVE, its client Binance's own class
    at the live hosts, public-only and keyless (built without any network)."""
    from terminal.exchange.catalogue import default_catalogue
    from terminal.livepaper import data_mode_of

    info = default_catalogue().get("binance")
    session = LivePaperSession(info)
    assert data_mode_of(info) is VenueMode.LIVE and session.mode is VenueMode.PAPER_LIVE
    assert str(session.key) == "binance/paper-live/default"

    async def main() -> tuple[str, str, bool]:
        inst = session._new_instance(pro=False)
        try:
            return type(inst).__name__, str(inst.urls["api"]["public"]), bool(inst.apiKey)
        finally:
            await inst.close()

    name, public_url, has_key = run_async(main(), 20)
    assert name == "binance_public_only" and not has_key
    assert "api.binance.com" in public_url and "testnet" not in public_url
