"""Module-scoped paper exchange for the paper tests (one child process per module)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from terminal.paper.embedded import PaperExchangeHandle, start_paper_exchange


@pytest.fixture(scope="module")
def paper_module(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PaperExchangeHandle]:
    h = start_paper_exchange(
        tmp_path_factory.mktemp("paper-mod"),
        faults=True,
        accounts=[("test-key-1", "test-secret-1"), ("test-key-2", "test-secret-2")],
    )
    try:
        yield h
    finally:
        h.stop()


@pytest.fixture
def paused(paper_module: PaperExchangeHandle) -> Iterator[PaperExchangeHandle]:
    """No simulated trades while the test runs: only forced trades move the price."""
    paper_module.control.pause()
    try:
        yield paper_module
    finally:
        paper_module.control.resume()
