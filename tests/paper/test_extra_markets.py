"""Synthetic markets (--extra-markets) and stress on several symbols at once
(--stress-symbol A,B): what the cost-growth and soak benchmarks run against."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from terminal.paper.cli import build_parser, config_from_args
from terminal.paper.embedded import start_paper_exchange


def test_extra_markets_are_listed_after_the_four_and_bounded(
    capsys: pytest.CaptureFixture[str],
) -> None:
    cfg = config_from_args(build_parser().parse_args(["--extra-markets", "3"]))
    assert [m.symbol for m in cfg.markets] == [
        "BTCUSDT",
        "ETHUSDT",
        "SOLUSDT",
        "ETHBTC",
        "X01USDT",
        "X02USDT",
        "X03USDT",
    ]
    assert len({m.start_price for m in cfg.markets[4:]}) == 3  # each its own price
    assert len(config_from_args(build_parser().parse_args([])).markets) == 4
    for bad in ("100", "-1", "many"):
        with pytest.raises(SystemExit):
            build_parser().parse_args(["--extra-markets", bad])
        assert "0 to 99" in capsys.readouterr().err


def test_stress_on_two_symbols_moves_both_books_at_the_rate(tmp_path: Path) -> None:
    with start_paper_exchange(
        tmp_path,
        rate="calm",
        diffs_per_second=400,
        levels_per_diff=5,
        stress_symbol="ETH/USDT,X01/USDT",
        extra_markets=1,
        backfill=20,
    ) as paper:
        first = {
            s: paper.control.book(s, 1)["lastUpdateId"]
            for s in ("ETH/USDT", "X01/USDT", "SOL/USDT")
        }
        emitted0 = paper.control.stats()["stress_diffs"]
        time.sleep(1.5)
        moved = {s: paper.control.book(s, 1)["lastUpdateId"] - first[s] for s in first}
        emitted = paper.control.stats()["stress_diffs"] - emitted0
    # each stress symbol gets the whole rate; the calm one only its own few diffs
    assert moved["ETH/USDT"] > 200 and moved["X01/USDT"] > 200, moved
    assert moved["SOL/USDT"] < moved["ETH/USDT"] / 4, moved
    assert emitted >= moved["ETH/USDT"] + moved["X01/USDT"] - 50, (emitted, moved)
