"""`trading-terminal bench` refuses bad arguments with one line before running anything."""

from __future__ import annotations

from pathlib import Path

import pytest

from terminal.cli import main


def test_unknown_benchmark_is_refused_with_the_known_names(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["bench", "--only", "nope"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "no benchmark named nope" in err[0] and "orders" in err[0]


def test_json_into_a_missing_directory_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "nowhere" / "b.json"
    assert main(["bench", "--json", str(target)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "no such directory" in err[0]
    assert not target.parent.exists()
