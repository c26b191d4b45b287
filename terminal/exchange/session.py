"""One connected venue session (venue + mode + account): the ccxt clients and ExchangePort.

Each session owns one ccxt async_support instance (REST) and, created on the first
stream, one ccxt.pro instance (WebSocket); both are closed by `close()`. Testnet
(SANDBOX) or demo trading (DEMO) is switched on right after construction, before anything
else can use the live URLs; a header-based demo (OKX, Bitget) is built from a guarded
subclass that refuses any private request without the demo header (`demo_guard`). The
paper venue uses ccxt's own binance class pointed at the paper exchange on loopback.

Every call goes through the request policy (rate budget, REST pause, circuit breaker)
and is timed for the health tracker; every ccxt exception is classified once, in
`terminal.exchange.errors`. Reads retry transient failures with backoff; create, cancel
and edit are never retried here. The call wrappers are in `venuecalls`, the ExchangePort
calls in `orderport`, the order-list calls in `orderlists`; this module holds the session's
identity, its ccxt instances and its lifecycle.
"""

from __future__ import annotations

import asyncio
import copy
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from terminal.core.errors import (
    ErrorKind,
    OrderRejectedError,
    VenueError,
    VenueUnavailableError,
)
from terminal.core.health import VenueHealthTracker
from terminal.core.policy import Backoff, RequestPolicy, SystemClock, config_for_venue
from terminal.core.retry import retry_until
from terminal.core.supervision import TaskOwner
from terminal.domain.enums import VenueMode
from terminal.domain.ids import AccountLabel, IdError, Symbol
from terminal.domain.market import MarketRules, currency_places_from_ccxt
from terminal.domain.session import MarketType, SessionKey

from .catalogue import VenueInfo
from .clients import PaperEndpoint, build_client, is_session_market
from .clock import apply_offset, measure_offset_ms
from .errors import Op, classify, scrub
from .frameguard import guard_frames
from .orderlists import OrderListCalls
from .orderport import OrderPortCalls

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SessionOptions:
    timeout_ms: int = 10_000  # ccxt per-request timeout
    rate_limit_ms: float | None = None  # override ccxt's rateLimit (tests); None = ccxt's
    load_markets_attempts: int = 4
    load_markets_backoff_s: float = 0.5
    heartbeat_s: float = 15.0  # server time + latency probe (and breaker probe); 0 = off
    clock_adjust_ms: float = 500.0  # tell ccxt the offset when the venue clock is this far off


