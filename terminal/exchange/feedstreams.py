"""How one feed loop reads its stream: watch the ccxt.pro stream (with the staleness
watchdog, or the socket check and ping of a silent private stream) or poll REST, back-fill
from REST before the stream, and store each result in MarketState or hand it to the
private streams' listeners. The loop itself (subscribe again after a failure) is in
`feeds`.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

from terminal.core.marketstate import FeedKey, FeedKind, FeedStatus, MarketState
from terminal.core.policy import Backoff

from .feedcalls import poll_once, watch_call
from .feedparts import (
    MAX_STALE_FACTOR,
    FeedFault,
    FeedLoop,
    FeedOptions,
    SocketLost,
    StaleFeed,
    check_book,
    feed_clients,
    message_count,
)
from .mapping import balances_from_ccxt, candle_from_ccxt, ticker_from_ccxt, trade_from_ccxt
from .private_feeds import PrivateStreams, answers_ping
from .session import VenueSession
from .wsclients import client_of_task, clients_waiting, close_clients, is_connected

# what reading a venue value wrongly typed, missing or not a number raises
PARSE_ERRORS = (ValueError, TypeError, KeyError, IndexError, ArithmeticError)


class FeedStreams(PrivateStreams):
    """Reading and storing a loop's stream (mixed into `FeedHub`, which owns the loops)."""

    state: MarketState
    options: FeedOptions
    _loops: dict[FeedKey, FeedLoop]
    _set_status: Callable[..., None]

    # -- WebSocket --------------------------------------------------------------------------
    async def _run_ws(self, loop: FeedLoop, session: VenueSession, backoff: Backoff) -> None:
        """Watch until failure. The next watch call is started BEFORE a result is handled:
        ccxt resolves only a future that is already waiting, so an update arriving while
        no watch is pending would otherwise wait for the next message to be seen."""
        key = loop.key
        pro = await session.ensure_pro()
        await self._before_stream(loop, session)
        base_window = self.options.window(key.kind)
        window = base_window * loop.stale_factor
        private = key.kind.is_private
        live = False
        task = self._start_watch(loop, pro, session)
        try:
            if private:
                await self._confirm_private(pro, task)
                self._set_status(loop, FeedStatus.LIVE)
                backoff.reset()
                live = True
                self._schedule_reconcile(session)
            check = (
                window
                if window > 0
                else (
                    self.options.private_check_s
                    if private and self.options.private_check_s > 0
                    else None
                )
            )
            while True:
                done, _ = await asyncio.wait({task}, timeout=check)
                if not done:
                    if window > 0:
                        loop.stale_factor = min(loop.stale_factor * 2, MAX_STALE_FACTOR)
                        await self._force_resubscribe(pro, task, key)
                        raise StaleFeed(window)
                    # no watchdog (an idle account is silent): only check the socket
                    client = client_of_task(pro, task)
                    if client is not None and not is_connected(client):
                        await close_clients(pro, [client])
                        raise SocketLost()
                    pong_s = self.options.private_pong_timeout_s
                    if (
                        client is not None
                        and pong_s > 0
                        and not task.done()
                        and not await answers_ping(client, pong_s)
                    ):
                        await close_clients(pro, [client])
                        raise SocketLost(f"socket silent: no pong within {pong_s:g} s")
                    continue
                try:
                    result = task.result()
                except PARSE_ERRORS as exc:  # ccxt failed to apply a venue frame
                    raise FeedFault(
                        f"{key.kind.value} frame unreadable: {type(exc).__name__}: {exc}"
                    ) from exc
                task = self._start_watch(loop, pro, session)
                await asyncio.sleep(0)  # let it register its future before we handle
                await self._handle(loop, session, result)
                session.health.feed_message(key, message_count(result, key.kind))
                now = time.monotonic()
                if (
                    loop.last_message is not None
                    and now - loop.last_message < base_window
                    and loop.stale_factor != 1.0
                ):
                    loop.stale_factor = 1.0
                    window = base_window
                loop.last_message = now
                if not live:
                    self._set_status(loop, FeedStatus.LIVE)
                    backoff.reset()
                    live = True
                elif self.state.feed_status(key) is not FeedStatus.LIVE:
                    self._set_status(loop, FeedStatus.LIVE)
        finally:
            if not task.done():
                task.cancel()
                await asyncio.wait({task}, timeout=1.0)
            if task.done() and not task.cancelled():
                task.exception()  # retrieved: the loop reports its own failure

    def _start_watch(self, loop: FeedLoop, pro: Any, session: VenueSession) -> asyncio.Task:
        task = asyncio.ensure_future(watch_call(pro, session, loop.key, self.options.book_depth))
        loop.watch_task = task
        return task

    async def _force_resubscribe(self, pro: Any, task: asyncio.Task, key: FeedKey) -> None:
        """Close the socket a stale feed waits on, so the next watch dials a fresh one."""
        clients = feed_clients(pro, key, task) or clients_waiting(pro)
        await close_clients(pro, clients)

    # -- REST polling ----------------------------------------------------------------------------
    async def _run_poll(self, loop: FeedLoop, session: VenueSession, backoff: Backoff) -> None:
        key = loop.key
        interval = session.info.poll_interval(key.kind) * self.options.poll_scale
        await self._before_stream(loop, session)
        live = False
        while True:
            result = await poll_once(session, key, self.options.book_depth)
            await self._handle(loop, session, result, polled=True)
            session.health.feed_message(key, 1)
            if not live:
                self._set_status(loop, FeedStatus.LIVE)
                backoff.reset()
                live = True
                if key.kind.is_private:
                    self._schedule_reconcile(session)
            await asyncio.sleep(interval)

    # -- before the stream: REST back-fill ---------------------------------------------------------
    async def _before_stream(self, loop: FeedLoop, session: VenueSession) -> None:
        key = loop.key
        if key.kind is FeedKind.CANDLES and session.info.has_fetch_ohlcv:
            rows = await session.fetch_ohlcv_raw(
                key.need_symbol(), key.need_timeframe(), None, self.options.candle_backfill
            )
            self.state.update_candles(key, [candle_from_ccxt(r) for r in rows or ()])
        elif key.kind is FeedKind.TRADES and self.options.trades_backfill > 0:
            trades = await session.fetch_trades_raw(key.need_symbol(), self.options.trades_backfill)
            known = {t.trade_id for t in self.state.recent_trades(key)}
            fresh = [trade_from_ccxt(t, key.symbol) for t in trades or ()]
            self.state.add_trades(
                key, [t for t in fresh if t.trade_id is None or t.trade_id not in known]
            )

    # -- handling results --------------------------------------------------------------------------
    async def _handle(
        self, loop: FeedLoop, session: VenueSession, result: Any, polled: bool = False
    ) -> None:
        kind = loop.key.kind
        if kind is FeedKind.ORDERS:  # unreadable items are skipped one by one there
            await self._deliver_orders(loop, session, result, polled)
        elif kind is FeedKind.MY_TRADES:
            await self._deliver_fills(loop, session, result, polled)
        else:
            try:
                self._store(loop, session, result, polled)
            except PARSE_ERRORS as exc:
                raise FeedFault(
                    f"{kind.value} data unreadable: {type(exc).__name__}: {exc}"
                ) from exc

    def _store(self, loop: FeedLoop, session: VenueSession, result: Any, polled: bool) -> None:
        key = loop.key
        kind = key.kind
        state = self.state
        if kind is FeedKind.BOOK:
            check_book(result["bids"], result["asks"])
            state.update_book(
                key, result["bids"], result["asks"], result.get("nonce"), result.get("timestamp")
            )
        elif kind is FeedKind.TRADES:
            trades = [trade_from_ccxt(t, key.symbol) for t in result or ()]
            if polled:
                known = {t.trade_id for t in state.recent_trades(key, 200)}
                trades = [t for t in trades if t.trade_id is None or t.trade_id not in known]
            if trades:
                state.add_trades(key, trades)
                for candle_key in self._trade_fed_candles(key, session):
                    state.candles_from_trades(candle_key, trades)
        elif kind is FeedKind.CANDLES:
            state.update_candles(key, [candle_from_ccxt(r) for r in result or ()])
        elif kind is FeedKind.TICKER:
            state.update_ticker(key, ticker_from_ccxt(result, key.symbol))
        elif kind is FeedKind.BALANCE:
            state.update_balances(session.key, balances_from_ccxt(result))

    def _trade_fed_candles(self, trades_key: FeedKey, session: VenueSession) -> list[FeedKey]:
        """Candle feeds of the same venue+symbol that are polled (no kline stream)."""
        if session.info.has_ws(FeedKind.CANDLES):
            return []
        return [
            k
            for k, lp in self._loops.items()
            if k.kind is FeedKind.CANDLES
            and k.symbol == trades_key.symbol
            and k.venue == trades_key.venue
            and k.mode == trades_key.mode
            and self.state.candle_series(k) is not None
        ]
