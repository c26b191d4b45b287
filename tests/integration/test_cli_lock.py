"""Headless orders to a live venue are refused by the testnet lock before any connection."""

from __future__ import annotations

import socket

import pytest


def test_order_place_to_a_live_venue_is_refused_before_any_network_call(
    tmp_path, capsys, monkeypatch
):
    from terminal.cli import main

    attempts: list[object] = []
    real_connect = socket.socket.connect

    def recording_connect(self, address):  # type: ignore[no-untyped-def]
        attempts.append(address)
        return real_connect(self, address)

    # Record (not fake) every outgoing connection the command makes.
    monkeypatch.setattr(socket.socket, "connect", recording_connect)
    code = main(
        [
            "--data-dir",
            str(tmp_path),
            "order",
            "place",
            "--venue",
            "binance",
            "--mode",
            "live",
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
    )
    out = capsys.readouterr()
    assert code == 1
    assert "testnet_lock" in out.err and "binance" in out.err
    assert attempts == []


@pytest.mark.parametrize("mode", ["sandbox"])
def test_a_sandbox_venue_passes_the_lock(tmp_path, capsys, mode):
    """The lock lets sandbox through: the command gets as far as needing keys."""
    from terminal.cli import main

    code = main(
        [
            "--data-dir",
            str(tmp_path),
            "order",
            "place",
            "--venue",
            "binance",
            "--mode",
            mode,
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
    )
    err = capsys.readouterr().err
    assert code == 1
    assert "testnet_lock" not in err
