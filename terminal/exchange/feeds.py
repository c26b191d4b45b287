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

All tasks belong to the hub's TaskOwner and are cancelled on detach/close. How a loop
reads and stores its stream is in `feedstreams`, the private streams' delivery in
`private_feeds`.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Self

import ccxt.async_support as ccxt

from terminal.core.errors import VenueError
from terminal.core.health import HealthRegistry, VenueHealthTracker
from terminal.core.marketstate import FeedKey, FeedKind, FeedStatus, MarketState
from terminal.core.policy import Backoff
from terminal.core.retry import retry_until
from terminal.core.supervision import TaskOwner
from terminal.domain.session import MarketType, SessionKey

from .errors import is_clock_refusal, scrub
from .feedparts import (
    FeedFault,
    FeedLoop,
    FeedOptions,
    SocketLost,
    StaleFeed,
    feed_clients,
    resync_feed,
)
from .feedstreams import FeedStreams
from .frameguard import FrameFault
from .local_private import run_local_private, serves_private_locally
from .private_feeds import (
    FillListener,
    OrderListener,
    ReconnectListener,
)
from .session import VenueSession
from .wsclients import close_clients

log = logging.getLogger(__name__)

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


class FeedHub(FeedStreams):
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
