"""Finding and closing the ccxt.pro WebSocket client behind one pending watch call.

ccxt.pro does not reconnect by itself and pings only every 180 s, so a stalled socket
(open, but silent) can look alive for minutes. The feed watchdog must close exactly the
socket its feed is waiting on, so the next watch call dials a fresh one.

A feed's client is found by name: ccxt keys a client's `subscriptions` and pending
`futures` by message hashes that carry the feed's kind and the unified symbol (or the
venue's market id), e.g. 'orderbook::BTC/USDT', 'ohlcv::BTC/USDT::1m' on Binance. When a
task blocks directly on a client future (single-hash watches) the task's waiter
identifies the client exactly. Failing both, every client with a pending future is
closed: a stalled session is better reset whole than left silent.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from typing import Any

log = logging.getLogger(__name__)


def client_of_task(pro: Any, task: asyncio.Task) -> Any | None:
    """The ccxt client whose future `task` is currently awaiting, if it can be seen."""
    waiter = getattr(task, "_fut_waiter", None)  # CPython: the future a task blocks on
    if waiter is None:
        return None
    for client in list((getattr(pro, "clients", None) or {}).values()):
        futures = getattr(client, "futures", None) or {}
        for fut in list(futures.values()):
            if fut is waiter:
                return client
    return None


KIND_WORDS: dict[str, tuple[str, ...]] = {
    "book": ("orderbook", "book", "depth"),
    "trades": ("trade",),
    "candles": ("ohlcv", "kline", "candle"),
    "ticker": ("ticker",),
}


def clients_for_feed(
    pro: Any, kind: str, names: Iterable[str], timeframe: str | None = None
) -> list[Any]:
    """Clients whose subscription or pending message hashes name this feed: one of the
    kind's words, one of `names` (unified symbol, market id) and the timeframe."""
    words = KIND_WORDS.get(kind, (kind,))
    names = [n.lower() for n in names if n]
    out = []
    for client in list((getattr(pro, "clients", None) or {}).values()):
        hashes = [str(k).lower() for k in (getattr(client, "subscriptions", None) or {})]
        hashes += [str(k).lower() for k in (getattr(client, "futures", None) or {})]
        for h in hashes:
            if (
                any(w in h for w in words)
                and any(n in h for n in names)
                and (timeframe is None or timeframe.lower() in h)
            ):
                out.append(client)
                break
    return out


def clients_waiting(pro: Any) -> list[Any]:
    return [
        c
        for c in list((getattr(pro, "clients", None) or {}).values())
        if getattr(c, "futures", None)
    ]


def is_connected(client: Any) -> bool:
    connected = getattr(client, "connected", None)
    if connected is None or not connected.done() or connected.cancelled():
        return False
    return connected.exception() is None and not client.closed()


async def close_clients(pro: Any, clients: Iterable[Any], timeout: float = 3.0) -> int:
    """Close `clients` and drop them from `pro.clients` so the next watch dials anew."""
    n = 0
    for client in list(clients):
        url = getattr(client, "url", None)
        try:
            await asyncio.wait_for(client.close(), timeout)
        except Exception as exc:  # a broken socket may fail to close politely
            log.debug("closing ws client %s: %s", url, exc)
        registry = getattr(pro, "clients", None)
        if registry is not None and url in registry and registry[url] is client:
            del registry[url]
        n += 1
    return n
