"""A paper exchange per test module for the futures tests, and ccxt clients on its /fapi."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from terminal.paper.ccxt_compat import paper_futures_ccxt_config, point_futures_ccxt_at
from terminal.paper.embedded import PaperExchangeHandle, start_paper_exchange

KEYS = [
    ("fut-key-1", "fut-secret-1"),
    ("fut-key-2", "fut-secret-2"),
    ("fut-key-3", "fut-secret-3"),
    ("fut-key-4", "fut-secret-4"),
]


@pytest.fixture(scope="module")
def futures_module(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PaperExchangeHandle]:
    h = start_paper_exchange(tmp_path_factory.mktemp("paper-fut"), faults=True, accounts=KEYS)
    try:
        yield h
    finally:
        h.stop()


def _config(h: PaperExchangeHandle, account: int) -> dict[str, Any]:
    key, secret = h.accounts[account]
    cfg = paper_futures_ccxt_config(key, secret)
    cfg["rateLimit"] = 1
    cfg["timeout"] = 10_000
    return cfg


@contextlib.asynccontextmanager
async def futures_rest(
    h: PaperExchangeHandle, account: int = 0, cls: str = "binanceusdm"
) -> AsyncIterator[Any]:
    """The real ``ccxt.async_support.binanceusdm`` (or ``binance``, with defaultType
    'future' from the config) pointed at the paper exchange."""
    import ccxt.async_support as ccxt_async

    ex = point_futures_ccxt_at(getattr(ccxt_async, cls)(_config(h, account)), h.url)
    try:
        yield ex
    finally:
        await ex.close()


@contextlib.asynccontextmanager
async def futures_pro(h: PaperExchangeHandle, account: int = 0) -> AsyncIterator[Any]:
    """The real ``ccxt.pro.binanceusdm`` pointed at the paper exchange."""
    import ccxt.pro as ccxt_pro

    ex = point_futures_ccxt_at(ccxt_pro.binanceusdm(_config(h, account)), h.url)
    try:
        yield ex
    finally:
        await ex.close()