class VenueSession(OrderPortCalls, OrderListCalls):
    """A connected venue: implements terminal.core.ports.ExchangePort."""

    def __init__(
        self,
        info: VenueInfo,
        mode: VenueMode,
        account: AccountLabel | str = "default",
        *,
        credentials: Mapping[str, str] | None = None,
        paper: PaperEndpoint | None = None,
        clock: Any = None,
        policy: RequestPolicy | None = None,
        health: VenueHealthTracker | None = None,
        options: SessionOptions | None = None,
        market: MarketType = MarketType.SPOT,
    ) -> None:
        modes = info.modes_for(market)
        if mode not in modes:
            offers = ", ".join(m.value for m in modes) or "none"
            what = "" if market is MarketType.SPOT else f" {market.value}"
            raise ValueError(
                f"{info.id}{what} cannot be connected in {mode.value} mode (offers: {offers})"
            )
        if info.points_at_paper and paper is None:
            raise ValueError(f"{info.id} points at the paper exchange: give its endpoint")
        self.info = info
        self.venue = info.id
        self.mode = mode
        self.account = AccountLabel(account)
        self.market_type = market
        self.key = SessionKey(self.venue, self.mode, self.account, market)
        self.clock = clock or SystemClock()
        self.policy = policy or RequestPolicy(info.id, self.clock, config_for_venue(info.id))
        self.health = health or VenueHealthTracker(self.key, self.clock)
        self.health.bind_policy(self.policy)
        self.options = options or SessionOptions()
        self._paper = paper
        creds = dict(credentials or {})
        if info.points_at_paper and not creds:
            if paper is None:
                raise ValueError(f"{info.id}: a paper venue needs the paper exchange's endpoint")
            creds = paper.credentials(self.account)
        self._credentials = {k: v for k, v in creds.items() if v}
        self._secrets = tuple(v for v in self._credentials.values() if isinstance(v, str))
        self._rest: Any = None
        self._pro: Any = None
        self._pro_lock = asyncio.Lock()
        self._clock_lock = asyncio.Lock()
        self._clock_synced_at = float("-inf")
        self._markets: dict[Symbol, MarketRules] = {}
        self._currency_places: dict[str, int] = {}
        self._owner = TaskOwner(f"session:{self.key.label}")
        self._closed = False
        self.connected = False
        self.clock_offset_ms: float | None = None

    # ---- identity and facts ----------------------------------------------------------
    @property
    def markets(self) -> Mapping[Symbol, MarketRules]:
        return self._markets

    @property
    def currency_places(self) -> Mapping[str, int]:
        """Decimals of each currency where ccxt gives its precision (balances, fees)."""
        return self._currency_places

    @property
    def has_credentials(self) -> bool:
        return all(self._credentials.get(c) for c in self.info.credentials)

    @property
    def secrets(self) -> tuple[str, ...]:
        return self._secrets

    @property
    def rest(self) -> Any:
        if self._rest is None:
            raise VenueUnavailableError(f"{self.key.label} is not connected", venue=self.venue)
        return self._rest

    @property
    def owner(self) -> TaskOwner:
        return self._owner

    def market(self, symbol: str) -> MarketRules:
        """The rules of `symbol`; checked before any call that names a symbol, so an
        unknown one is refused in our words, not ccxt's ("does not have market symbol")."""
        try:
            return self._markets[Symbol(symbol)]
        except (KeyError, IdError):
            kind = "spot" if self.market_type is MarketType.SPOT else "perpetual"
            raise OrderRejectedError(
                f"{self.venue} has no {kind} market {symbol}", venue=self.venue
            ) from None

    # ---- ccxt instances --------------------------------------------------------------------
    def _config(self) -> dict[str, Any]:
        if self.info.points_at_paper:
            from terminal.paper.ccxt_compat import paper_ccxt_config, paper_futures_ccxt_config

            make = (
                paper_ccxt_config
                if self.market_type is MarketType.SPOT
                else (paper_futures_ccxt_config)
            )
            cfg = copy.deepcopy(
                make(self._credentials.get("apiKey", ""), self._credentials.get("secret", ""))
            )
        else:
            cfg = {"enableRateLimit": True, **self._credentials}
        cfg["enableRateLimit"] = True  # ccxt's limiter stays on
        cfg["timeout"] = self.options.timeout_ms
        if self.options.rate_limit_ms is not None:
            cfg["rateLimit"] = self.options.rate_limit_ms
        opts = cfg.setdefault("options", {})
        foo = opts.setdefault("fetchOpenOrders", {})
        if isinstance(foo, dict):
            foo["warnWithoutSymbol"] = False
        opts["warnOnFetchOpenOrdersWithoutSymbol"] = False
        return cfg

    def _new_instance(self, pro: bool) -> Any:
        inst = build_client(
            self.info,
            self.mode,
            self._config(),
            paper=self._paper,
            pro=pro,
            market=self.market_type,
        )
        if self._rest is not None and "timeDifference" in self._rest.options:
            inst.options["timeDifference"] = self._rest.options["timeDifference"]
        self._time_http(inst)
        if pro:  # an unreadable frame fails its socket (feeds resync), never the loop
            guard_frames(inst, self.health.record_bad_data, lambda text: scrub(text, self._secrets))
        return inst

    def _time_http(self, inst: Any) -> None:
        """Record the latency of each HTTP round trip (not ccxt's throttle wait before it)
        by wrapping the instance's `fetch`, which every REST call goes through."""
        original = inst.fetch
        health = self.health

        async def timed_fetch(*args: Any, **kwargs: Any) -> Any:
            t0 = time.monotonic()
            try:
                return await original(*args, **kwargs)
            finally:
                health.record_latency(time.monotonic() - t0)

        inst.fetch = timed_fetch

    async def ensure_pro(self) -> Any:
        """The ccxt.pro instance, created on first use with the REST instance's markets."""
        if self._closed:
            raise VenueUnavailableError(f"{self.key.label} is closed", venue=self.venue)
        async with self._pro_lock:
            if self._pro is None:
                pro = self._new_instance(pro=True)
                if self._rest is not None and self._rest.markets:
                    pro.set_markets(self._rest.markets, self._rest.currencies)
                self._pro = pro
            return self._pro

    @property
    def pro(self) -> Any | None:
        return self._pro

    # ---- lifecycle --------------------------------------------------------------------------
    async def connect(self) -> None:
        """Create the REST client, load markets (with retries), measure the clock offset."""
        if self.connected:
            return
        self.health.set_connecting()
        try:
            self._rest = self._new_instance(pro=False)
            await self._load_markets()
            await self.measure_time()
        except asyncio.CancelledError:
            await self._close_clients()
            raise
        except Exception as exc:
            err = (
                exc
                if isinstance(exc, VenueError)
                else classify(
                    exc, op=Op.READ, venue=self.venue, exchange=self._rest, secrets=self._secrets
                )
            )
            self.health.set_down(f"connect failed: {err}")
            await self._close_clients()
            raise err from None
        self.connected = True
        self.health.set_connected()
        if self.options.heartbeat_s > 0:
            self._owner.spawn(self._heartbeat(), "heartbeat")

    async def _load_markets(self) -> None:
        rest = self._rest
        attempts = max(1, self.options.load_markets_attempts)

        async def load() -> None:
            try:
                await rest.load_markets()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                err = classify(
                    exc, op=Op.READ, venue=self.venue, exchange=rest, secrets=self._secrets
                )
                self._record_failure(err)
                raise err from None

        def give_up(err: BaseException, attempt: int) -> bool:
            retryable = (ErrorKind.TRANSIENT, ErrorKind.RATE_LIMITED)
            return (
                not isinstance(err, VenueError)
                or err.kind not in retryable
                or (attempt >= attempts)
            )

        # an idempotent read: the markets are loaded again after a transient failure
        backoff = Backoff(base=self.options.load_markets_backoff_s, cap=8.0, jitter=0.0)
        await retry_until(load, backoff=backoff, retry_on=(VenueError,), give_up=give_up)
        self._record_success()
        markets: dict[Symbol, MarketRules] = {}
        for symbol, market in (rest.markets or {}).items():
            if not is_session_market(market, self.market_type):
                continue
            try:
                markets[Symbol(symbol)] = MarketRules.from_ccxt_market(market, rest.precisionMode)
            except (IdError, ValueError, KeyError) as exc:
                log.debug("%s: skipping market %s (%s)", self.venue, symbol, exc)
        self._markets = markets
        self._currency_places = currency_places_from_ccxt(
            getattr(rest, "currencies", None), rest.precisionMode
        )

    async def measure_time(self) -> float | None:
        """Venue clock minus local clock in ms; None if the venue has no time endpoint.
        A large offset is handed to ccxt so signed requests pass (see clock.py)."""
        if not self.info.has_fetch_time:
            return None
        offset = await measure_offset_ms(lambda: self.read(self.rest.fetch_time))
        if offset is None:
            return None
        self.clock_offset_ms = offset
        self.health.set_clock_offset(offset)
        apply_offset((self._rest, self._pro), offset, self.options.clock_adjust_ms)
        return offset

    async def resync_clock(self) -> float | None:
        """Measure the venue clock again after it refused a request's time: once for a
        burst of refusals (callers that waited on the lock find it fresh)."""
        started = time.monotonic()
        async with self._clock_lock:
            if self._clock_synced_at >= started:
                return self.clock_offset_ms
            offset = await self.measure_time()
            self._clock_synced_at = time.monotonic()
            log.info(
                "%s: clock re-measured after a refused timestamp: venue %+.0f ms",
                self.key.label,
                offset or 0.0,
            )
            return offset

    async def probe(self) -> bool:
        """A cheap read that tells the breaker whether the venue answers again."""
        try:
            if self.info.has_fetch_time:
                await self._call_once(self.rest.fetch_time)
            else:
                await self._call_once(self.rest.fetch_ticker, next(iter(self._markets)))
            return True
        except VenueError:
            return False

    async def _heartbeat(self) -> None:
        """Periodic clock/latency sample; doubles as the breaker's probe after cool-down."""
        while True:
            await asyncio.sleep(self.options.heartbeat_s)
            try:
                if self.policy.needs_probe():
                    await self.probe()
                if self.info.has_fetch_time:
                    await self.measure_time()
            except VenueError as exc:
                log.info("%s heartbeat: %s", self.key.label, exc)

    async def close(self) -> None:
        """Cancel this session's tasks and close both ccxt clients (idempotent)."""
        if self._closed:
            return
        self._closed = True
        self.connected = False
        await self._owner.close()
        await self._close_clients()
        self.health.set_down("disconnected")

    async def _close_clients(self) -> None:
        for attr in ("_pro", "_rest"):
            inst = getattr(self, attr)
            setattr(self, attr, None)
            if inst is not None:
                try:
                    await asyncio.wait_for(inst.close(), timeout=5.0)
                except Exception as exc:  # closing must never raise into shutdown
                    log.warning(
                        "%s: closing %s failed: %s",
                        self.key.label,
                        attr,
                        scrub(str(exc), self._secrets),
                    )

    def __repr__(self) -> str:
        return f"<VenueSession {self.key.label} connected={self.connected}>"
