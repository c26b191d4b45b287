"""Fixtures of the paper-on-live tests: one paper exchange (the "live" venue) per module,
its generator paused so only the trades a test makes happen."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from terminal.paper.embedded import PaperExchangeHandle, start_paper_exchange


@pytest.fixture(scope="module")
def venue(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PaperExchangeHandle]:
    handle = start_paper_exchange(tmp_path_factory.mktemp("live-venue"), rate="calm")
    handle.control.pause()
    try:
        yield handle
    finally:
        handle.stop()
