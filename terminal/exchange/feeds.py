"""Feed loops: order book, trades, candles, tickers, and the private streams.

One loop per FeedKey, shared by reference count: two panels on the same venue + symbol +
feed share one loop, and the loop is cancelled when the last one lets go. A loop:

* watches its ccxt.pro stream (or polls REST where ccxt has no WebSocket method for it,
  at the catalogue's interval, within the venue's limits) and writes MarketState;
* catches ccxt's NetworkError, ChecksumError and ExchangeNotAvailable (and anything
  else) and subscribes again with exponential backoff (base doubling to a cap, jitter);
* runs a staleness watchdog: silent longer than its window -> STALE, the socket it waits
  on is closed, and it subscribes again; nothing stale is ever shown as LIVE;
* private streams (silent while the account is idle) get no watchdog by default: their
  socket is checked instead, and pinged; no pong in time -> closed and subscribed again;
* for private streams, after every (re)subscribe, runs the REST reconciliation hook
  (balances + open orders) and tells the registered listeners, because ccxt.pro may
  miss private events across a disconnect.

All tasks belong to the hub's TaskOwner and are cancelled on detach/close.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any, Self

import ccxt.async_support as ccxt

from terminal.core.errors import VenueError
from terminal.core.health import HealthRegistry, VenueHealthTracker
from terminal.core.marketstate import FeedKey, FeedKind, FeedStatus, MarketState
from terminal.core.policy import Backoff
from terminal.core.retry import retry_until
from terminal.core.supervision import TaskOwner
from terminal.domain.session import MarketType, SessionKey

from .errors import is_clock_refusal, scrub
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
    resync_feed,
)
from .frameguard import FrameFault
from .local_private import run_local_private, serves_private_locally
from .mapping import balances_from_ccxt, candle_from_ccxt, ticker_from_ccxt, trade_from_ccxt
from .private_feeds import (
    FillListener,
    OrderListener,
    PrivateStreams,
    ReconnectListener,
    answers_ping,
)
from .session import VenueSession
from .wsclients import client_of_task, clients_waiting, close_clients, is_connected

log = logging.getLogger(__name__)

# what reading a venue value wrongly typed, missing or not a number raises
PARSE_ERRORS = (ValueError, TypeError, KeyError, IndexError, ArithmeticError)

__all__ = [
    "FeedHub",
    "FeedOptions",
    "FillListener",
    "OrderListener",
    "ReconnectListener",
    "Subscription",
    "feed_clients",
]


class Subscription:
    """A handle on a shared feed; `close()` (idempotent) gives it back."""

    def __init__(self, hub: FeedHub, key: FeedKey) -> None:
        self.hub = hub
        self.key = key
        self.closed = False

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self.hub._release(self.key)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<Subscription {self.key.label}{' closed' if self.closed else ''}>"


class FeedHub(PrivateStreams):
    """Owns every feed loop of every attached session."""

    def __init__(
        self, state: MarketState, health: HealthRegistry, options: FeedOptions | None = None
    ) -> None:
        self.state = state
        self.health = health
        self.options = options or FeedOptions()
        self._sessions: dict[SessionKey, VenueSession] = {}
        self._loops: dict[FeedKey, FeedLoop] = {}
        self._owner = TaskOwner("feeds")
        self._order_listeners: list[OrderListener] = []
        self._fill_listeners: list[FillListener] = []
        self._reconnect_listeners: list[ReconnectListener] = []
        self._reconciling: dict[SessionKey, asyncio.Task] = {}
        self._reconcile_again: set[SessionKey] = set()
        self._closed = False

    # ---- sessions -----------------------------------------------------------------------
    def attach(self, session: VenueSession) -> None:
        """Make a connected session available; waiting loops of its venue start. Its
        health tracker joins the hub's registry (the health panel lists that)."""
        self._sessions[session.key] = session
        if self.health.get(session.key) is not session.health:
            self.health.adopt(session.health)
        for loop in self._loops.values():
            if loop.refs > 0 and (loop.task is None or loop.task.done()):
                self._start(loop)

    async def detach(self, key: SessionKey) -> None:
        """Stop every loop running on that session (before it is closed). Public loops
        move to another session of the same venue+mode when there is one."""
        session = self._sessions.pop(key, None)
        if session is None:
            return
        task = self._reconciling.pop(key, None)
        if task is not None:
            await self._owner.cancel(task)
        moving = [lp for lp in self._loops.values() if lp.session is session]
        for loop in moving:
            if self._loops.get(loop.key) is not loop:
                continue  # released meanwhile (a helper feed of a cancelled loop)
            if loop.task is not None:
                await self._owner.cancel(loop.task)
            if self._loops.get(loop.key) is not loop:
                continue
            loop.task, loop.session = None, None
            self._set_status(loop, FeedStatus.DOWN, "session disconnected", tracker=session.health)
            session.health.feed_removed(loop.key)
        for loop in moving:
            if loop.refs > 0 and self._loops.get(loop.key) is loop:
                self._start(loop)

    def _session_for(self, key: FeedKey) -> VenueSession | None:
        if key.kind.is_private:
            s = self._sessions.get(SessionKey(key.venue, key.mode, key.need_account()))
            return s if s is not None and s.connected else None
        for s in self._sessions.values():
            # public feeds name spot symbols: a perpetual session of the venue never serves them
            spot = getattr(s, "market_type", MarketType.SPOT) is MarketType.SPOT
            if s.venue == key.venue and s.mode == key.mode and s.connected and spot:
                return s
        return None

    # ---- subscriptions ----------------------------------------------------------------------
    def subscribe(self, key: FeedKey) -> Subscription:
        """Share (or start) the loop for `key`. Synchronous: call from the event loop."""
        if self._closed:
            raise RuntimeError("feed hub is closed")
        if key.kind is FeedKind.CANDLES and not key.timeframe:
            raise ValueError("a candle feed needs a timeframe")
        if key.kind.is_private and key.account is None:
            raise ValueError("a private feed needs an account")
        if not key.kind.is_private and key.symbol is None:
            raise ValueError("a public feed needs a symbol")
        loop = self._loops.get(key)
        if loop is None:
            loop = self._loops[key] = FeedLoop(key)
        loop.refs += 1
        if loop.task is None or loop.task.done():
            self._start(loop)
        return Subscription(self, key)

    def subscribe_private(self, session: SessionKey) -> list[Subscription]:
        """Balances, orders and own trades of one session (what the order service needs)."""
        return [
            self.subscribe(FeedKey.private(session, kind))
            for kind in (FeedKind.ORDERS, FeedKind.MY_TRADES, FeedKind.BALANCE)
        ]

    def _release(self, key: FeedKey) -> None:
        loop = self._loops.get(key)
        if loop is None:
            return
        loop.refs -= 1
        if loop.refs > 0:
            return
        del self._loops[key]
        session = loop.session
        if loop.task is not None and not loop.task.done():
            loop.task.cancel()
        if session is not None:
            session.health.feed_removed(key)
            if (
                session.pro is not None
                and not key.kind.is_private
                and session.info.has_ws(key.kind)
                and not self._closed
            ):
                # nobody needs this stream: stop ccxt from receiving and parsing it
                self._owner.spawn(self._retire_stream(session, key), f"retire:{key.label}")
        self.state.forget(key)

    def refcount(self, key: FeedKey) -> int:
        loop = self._loops.get(key)
        return loop.refs if loop else 0

    def active_keys(self) -> list[FeedKey]:
        return [k for k, lp in self._loops.items() if lp.task is not None and not lp.task.done()]

    @property
    def tasks(self) -> frozenset[asyncio.Task]:
        return self._owner.tasks

    async def _retire_stream(self, session: VenueSession, key: FeedKey) -> None:
        """Close the WebSocket client of a feed nobody needs, unless it also carries a
        feed that is still running (venues that multiplex channels on one socket)."""
        await asyncio.sleep(0)  # let the cancelled loop unwind first
        pro = session.pro
        if pro is None or key in self._loops:
            return
        clients = feed_clients(pro, key)
        keep: set[int] = set()
        for other in self._loops.values():
            if other.session is session and not other.key.kind.is_private:
                keep.update(id(c) for c in feed_clients(pro, other.key))
        retire = [c for c in clients if id(c) not in keep]
        if retire:
            await close_clients(pro, retire)

    # ---- lifecycle --------------------------------------------------------------------------
    async def close(self) -> None:
        """Cancel every loop (at exit)."""
        self._closed = True
        for loop in self._loops.values():
            loop.task = None
        await self._owner.close()
        self._loops.clear()
        self._sessions.clear()

    def _start(self, loop: FeedLoop) -> None:
        session = self._session_for(loop.key)
        loop.session = session
        if session is None:
            loop.task = None
            self._set_status(loop, FeedStatus.DOWN, "not connected")
            return
        loop.task = self._owner.spawn(self._run(loop, session), loop.key.label)

    # ---- status -------------------------------------------------------------------------------
    def _tracker(self, loop: FeedLoop) -> VenueHealthTracker | None:
        return loop.session.health if loop.session is not None else None

    def _set_status(
        self,
        loop: FeedLoop,
        status: FeedStatus,
        error: str = "",
        tracker: VenueHealthTracker | None = None,
    ) -> None:
        self.state.set_feed_status(loop.key, status)
        tracker = tracker or self._tracker(loop)
        if tracker is not None:
            tracker.feed_status(loop.key, status, error)

    # ---- the loop ------------------------------------------------------------------------------
    async def _run(self, loop: FeedLoop, session: VenueSession) -> None:
        """Subscribe, and subscribe again after any failure, until cancelled. Whoever
        cancels the loop (release, detach, close) sets its final status."""
        key = loop.key
        opts = self.options
        backoff = Backoff(base=opts.backoff_base_s, cap=opts.backoff_cap_s)
        use_ws = session.info.has_ws(key.kind)
        if key.kind.is_private and serves_private_locally(session):
            await run_local_private(self, loop, session)
            return
        if key.kind.is_private and not session.has_credentials:
            self._set_status(
                loop,
                FeedStatus.DOWN,
                f"{session.venue}: API keys needed for the {key.kind.value} stream",
            )
            return
        helper: Subscription | None = None
        if key.kind is FeedKind.CANDLES and not use_ws and session.info.has_ws(FeedKind.TRADES):
            # polled klines arrive every few seconds: fold the live trades into the last bar
            # in between (the next poll restores the venue's own figures)
            helper = self.subscribe(FeedKey(key.venue, key.mode, FeedKind.TRADES, key.symbol))
        try:
            await self._run_retrying(loop, session, backoff, use_ws)
        finally:
            if helper is not None:
                helper.close()

    async def _run_retrying(
        self, loop: FeedLoop, session: VenueSession, backoff: Backoff, use_ws: bool
    ) -> None:
        """Subscribe again after every failure (the backoff's delay between), as long as
        `loop` is the feed's loop; a feed the venue cannot serve at all ends it."""
        key = loop.key
        opts = self.options
        first = True

        async def subscribe_once() -> bool:
            """One subscription, until it fails; True when it must not be tried again."""
            nonlocal first
            self._set_status(loop, FeedStatus.CONNECTING)
            if not first:
                loop.reconnects += 1
                session.health.feed_reconnect(key)
            first = False
            try:
                if use_ws:
                    await self._run_ws(loop, session, backoff)
                else:
                    await self._run_poll(loop, session, backoff)
            except asyncio.CancelledError:
                raise
            except StaleFeed as exc:
                silent = exc.args[0] if exc.args else opts.window(key.kind)
                self._set_status(loop, FeedStatus.STALE, f"no message for {silent:g} s")
            except SocketLost as exc:
                self._set_status(
                    loop,
                    FeedStatus.DOWN,
                    f"{str(exc) or 'stream socket closed'}; subscribing again",
                )
            except FeedFault as exc:  # bad values from the venue: count, drop, resync
                text = scrub(f"bad data from the venue: {exc}; resyncing", session.secrets)
                session.health.record_bad_data(f"{key.label}: {text}")
                self._set_status(loop, FeedStatus.DOWN, text)
                log.warning("%s: %s", key.label, text)
                await resync_feed(session, loop)
            except FrameFault as exc:  # counted by the guard; ccxt dropped the socket
                self._set_status(loop, FeedStatus.DOWN, f"{exc}; resyncing")
            except (ccxt.NotSupported, ccxt.BadSymbol) as exc:
                text = scrub(f"{type(exc).__name__}: {exc}", session.secrets)
                self._set_status(loop, FeedStatus.DOWN, text)
                log.warning("%s stopped: %s", key.label, text)
                return True
            except (
                ccxt.NetworkError,
                ccxt.ExchangeNotAvailable,
                ccxt.ChecksumError,
                ccxt.BaseError,
                VenueError,
                OSError,
            ) as exc:
                text = scrub(f"{type(exc).__name__}: {exc}", session.secrets)
                self._set_status(loop, FeedStatus.DOWN, text)
                log.info("%s: %s; subscribing again", key.label, text)
                if is_clock_refusal(exc):  # a signed subscribe: the clock moved
                    await self._resync_clock(session)
            except Exception as exc:  # a parsing bug must not kill the feed for good
                text = scrub(f"{type(exc).__name__}: {exc}", session.secrets)
                self._set_status(loop, FeedStatus.DOWN, text)
                log.exception("%s failed; subscribing again", key.label)
            return False

        if self._loops.get(key) is loop:
            await retry_until(
                subscribe_once,
                backoff=backoff,
                ok=lambda ended: ended,
                stop=lambda: self._loops.get(key) is not loop,
            )

    async def _resync_clock(self, session: VenueSession) -> None:
        try:
            await session.resync_clock()
        except VenueError as exc:
            log.info("%s: clock re-measure failed: %s", session.key.label, exc)

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
