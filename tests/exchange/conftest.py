"""Fixtures of the exchange-layer tests: one paper exchange (faults on) per test module.

A child process per module keeps the suite quick; every test gets it with faults cleared
and the market generator running, so tests stay independent.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from terminal.exchange.session import PaperEndpoint, SessionOptions
from terminal.paper.embedded import PaperExchangeHandle, start_paper_exchange

# ccxt's limiter stays on, spaced for tests; no heartbeat unless a test wants one
FAST = SessionOptions(rate_limit_ms=5, heartbeat_s=0, timeout_ms=5_000)


@pytest.fixture(scope="module")
def paper_module(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PaperExchangeHandle]:
    handle = start_paper_exchange(
        tmp_path_factory.mktemp("paper-exchange-layer"), faults=True, rate="calm", backfill=600
    )
    try:
        yield handle
    finally:
        handle.stop()


@pytest.fixture
def paper(paper_module: PaperExchangeHandle) -> Iterator[PaperExchangeHandle]:
    assert paper_module.alive(), f"paper exchange died, see {paper_module.log_path}"
    paper_module.control.clear_faults()
    paper_module.control.resume()
    yield paper_module
    if paper_module.alive():
        paper_module.control.clear_faults()
        paper_module.control.resume()


@pytest.fixture
def endpoint(paper: PaperExchangeHandle) -> PaperEndpoint:
    return PaperEndpoint(paper.url, tuple(paper.accounts))


def open_sockets() -> int:
    """Sockets this process holds open (Linux /proc)."""
    n = 0
    for fd in os.listdir("/proc/self/fd"):
        try:
            if os.readlink(f"/proc/self/fd/{fd}").startswith("socket:"):
                n += 1
        except OSError:
            pass
    return n
