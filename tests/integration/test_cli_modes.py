"""Headless commands: a real venue's default mode is its testnet or demo, never live; a
venue without keys is not contacted; an unknown symbol is refused in our words."""

from __future__ import annotations

import socket

import pytest


@pytest.fixture
def connections(monkeypatch):
    """Every outgoing connection the command makes (recorded, not faked)."""
    attempts: list[object] = []
    real_connect = socket.socket.connect

    def recording_connect(self, address):  # type: ignore[no-untyped-def]
        attempts.append(address)
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", recording_connect)
    return attempts


PLACE = [
    "order",
    "place",
    "--symbol",
    "BTC/USDT",
    "--side",
    "buy",
    "--type",
    "limit",
    "--amount",
    "0.01",
    "--price",
    "25000",
]


def test_okx_defaults_to_demo_and_without_keys_nothing_is_sent(
    tmp_path, capsys, monkeypatch, connections
):
    from terminal.cli import main

    for name in ("TT_OKX_DEMO_API_KEY", "TT_OKX_DEMO_SECRET", "TT_OKX_DEMO_PASSPHRASE"):
        monkeypatch.delenv(name, raising=False)
    code = main(["--data-dir", str(tmp_path), *PLACE, "--venue", "okx"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 1
    assert err == [
        (
            "trading-terminal order: error: okx: no API keys stored for demo (account "
            "default); save them with Venue > Connect in the app, or set "
            "TT_OKX_DEMO_API_KEY and TT_OKX_DEMO_SECRET"
        )
    ]
    assert connections == []


def test_a_live_only_venue_needs_mode_live_named(tmp_path, capsys, connections):
    from terminal.cli import main

    code = main(["--data-dir", str(tmp_path), *PLACE, "--venue", "kraken"])
    err = capsys.readouterr().err
    assert code == 1
    assert "kraken has no testnet or demo; a live order needs --mode live" in err
    assert connections == []
    code = main(["--data-dir", str(tmp_path), *PLACE, "--venue", "kraken", "--mode", "live"])
    assert code == 1 and "testnet_lock" in capsys.readouterr().err  # and the lock says no
    assert connections == []


def test_binance_defaults_to_its_testnet(tmp_path, capsys, monkeypatch, connections):
    from terminal.cli import main

    for name in ("TT_BINANCE_SANDBOX_API_KEY", "TT_BINANCE_SANDBOX_SECRET"):
        monkeypatch.delenv(name, raising=False)
    code = main(["--data-dir", str(tmp_path), *PLACE, "--venue", "binance"])
    assert code == 1
    assert "no API keys stored for sandbox" in capsys.readouterr().err


def test_an_unknown_symbol_is_refused_in_our_words(tmp_path, capsys):
    from terminal.cli import main

    code = main(
        [
            "--data-dir",
            str(tmp_path),
            "order",
            "place",
            "--venue",
            "paper",
            "--symbol",
            "FOO/USDT",
            "--side",
            "buy",
            "--type",
            "limit",
            "--amount",
            "0.01",
            "--price",
            "25000",
        ]
    )
    err = capsys.readouterr().err
    assert code == 1
    assert "paper has no spot market FOO/USDT" in err
    assert "does not have market symbol" not in err and "binance" not in err


def test_the_stop_sweeps_a_real_venue_where_the_money_is(
    tmp_path, capsys, monkeypatch, connections
):
    """Unlike the trading commands, `stop --venue V` sweeps V's live account."""
    from terminal.cli import main

    for name in ("TT_BINANCE_LIVE_API_KEY", "TT_BINANCE_LIVE_SECRET"):
        monkeypatch.delenv(name, raising=False)
    code = main(["--data-dir", str(tmp_path), "stop", "--no-paper", "--venue", "binance"])
    out = capsys.readouterr().out
    assert code == 1
    assert "binance: INCOMPLETE, not connected: binance: no API keys stored for live" in out
    assert connections == []
    assert main(["--data-dir", str(tmp_path), "stop", "--reset", "--yes"]) == 0
