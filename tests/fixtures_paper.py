"""Paper-exchange fixtures for every test suite (registered in tests/conftest.py).

- ``paper_exchange``: a fresh embedded paper exchange (child process, free port, tmp data
  dir, faults ENABLED, calm market); yields a ``PaperExchangeHandle``; stopped afterwards.
  ``handle.url``, ``handle.accounts[0]`` == (api_key, secret), ``handle.control`` (the
  /_paper control API: pause/resume, book, force_trade, faults...).
- ``paper_exchange_factory``: ``start(**kwargs)`` with ``start_paper_exchange`` options
  (``rate=``, ``orders_per_10s=``, ``weight_per_minute=``, ``accounts=``, ``faults=``...);
  everything started is stopped at teardown.
- ``paper_exchange_shared``: one server for the whole session (faults disabled): use it
  for read-mostly tests that do not care about balances or injected faults.

ccxt helpers (async context managers; the exchange is closed on exit, even on error)::

    async with paper_rest(handle) as ex:        # ccxt.async_support.binance
        await ex.load_markets()
    async with paper_pro(handle) as ex:         # ccxt.pro.binance
        ob = await ex.watch_order_book("BTC/USDT")

No asyncio pytest plugin is installed: run coroutines with ``run_async(coro, timeout=...)``,
which bounds them in time.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest

from terminal.paper.ccxt_compat import paper_ccxt_config, point_ccxt_at
from terminal.paper.embedded import PaperExchangeHandle, start_paper_exchange

T = TypeVar("T")

__all__ = ["PaperExchangeHandle", "paper_pro", "paper_rest", "run_async"]


def run_async(coro: Awaitable[T], timeout: float = 60.0) -> T:
    """Run ``coro`` on a fresh event loop, failing after ``timeout`` seconds."""

    async def bounded() -> T:
        return await asyncio.wait_for(coro, timeout)

    return asyncio.run(bounded())


def _config(
    handle: PaperExchangeHandle, account: int | tuple[str, str] | None, overrides: dict[str, Any]
) -> dict[str, Any]:
    if account is None:
        key = secret = None
    elif isinstance(account, tuple):
        key, secret = account
    else:
        key, secret = handle.accounts[account]
    cfg = paper_ccxt_config(key, secret)
    cfg["rateLimit"] = 1  # the server enforces Binance's limits; tests need no client pacing
    cfg["timeout"] = 10_000
    for k, v in overrides.items():
        if k == "options":
            cfg["options"].update(v)
        else:
            cfg[k] = v
    return cfg


@contextlib.asynccontextmanager
async def paper_rest(
    handle: PaperExchangeHandle, account: int | tuple[str, str] | None = 0, **overrides: Any
) -> AsyncIterator[Any]:
    """A ``ccxt.async_support.binance`` pointed at ``handle`` (closed on exit)."""
    import ccxt.async_support as ccxt_async

    ex = point_ccxt_at(ccxt_async.binance(_config(handle, account, overrides)), handle.url)
    try:
        yield ex
    finally:
        await ex.close()


@contextlib.asynccontextmanager
async def paper_pro(
    handle: PaperExchangeHandle, account: int | tuple[str, str] | None = 0, **overrides: Any
) -> AsyncIterator[Any]:
    """A ``ccxt.pro.binance`` pointed at ``handle`` (closed on exit)."""
    import ccxt.pro as ccxt_pro

    ex = point_ccxt_at(ccxt_pro.binance(_config(handle, account, overrides)), handle.url)
    try:
        yield ex
    finally:
        await ex.close()


@pytest.fixture
def paper_exchange_factory(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Callable[..., PaperExchangeHandle]]:
    started: list[PaperExchangeHandle] = []

    def start(data_dir: Path | None = None, **kwargs: Any) -> PaperExchangeHandle:
        kwargs.setdefault("faults", True)
        kwargs.setdefault("rate", "calm")
        d = data_dir or tmp_path_factory.mktemp("paper")
        h = start_paper_exchange(d, **kwargs)
        started.append(h)
        return h

    yield start
    for h in started:
        h.stop()


@pytest.fixture
def paper_exchange(
    paper_exchange_factory: Callable[..., PaperExchangeHandle],
) -> PaperExchangeHandle:
    return paper_exchange_factory()


@pytest.fixture(scope="session")
def paper_exchange_shared(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[PaperExchangeHandle]:
    h = start_paper_exchange(tmp_path_factory.mktemp("paper-shared"), faults=False, rate="calm")
    try:
        yield h
    finally:
        h.stop()
