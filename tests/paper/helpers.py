"""Shared helpers of the paper tests: bounded waits and book checkpoints."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

from terminal.paper.control_client import PaperControl


async def until(pred: Callable[[], Any], timeout: float, what: str) -> None:
    """Poll ``pred`` every 20 ms; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not pred():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


async def checkpoint(ex: Any, ctl: PaperControl, symbol: str) -> int:
    """Pause the market, wait until ccxt's book reached the engine's update id, compare
    every level, resume. Returns the number of levels compared."""
    paused = await asyncio.to_thread(ctl.pause)
    try:
        uid = paused["update_ids"][symbol.replace("/", "")]
        await until(
            lambda: symbol in ex.orderbooks and ex.orderbooks[symbol]["nonce"] == uid,
            10,
            f"ccxt book to reach update id {uid}",
        )
        server = await asyncio.to_thread(ctl.book, symbol)
        assert server["lastUpdateId"] == uid
        mine = ex.orderbooks[symbol]
        assert [[float(p), float(q)] for p, q in server["bids"]] == [
            list(x[:2]) for x in mine["bids"]
        ]
        assert [[float(p), float(q)] for p, q in server["asks"]] == [
            list(x[:2]) for x in mine["asks"]
        ]
    finally:
        await asyncio.to_thread(ctl.resume)
    return len(server["bids"]) + len(server["asks"])
