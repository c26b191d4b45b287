"""The venue catalogue, read from the ccxt classes without any network."""

from __future__ import annotations

import socket

import pytest

from terminal.core.marketstate import FeedKind
from terminal.domain.enums import VenueMode
from terminal.exchange.catalogue import (
    DEFAULT_VENUES,
    UnknownVenueError,
    VenueCatalogue,
    build_venue_info,
    default_catalogue,
    paper_live_info,
    read_ccxt_facts,
)

ALL_FEEDS = frozenset(FeedKind)


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any attempt to open a connection fails the test."""

    def refuse(*args, **kwargs):
        raise AssertionError(f"network used: {args!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)


@pytest.mark.parametrize("venue,ccxt_id", DEFAULT_VENUES)
def test_every_venue_is_read_from_its_ccxt_class_without_network(
    venue: str, ccxt_id: str, no_network: None
) -> None:
    import ccxt.async_support as ccxt_async
    import ccxt.pro as ccxt_pro

    info = build_venue_info(venue, ccxt_id)
    rest = getattr(ccxt_async, ccxt_id)()
    pro = getattr(ccxt_pro, ccxt_id)()
    # the facts are ccxt's, not ours; a "testnet" on a live host is not one
    live_hosts = repr(rest.urls.get("api")).replace("{hostname}", str(rest.hostname))
    test_hosts = repr(rest.urls.get("test")).replace("{hostname}", str(rest.hostname))
    assert info.sandbox is (bool(rest.urls.get("test")) and test_hosts != live_hosts)
    assert info.credentials == tuple(k for k, v in rest.requiredCredentials.items() if v)
    # an exchange key pair, or (Hyperliquid) a wallet address and an API wallet's key
    assert {"apiKey", "secret"} <= set(info.credentials) or set(info.credentials) == {
        "walletAddress",
        "privateKey",
    }
    assert info.ws_feeds == frozenset(
        k
        for k, m in {
            FeedKind.BOOK: "watchOrderBook",
            FeedKind.TRADES: "watchTrades",
            FeedKind.CANDLES: "watchOHLCV",
            FeedKind.TICKER: "watchTicker",
            FeedKind.BALANCE: "watchBalance",
            FeedKind.ORDERS: "watchOrders",
            FeedKind.MY_TRADES: "watchMyTrades",
        }.items()
        if pro.has.get(m)
    )
    assert info.rate_limit_ms == float(rest.rateLimit)
    assert info.modes == (VenueMode.LIVE,) + ((VenueMode.SANDBOX,) if info.sandbox else ()) + (
        (VenueMode.DEMO,) if info.demo else ()
    )
    assert info.default_mode() is (
        VenueMode.SANDBOX if info.sandbox else VenueMode.DEMO if info.demo else VenueMode.LIVE
    )
    assert not info.points_at_paper


def test_known_test_environments_and_credentials_of_ccxt_4_5() -> None:
    cat = default_catalogue()
    with_testnet = {v.id for v in cat if v.sandbox}
    # OKX's ccxt "sandbox" is its live host plus a header: a demo, never a testnet
    assert with_testnet == {"binance", "bybit", "gate", "hyperliquid"}
    assert {v.id for v in cat if v.demo} == {"binance", "bybit", "okx", "bitget"}
    assert {v.id: v.demo_header for v in cat if v.demo_header} == {
        "okx": "x-simulated-trading",
        "bitget": "PAPTRADING",
    }
    for venue in ("kraken", "coinbase", "kucoin", "mexc", "htx"):
        info = cat.get(venue)
        assert not info.sandbox and not info.demo  # reported as live only
        assert info.modes == (VenueMode.LIVE,)
        assert not info.is_test_environment_available
    assert "password" in cat.get("okx").credentials
    assert cat.get("okx").credential_labels == ("API key", "secret", "passphrase")
    assert (
        "password" in cat.get("kucoin").credentials and "password" in cat.get("bitget").credentials
    )
    coinbase = cat.get("coinbase")
    assert coinbase.ws_feeds == {FeedKind.BOOK, FeedKind.TRADES, FeedKind.TICKER, FeedKind.ORDERS}
    assert not coinbase.has_ws(FeedKind.CANDLES)
    assert cat.get("binance").ws_feeds == ALL_FEEDS


def test_paper_entry_and_order_of_the_catalogue() -> None:
    cat = default_catalogue()
    assert cat.ids() == ["paper", *[v for v, _ in DEFAULT_VENUES]]
    paper = cat.get("paper")
    assert paper.ccxt_id == "binance" and paper.points_at_paper
    assert paper.modes == (VenueMode.PAPER,) and paper.is_test_environment_available
    assert paper.ws_feeds == ALL_FEEDS


def test_polling_interval_respects_the_venue_rate_limit() -> None:
    cat = default_catalogue()
    # Kraken spaces requests by 3 s in ccxt: a polled feed must not poll faster than 4x that
    kraken = cat.get("kraken")
    assert kraken.poll_interval(FeedKind.BOOK) >= 4 * kraken.rate_limit_ms / 1000
    coinbase = cat.get("coinbase")
    assert coinbase.poll_interval(FeedKind.CANDLES) >= 5.0
    assert coinbase.poll_interval(FeedKind.BOOK) >= 1.0


def test_registering_a_live_entry_that_points_at_paper() -> None:
    cat = default_catalogue()
    info = cat.register(paper_live_info())
    assert cat.get("paperlive") is info
    assert info.modes == (VenueMode.LIVE,) and info.points_at_paper
    assert not info.sandbox and not info.is_test_environment_available
    with pytest.raises(ValueError):
        cat.register(paper_live_info())
    cat.register(paper_live_info(), replace_existing=True)
    assert "paperlive" not in default_catalogue()  # each call gives a fresh catalogue


def test_unknown_venue_is_a_clear_error() -> None:
    with pytest.raises(UnknownVenueError, match="unknown venue 'nowhere'"):
        VenueCatalogue().get("nowhere")


def test_read_facts_of_a_class_without_a_testnet(no_network: None) -> None:
    facts = read_ccxt_facts("kraken")
    assert facts["sandbox"] is False and facts["demo"] is False


def test_venues_command_prints_the_table(capsys: pytest.CaptureFixture[str]) -> None:
    import argparse

    from terminal.cli import venues_cmd

    assert venues_cmd.run(argparse.Namespace(json=False), None) == 0  # type: ignore[arg-type]
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0].split() == ["id", "name", "sandbox", "credentials", "WebSocket", "feeds"]
    row = {line.split()[0]: line for line in lines[2:14]}
    assert set(row) == {"paper", *[v for v, _ in DEFAULT_VENUES]}
    assert " no " in row["kraken"] and "passphrase" in row["okx"]
    assert "demo (header)" in row["okx"] and "testnet" not in row["okx"]
    assert "demo (header)" in row["bitget"]
    assert "(4/7)" in row["coinbase"] and "all 7" in row["binance"]


def test_venues_command_json(capsys: pytest.CaptureFixture[str]) -> None:
    import argparse
    import json

    from terminal.cli import venues_cmd

    assert venues_cmd.run(argparse.Namespace(json=True), None) == 0  # type: ignore[arg-type]
    data = {r["id"]: r for r in json.loads(capsys.readouterr().out)}
    assert data["gate"]["sandbox"] == "testnet"
    assert data["coinbase"]["rest_polled"] == ["candles", "balance", "my_trades"]
