"""The paper CLI's futures flags: accepted values reach the config, bad ones are refused
with one line."""

from __future__ import annotations

from decimal import Decimal

import pytest

from terminal.paper.cli import build_parser, config_from_args


def test_futures_flags_reach_the_config() -> None:
    cfg = config_from_args(
        build_parser().parse_args(["--funding-speed", "14400", "--futures-wallet", "2500.5"])
    )
    assert cfg.funding_speed == 14400 and cfg.futures_wallet == Decimal("2500.5")
    default = config_from_args(build_parser().parse_args([]))
    assert default.funding_speed == 1 and default.futures_wallet == 100000


@pytest.mark.parametrize(
    "argv",
    [
        ["--funding-speed", "0"],
        ["--funding-speed", "-2"],
        ["--funding-speed", "nan"],
        ["--funding-speed", "inf"],
        ["--funding-speed", "fast"],
        ["--futures-wallet", "-5"],
        ["--futures-wallet", "nan"],
        ["--futures-wallet", "lots"],
    ],
)
def test_bad_futures_flags_are_refused_in_one_line(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as e:
        build_parser("trading-terminal paper").parse_args(argv)
    assert e.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("trading-terminal paper: error: argument " + argv[0])
    assert "Traceback" not in "".join(err)
