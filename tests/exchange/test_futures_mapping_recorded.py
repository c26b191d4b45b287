"""Position rows of Bybit, OKX, Bitget and Hyperliquid, recorded in each venue's own
format (see `_source` in recordings/futures_positions.json for where each came from),
parsed by the real ccxt class of the venue and mapped to the terminal's Position: every
figure is the venue's text as a Decimal; what the row does not carry stays unknown
(None) rather than being filled with a guess."""

from __future__ import annotations

import json
from decimal import Decimal as D
from pathlib import Path
from typing import Any

import ccxt
import pytest

from terminal.domain.position import MarginMode, PositionSide
from terminal.exchange.futures_mapping import FuturesMappingError, position_from_ccxt

RECORDED = json.loads((Path(__file__).parent / "recordings" / "futures_positions.json").read_text())


def contract(market_id: str, symbol: str, base: str, size: float = 1.0, **extra: Any) -> dict:
    quote = symbol.split("/")[1].split(":")[0]
    return {
        "id": market_id, "symbol": symbol, "base": base, "quote": quote, "settle": quote,
        "baseId": base, "quoteId": quote, "settleId": quote, "type": "swap", "spot": False,
        "swap": True, "future": False, "option": False, "margin": False, "linear": True,
        "inverse": False,
        "contract": True, "contractSize": size, "active": True, "limits": {},
        "precision": {"amount": 0.001, "price": 0.01}, "info": {}, **extra,
    }  # fmt: skip


def parsed(venue: str) -> dict:
    ex = getattr(ccxt, venue)()
    markets = {
        "bybit": [contract("ETHUSDT", "ETH/USDT:USDT", "ETH")],
        "okx": [contract("BTC-USDT-SWAP", "BTC/USDT:USDT", "BTC", 0.01)],
        "bitget": [contract("BTCUSDT", "BTC/USDT:USDT", "BTC")],
        "hyperliquid": [
            contract("1", "ETH/USDC:USDC", "ETH", baseName="ETH", info={"name": "ETH"})
        ],
    }[venue]
    ex.set_markets(markets)
    return ex.parse_position(RECORDED[venue])


def test_bybit_linear_row() -> None:
    p = position_from_ccxt(parsed("bybit"))
    assert p is not None
    assert (str(p.symbol), p.side, p.size, p.entry_price) == (
        "ETH/USDT:USDT", PositionSide.LONG, D("0.1"), D("1198.45"),
    )  # fmt: skip
    assert p.leverage == D("4.2") and p.liquidation_price == D("919.1")
    assert p.unrealized_pnl == D("0.083")
    # the row has no mark price and ccxt reads no margin mode from it: unknown, not guessed
    assert p.mark_price is None and p.notional is None and p.margin_mode is None
    assert p.margin_ratio_percent(D(1000)) is None


def test_okx_swap_row_counts_contracts_of_its_size() -> None:
    p = position_from_ccxt(parsed("okx"))
    assert p is not None
    assert (p.side, p.size, p.contract_size, p.base_size) == (
        PositionSide.LONG, D(1), D("0.01"), D("0.01"),
    )  # fmt: skip
    assert p.entry_price == D("34131.1") and p.mark_price == D("4786.459271773621")
    assert p.leverage == D(2) and p.margin_mode is MarginMode.CROSS
    assert p.liquidation_price == D("12608.959083877446")
    assert p.notional == D("0.01") * D("4786.459271773621")


def test_bitget_hedge_row() -> None:
    p = position_from_ccxt(parsed("bitget"))
    assert p is not None
    assert (p.side, p.size, p.entry_price, p.mark_price) == (
        PositionSide.LONG, D("0.002"), D("37355.5"), D(37359),
    )  # fmt: skip
    assert p.margin_mode is MarginMode.CROSS and p.leverage == D(20) and p.hedged
    assert p.unrealized_pnl == D("0.007") and p.liquidation_price == D("31724.970702417")


def test_hyperliquid_isolated_row() -> None:
    p = position_from_ccxt(parsed("hyperliquid"))
    assert p is not None
    assert (str(p.symbol), p.side, p.size, p.entry_price) == (
        "ETH/USDC:USDC", PositionSide.LONG, D("0.2259"), D("2213.9"),
    )  # fmt: skip
    assert p.margin_mode is MarginMode.ISOLATED and p.leverage == D(20)
    assert p.isolated_wallet == D("24.88097") and p.margin == D("24.88097")
    assert p.liquidation_price == D("2125.00856238")
    assert p.mark_price == D("2213.9")  # ccxt: positionValue / size


def test_a_row_without_a_side_or_size_is_a_venue_fault() -> None:
    row = dict(parsed("bitget"))
    row["side"] = None
    with pytest.raises(FuturesMappingError, match="with side None"):
        position_from_ccxt(row)
    row = dict(parsed("bitget"))
    row["contracts"] = None
    with pytest.raises(FuturesMappingError, match="position without contracts"):
        position_from_ccxt(row)
