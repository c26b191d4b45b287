"""The storage drill: two instances, full disk, read-only disk and a corrupted file, each
refused in one line with nothing acknowledged lost (real worker processes; the disks
are tmpfs mounts when root)."""

from __future__ import annotations

import os

import pytest

from terminal.drills.storage import run

pytestmark = [pytest.mark.slow, pytest.mark.timeout(240)]


def test_storage_drill_counts_hold():
    result = run(quick=True)
    counts = {c.name: c for c in result.counts}
    assert not result.error, result.error
    assert all(c.ok for c in result.counts), [c for c in result.counts if not c.ok]
    for case in (
        "two instances, SQLite: second instance refused in one line, naming the holder",
        "full disk: acknowledged intents lost",
        "corrupted file: bytes changed by the refused start",
    ):
        assert case in counts
    if os.geteuid() == 0:  # a tmpfs can be mounted: the read-only disk is drilled too
        assert "read-only disk: refused in one line with the reason" in counts
    if os.environ.get("CI"):
        assert "two instances, PostgreSQL: acknowledged intents lost" in counts
