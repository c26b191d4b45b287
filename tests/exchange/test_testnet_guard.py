"""Testnets and demos on hosts of their own: no request of such a session reaches a live
host, even if ccxt left one of its URLs on the live API."""

from __future__ import annotations

import contextlib
import socket
from typing import Any
from urllib.parse import urlsplit

import ccxt.async_support as ccxt
import pytest

from terminal.domain.enums import VenueMode
from terminal.exchange.catalogue import default_catalogue
from terminal.exchange.session import VenueSession
from terminal.exchange.testnet_guard import LiveHostRefused
from tests.exchange.recorder import Recorder
from tests.fixtures_paper import run_async

CREDS = {"apiKey": "test-key-0123456789", "secret": "test-secret-0123456789"}


@pytest.fixture
def lookups(monkeypatch):
    """Every name lookup and connection this process starts (recorded, not faked)."""
    seen: list[Any] = []
    real_getaddrinfo, real_connect = socket.getaddrinfo, socket.socket.connect

    def getaddrinfo(host, *args, **kwargs):  # type: ignore[no-untyped-def]
        seen.append(host)
        return real_getaddrinfo(host, *args, **kwargs)

    def connect(self, address):  # type: ignore[no-untyped-def]
        seen.append(address)
        return real_connect(self, address)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(socket.socket, "connect", connect)
    return seen


def _rehost(value: Any, base: str) -> Any:
    """`value` (nested ccxt urls) with every http(s) URL moved to `base`, paths kept."""
    if isinstance(value, str) and value.startswith("http"):
        parts = urlsplit(value)
        return base + parts.path
    if isinstance(value, dict):
        return {k: _rehost(v, base) for k, v in value.items()}
    return value


@pytest.mark.parametrize(
    ("venue", "mode", "call", "live_url"),
    [
        ("binance", VenueMode.SANDBOX, "publicGetTime", "https://api.binance.com"),
        ("binance", VenueMode.DEMO, "publicGetTime", "https://api.binance.com"),
        ("bybit", VenueMode.SANDBOX, "publicGetV5MarketTime", "https://api.bybit.com"),
        ("bybit", VenueMode.DEMO, "publicGetV5MarketTime", "https://api.bybit.com"),
        ("gate", VenueMode.SANDBOX, "publicSpotGetTime", "https://api.gateio.ws"),
    ],
)
def test_a_url_left_on_the_live_host_is_never_contacted(
    venue, mode, call, live_url, lookups
) -> None:
    async def go() -> None:
        server = Recorder()
        await server.start()
        session = VenueSession(default_catalogue().get(venue), mode, credentials=CREDS)
        inst = session._new_instance(pro=False)
        try:
            inst.urls["api"] = _rehost(inst.urls["api"], server.url)
            with contextlib.suppress(ccxt.BaseError):  # the reply is no real venue's
                await getattr(inst, call)()  # the test environment's URLs: it arrives
            assert len(server.requests) == 1
            before = list(lookups)
            inst.urls["api"] = _rehost(inst.urls["api"], live_url)  # ccxt "forgot" the swap
            with pytest.raises(LiveHostRefused, match="stopped before sending"):
                await getattr(inst, call)()
            assert lookups == before  # not even a name lookup of the live host
            assert len(server.requests) == 1
        finally:
            await inst.close()
            await server.stop()

    run_async(go())


def test_live_and_paper_sessions_are_not_wrapped() -> None:
    cat = default_catalogue()
    live = VenueSession(cat.get("binance"), VenueMode.LIVE)._new_instance(pro=False)
    assert not hasattr(type(live), "live_hosts_refused")
    testnet = VenueSession(cat.get("binance"), VenueMode.SANDBOX)._new_instance(pro=True)
    assert "api.binance.com" in type(testnet).live_hosts_refused
    assert testnet.isSandboxModeEnabled

    async def close() -> None:
        await live.close()
        await testnet.close()

    run_async(close())
