"""The private half of the feed hub: order, own-trade and balance streams hand each
change to the order service once, and every (re)subscribe of them runs the REST snapshot
and tells the reconnect listeners, because ccxt.pro may miss private events across a
disconnect. Mixed into FeedHub, whose loops call these."""

from __future__ import annotations

import asyncio
import inspect
import logging
import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from terminal.core.errors import VenueError, VenuePayloadError
from terminal.core.supervision import TaskOwner
from terminal.domain.reports import FillReport, OrderReport
from terminal.domain.session import SessionKey

from .errors import scrub
from .feedparts import FeedLoop, SocketLost
from .mapping import fill_from_ccxt, report_from_ccxt
from .wsclients import client_of_task, is_connected

if TYPE_CHECKING:
    from terminal.core.marketstate import MarketState

    from .feedparts import FeedOptions
    from .session import VenueSession

log = logging.getLogger("terminal.exchange.feeds")

OrderListener = Callable[[SessionKey, OrderReport], Any]
FillListener = Callable[[SessionKey, FillReport], Any]
ReconnectListener = Callable[[SessionKey, "list[OrderReport] | None"], Any]


class PrivateStreams:
    """Listeners, delivery and the reconciliation hook of the private streams."""

    state: MarketState
    options: FeedOptions
    _order_listeners: list[OrderListener]
    _fill_listeners: list[FillListener]
    _reconnect_listeners: list[ReconnectListener]
    _reconciling: dict[SessionKey, asyncio.Task]
    _reconcile_again: set[SessionKey]
    _owner: TaskOwner

    # ---- listeners (the order service) ----------------------------------------------------------
    def add_order_listener(self, fn: OrderListener) -> Callable[[], None]:
        """`fn(session, report)` for every order update from watch_orders (sync or async)."""
        self._order_listeners.append(fn)
        return lambda: self._order_listeners.remove(fn) if fn in self._order_listeners else None

    def add_fill_listener(self, fn: FillListener) -> Callable[[], None]:
        """`fn(session, fill)` for every own trade from watch_my_trades (sync or async)."""
        self._fill_listeners.append(fn)
        return lambda: self._fill_listeners.remove(fn) if fn in self._fill_listeners else None

    def add_reconnect_listener(self, fn: ReconnectListener) -> Callable[[], None]:
        """`fn(session, open_orders)` after a private stream (re)connected and the REST
        snapshot (balances into MarketState, open orders) was taken: reconcile then.
        `open_orders` is None when the snapshot failed (fetch what you need yourself)."""
        self._reconnect_listeners.append(fn)
        return lambda: (
            self._reconnect_listeners.remove(fn) if fn in self._reconnect_listeners else None
        )

    async def _notify(self, listeners: Iterable[Callable[..., Any]], *args: Any) -> None:
        for fn in list(listeners):
            try:
                result = fn(*args)
                if inspect.isawaitable(result):
                    await result
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("feed listener %r failed", fn)

    async def _confirm_private(self, pro: Any, task: asyncio.Task) -> None:
        """Wait until the private watch is subscribed (its socket is up), bounded."""
        timeout = self.options.private_connect_timeout_s
        deadline = asyncio.get_running_loop().time() + timeout
        while not task.done():
            client = client_of_task(pro, task)
            if client is not None and is_connected(client):
                break
            if asyncio.get_running_loop().time() > deadline:
                raise SocketLost(f"subscription not confirmed within {timeout:g} s")
            await asyncio.wait({task}, timeout=0.05)
        if not task.done():
            await asyncio.wait({task}, timeout=self.options.private_settle_s)
        if task.done() and task.exception() is not None:
            task.result()  # raise the subscription's error

    # ---- private streams: deliver each change once ----------------------------------------
    async def _deliver_orders(
        self, loop: FeedLoop, session: VenueSession, result: Any, polled: bool
    ) -> None:
        """Every order whose state changed since it was last delivered. ccxt keeps the
        latest state of each order in `pro.orders` and updates it in place, so the whole
        (bounded) cache is scanned: an update that came in between two watch calls is
        delivered now rather than with some later message."""
        cache = None if polled or session.pro is None else getattr(session.pro, "orders", None)
        items = list(cache) if cache is not None else list(result or ())
        seen: dict = loop.seen
        for order in items:
            fingerprint = (
                order.get("status"),
                order.get("filled"),
                order.get("remaining"),
                order.get("average"),
                len(order.get("trades") or ()),
                order.get("lastUpdateTimestamp"),
                order.get("lastTradeTimestamp"),
            )
            oid = (order.get("symbol"), order.get("id"))
            if seen.get(oid) == fingerprint:
                continue
            seen[oid] = fingerprint
            try:
                report = report_from_ccxt(order, secrets=session.secrets)
            except (ValueError, KeyError) as exc:
                log.warning(
                    "%s: unreadable order update skipped: %s",
                    loop.key.label,
                    scrub(str(exc), session.secrets),
                )
                continue
            await self._notify(self._order_listeners, session.key, report)
        if len(seen) > 5000:  # bounded: keep what the cache still holds
            keep = {(o.get("symbol"), o.get("id")) for o in items}
            for oid in [k for k in seen if k not in keep]:
                del seen[oid]

    async def _deliver_fills(
        self, loop: FeedLoop, session: VenueSession, result: Any, polled: bool
    ) -> None:
        """Every own trade not delivered before (by trade id), from ccxt's cache."""
        cache = None if polled or session.pro is None else getattr(session.pro, "myTrades", None)
        items = list(cache) if cache is not None else list(result or ())
        seen: dict = loop.seen
        for trade in items:
            tid = ("trade", trade.get("symbol"), trade.get("id"))
            if trade.get("id") in (None, "") or tid in seen:
                continue
            seen[tid] = True
            try:
                fill = fill_from_ccxt(trade, secrets=session.secrets)
            except VenuePayloadError as exc:
                log.warning("%s: unreadable trade skipped: %s", loop.key.label, exc)
                continue
            if fill is not None:
                await self._notify(self._fill_listeners, session.key, fill)
        if len(seen) > 5000:
            keep = {("trade", t.get("symbol"), t.get("id")) for t in items}
            for tid in [k for k in seen if k not in keep]:
                del seen[tid]

    # ---- private reconciliation hook -----------------------------------------------------------
    def _schedule_reconcile(self, session: VenueSession) -> None:
        """Run the REST snapshot once per burst of private (re)connects."""
        key = session.key
        running = self._reconciling.get(key)
        if running is not None and not running.done():
            self._reconcile_again.add(key)
            return
        task = self._owner.spawn(self._reconcile(session), f"reconcile:{key.label}")
        if task is not None:  # None: the hub is closing
            self._reconciling[key] = task

    async def _reconcile(self, session: VenueSession) -> None:
        key = session.key
        while True:
            # the three private streams (re)connect together: let their triggers coalesce
            await asyncio.sleep(self.options.private_settle_s)
            self._reconcile_again.discard(key)
            open_orders: list[OrderReport] | None = None
            try:
                balances = await session.fetch_balances()
                self.state.update_balances(key, balances)
                open_orders = await session.fetch_open_orders()
            except VenueError as exc:
                session.health.record_error_text(f"reconciliation snapshot failed: {exc}")
                log.warning("%s: reconciliation snapshot failed: %s", key.label, exc)
            await self._notify(self._reconnect_listeners, key, open_orders)
            if key not in self._reconcile_again:
                return


async def answers_ping(client: Any, timeout: float) -> bool:
    """Ping a ccxt.pro client's socket and wait (bounded) for ccxt to see the pong.

    An idle account's private stream is legitimately silent, so silence proves nothing;
    a pong does. A stalled TCP path, a server that stopped writing, or a ccxt receive loop
    that died on a truncated frame (the socket stays open) all fail this. ccxt's own
    keepalive would notice too, but only after two missed 180 s pings on Binance."""
    connection = getattr(client, "connection", None)
    if connection is None or not hasattr(client, "lastPong"):
        return True  # nothing to probe with: the open-socket check must do
    before = client.lastPong
    try:
        await asyncio.wait_for(connection.ping(), timeout)
    except asyncio.CancelledError:
        raise
    except Exception:
        return False
    deadline = time.monotonic() + timeout
    while client.lastPong == before:  # ccxt stamps lastPong when it reads a PONG
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.05)
    return True
