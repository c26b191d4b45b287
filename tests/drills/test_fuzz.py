"""The fuzz drill says clearly that hypothesis is missing instead of crashing."""

from __future__ import annotations

import sys

import pytest

from terminal.drills import fuzz
from terminal.drills.result import table


def test_without_hypothesis_the_drill_is_skipped_with_the_reason(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "hypothesis", None)  # import hypothesis -> ImportError
    result = fuzz.run(quick=True)
    assert result.skipped.startswith("hypothesis is not installed")
    assert result.ok and not result.counts
    assert "SKIPPED: hypothesis is not installed" in table([result])
