"""Which venues offer USDT-margined perpetuals, in which environments, and that a perp
session's ccxt client is built for the venue's test host with linear markets only."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from terminal.domain.enums import VenueMode
from terminal.domain.session import MarketType
from terminal.exchange.catalogue import default_catalogue
from terminal.exchange.futures_session import FuturesSession
from terminal.exchange.session import VenueSession

CREDS = {
    "apiKey": "perp-key-0123456789",
    "secret": "perp-secret-0123456789",
    "password": "perp-pass-0123",
}
HL_CREDS = {"walletAddress": "0x" + "ab" * 20, "privateKey": "0x" + "1f" * 32}
L, S, DM, P = VenueMode.LIVE, VenueMode.SANDBOX, VenueMode.DEMO, VenueMode.PAPER


def test_perp_environments_per_venue() -> None:
    cat = default_catalogue()
    expected = {
        "paper": (P,),
        "binance": (L, DM),  # ccxt refuses a futures sandbox: demo trading only
        "bybit": (L, S, DM),
        "okx": (L, DM),
        "bitget": (L, DM),
        "hyperliquid": (L, S),
    }
    for info in cat:
        assert info.modes_for(MarketType.PERP) == expected.get(info.id, ()), info.id
        assert info.modes_for(MarketType.SPOT) == info.modes
    hl = cat.get("hyperliquid")
    assert set(hl.credentials) == {"walletAddress", "privateKey"} and hl.sandbox


def test_a_perp_session_refuses_an_environment_the_venue_has_no_perpetuals_in() -> None:
    cat = default_catalogue()
    with pytest.raises(
        ValueError, match=r"binance perp cannot be connected in sandbox mode \(offers: live, demo\)"
    ):
        FuturesSession(cat.get("binance"), S, credentials=CREDS)
    with pytest.raises(
        ValueError, match=r"kraken perp cannot be connected in live mode \(offers: none\)"
    ):
        FuturesSession(cat.get("kraken"), L, credentials=CREDS)
    # the spot session of the same venue is unaffected
    assert VenueSession(cat.get("binance"), S, credentials=CREDS).key.market is MarketType.SPOT


@pytest.mark.parametrize(
    ("venue", "mode", "creds", "host_key", "test_host"),
    [
        ("binance", DM, CREDS, "fapiPrivate", "demo-fapi.binance.com"),
        ("bybit", S, CREDS, "private", "api-testnet.bybit.com"),
        ("bybit", DM, CREDS, "private", "api-demo.bybit.com"),
        ("hyperliquid", S, HL_CREDS, "public", "api.hyperliquid-testnet.xyz"),
    ],
)
def test_perp_client_uses_the_test_host_and_linear_markets(
    venue, mode, creds, host_key, test_host
) -> None:
    s = FuturesSession(default_catalogue().get(venue), mode, credentials=creds)
    assert s.key.label.endswith("/perp")
    inst = s._new_instance(pro=False)
    url = inst.urls["api"][host_key].replace("{hostname}", inst.hostname or "")
    assert urlsplit(url).hostname == test_host
    assert inst.options["defaultType"] in ("future", "swap")
    types = inst.options["fetchMarkets"]["types"]
    assert types in (["linear"], ["swap"]), types


@pytest.mark.parametrize("venue", ["okx", "bitget"])
def test_header_demo_perp_client_is_the_guarded_one(venue) -> None:
    s = FuturesSession(default_catalogue().get(venue), DM, credentials=CREDS)
    inst = s._new_instance(pro=False)
    assert type(inst).__module__ == "terminal.exchange.demo_guard"
    assert inst.options["defaultType"] == "swap"
    assert inst.options["fetchMarkets"]["types"] == ["swap"]
