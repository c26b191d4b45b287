"""The paper exchange server: wires engine, market data, generator, streams and HTTP.

Binds 127.0.0.1 only. ``start()`` loads state from the data dir, ``stop()`` saves it, and
the restart fault does both in place on the same port.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import cast

from aiohttp import web

from . import control, rest_private, rest_public, userstream, ws_market
from .auth import Authenticator
from .calibrate import minute_volumes
from .engine import Engine, FeeSchedule
from .errors import ApiError
from .faults import Faults
from .feeds import Feeds
from .futures import market_rest as futures_market
from .futures import persist as futures_persist
from .futures import rest as futures_rest
from .futures import stream as futures_ws
from .futures.contracts import default_contracts
from .futures.stream import FuturesStream
from .futures.venue import FuturesVenue
from .generator import Generator, Rates
from .http_util import error_response, json_response, raw_params
from .hub import Hub
from .limits import LimitConfig, RateLimiter, endpoint_weight
from .marketdata import MarketData
from .markets import MarketSpec, default_markets
from .store import Store
from .userstream import UserEvents

log = logging.getLogger("terminal.paper")
HOST = "127.0.0.1"
DEFAULT_BALANCES = {
    "USDT": Decimal(100000),
    "BTC": Decimal(1),
    "ETH": Decimal(10),
    "SOL": Decimal(100),
}


def wall_clock_ms() -> int:
    return int(time.time() * 1000)


@dataclass
class PaperConfig:
    data_dir: Path
    seed: int = 1
    port: int = 0
    accounts: list[tuple[str, str]] = field(default_factory=list)
    faults: bool = False
    rate: str = "calm"
    diffs_per_second: float | None = None
    levels_per_diff: int | None = None
    stress_symbol: str | None = None
    starting_balances: dict[str, Decimal] = field(default_factory=lambda: dict(DEFAULT_BALANCES))
    maker_fee: Decimal = Decimal("0.001")
    taker_fee: Decimal = Decimal("0.001")
    limits: LimitConfig = field(default_factory=LimitConfig)
    reset: bool = False
    backfill: int = 1000
    parent_pid: int | None = None
    clock: Callable[[], int] = wall_clock_ms
    markets: list[MarketSpec] = field(default_factory=default_markets)
    depth_interval: float = 0.1
    ws_buffer_mb: int = 64  # a WebSocket further behind than this is disconnected
    futures_wallet: Decimal = Decimal(100000)  # USDT in each account's futures wallet
    funding_speed: float = 1.0  # simulated futures clock: funding every 8 h / speed


class PaperServer:
    """One running paper exchange (in this process)."""

    def __init__(self, config: PaperConfig) -> None:
        self.config = config
        self._wall_ms = config.clock
        self.port = config.port
        self.pid = os.getpid()
        self.faults = Faults(enabled=config.faults)
        self.faults_timeout_s = 30.0
        self.limits = RateLimiter(config.limits)
        self.hub = Hub(max_buffer=config.ws_buffer_mb * 1024 * 1024)
        self.default_account: tuple[str, str] | None = None
        self._runner: web.AppRunner | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._stop = asyncio.Event()
        self._restart_task: asyncio.Task[None] | None = None
        self.stopped = asyncio.Event()

    def now_ms(self) -> int:
        """The exchange's clock: the wall clock, moved by the clock-skew fault."""
        return self._wall_ms() + self.faults.clock_skew_ms

    # --- state --------------------------------------------------------------------------
    def _build(self) -> None:
        cfg = self.config
        self.store = Store(Path(cfg.data_dir))
        if cfg.reset:
            self.store.reset()
            cfg.reset = False  # a restart fault keeps state
        known = {k for k, *_ in self.store.accounts()}
        for key, secret in cfg.accounts:
            if key not in known:
                self.store.add_account(key, secret, cfg.starting_balances, False)
        accounts = self.store.accounts()
        if not any(d for *_, d in accounts):
            key = "paper-" + secrets.token_hex(12)
            secret = secrets.token_hex(32)
            self.store.add_account(key, secret, cfg.starting_balances, True)
            accounts = self.store.accounts()
        self.default_account = next((k, s) for k, s, _st, d in accounts if d)
        self.auth = Authenticator({k: s for k, s, *_ in accounts})
        rates = Rates.preset(cfg.rate)
        if cfg.diffs_per_second is not None:
            rates.diffs_per_second = cfg.diffs_per_second
            rates.stress_symbol = rates.stress_symbol or "BTCUSDT"
        if cfg.levels_per_diff is not None:
            rates.levels_per_diff = cfg.levels_per_diff
        if cfg.stress_symbol:
            rates.stress_symbol = cfg.stress_symbol.replace("/", "").upper()
        self.engine = Engine(cfg.markets, self.now_ms, FeeSchedule(cfg.maker_fee, cfg.taker_fee))
        self.store.load_into(self.engine)
        start_prices = {}
        for m in cfg.markets:
            saved = self.store.get_meta(f"mid_{m.symbol}")
            start_prices[m.symbol] = (
                int(saved) if saved else int(m.start_price.scaleb(m.price_decimals))
            )
        volumes = minute_volumes(cfg.markets, rates, cfg.seed, start_prices)
        self.md = MarketData(
            self.engine, cfg.seed, self.now_ms, start_prices, cfg.backfill, volumes
        )
        self.generator = Generator(self.engine, cfg.seed, rates, start_prices)
        self.generator.seed_books()
        self.generator.uncross()
        self.feeds = Feeds(self.engine, self.md, self.hub, self.now_ms)
        self.user_events = UserEvents(self)
        self.engine.on_exec.append(self.user_events.on_exec)
        self.engine.on_balance.append(self.user_events.on_balance)
        self.engine.on_list.append(self.user_events.on_list)
        self.futures = FuturesVenue(
            default_contracts(self.engine.specs),
            self.engine.books,
            self.now_ms,
            cfg.futures_wallet,
            funding_speed=cfg.funding_speed,
        )
        saved = self.store.get_meta(futures_persist.META_KEY)
        if saved:
            futures_persist.load(self.futures, saved)
        self._futures_saved = ""
        self.futures_stream = FuturesStream(self)

    # --- HTTP -----------------------------------------------------------------------------
    def _app(self) -> web.Application:
        app = web.Application(middlewares=[self._middleware], client_max_size=1 << 20)
        rest_public.setup(app, self)
        rest_private.setup(app, self)
        ws_market.setup(app, self)
        userstream.setup(app, self)
        futures_rest.setup(app, self)
        futures_market.setup(app, self)
        futures_ws.setup(app, self)
        control.setup(app, self)
        return app

    @web.middleware
    async def _middleware(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        path = request.path
        if path.startswith(control.PREFIX):
            if request.remote not in ("127.0.0.1", "::1"):
                raise web.HTTPForbidden(text="control API is loopback-only")
            try:
                return await handler(request)
            except ApiError as e:
                return error_response(e)
        if not path.startswith(("/api/", "/fapi/")):
            return await handler(request)
        f = self.faults
        if f.enabled:
            if f.rest_latency:
                await asyncio.sleep(f.rest_latency)
            rule = f.pick_error(path)
            if rule is not None:
                return self._fault_response(rule.status, rule.retry_after)
        now = self.now_ms()
        try:
            raw_q, raw_b, params = await raw_params(request)
            request["raw_q"], request["raw_b"], request["params"] = raw_q, raw_b, params
            self.limits.charge(endpoint_weight(path, request.method, params), now)
            resp = await handler(request)
        except ApiError as e:
            resp = error_response(e)
        resp.headers["X-MBX-USED-WEIGHT-1M"] = str(self.limits.used_weight(now))
        return resp

    @staticmethod
    def _fault_response(status: int, retry_after: int) -> web.Response:
        if status in (418, 429):
            return json_response(
                {
                    "code": -1003,
                    "msg": "Too many requests; IP banned or rate limited by fault injection.",
                },
                status=status,
                headers={"Retry-After": str(retry_after)},
            )
        return web.Response(
            status=status,
            content_type="text/html",
            text=f"<html><body><h1>{status} Service Unavailable</h1></body></html>",
        )

    # --- lifecycle ----------------------------------------------------------------------
    async def start(self) -> int:
        """Load state, bind 127.0.0.1:port and start the background tasks. Returns the port."""
        self._build()
        self._stop = asyncio.Event()
        self._runner = web.AppRunner(
            self._app(), handle_signals=False, access_log=None, shutdown_timeout=1.0
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, HOST, self.port, reuse_address=True)
        await site.start()
        server = cast("asyncio.Server | None", site._server)  # aiohttp keeps it here
        assert server is not None and server.sockets
        self.port = server.sockets[0].getsockname()[1]
        self._spawn(self.generator.run(self._stop))
        self._spawn(self.feeds.run(self.config.depth_interval, self._stop, self._skip_depth))
        self._spawn(self.generator.run_stress(self._stop, self.feeds.flush_depth))
        self._spawn(self._save_loop())
        self._spawn(self.futures_stream.run(self._stop))
        if self.config.parent_pid:
            self._spawn(self._parent_watch(self.config.parent_pid))
        return self.port

    def _skip_depth(self, symbol: str) -> bool:
        rt = self.generator.rates
        return bool(
            rt.diffs_per_second > 0 and rt.stress_symbol == symbol and not self.generator.paused
        )

    def _spawn(self, coro: Awaitable[None]) -> None:
        task = asyncio.ensure_future(coro)
        task.add_done_callback(self._task_done)
        self._tasks.append(task)

    @staticmethod
    def _task_done(task: asyncio.Task[None]) -> None:
        if not task.cancelled() and task.exception() is not None:
            log.error("paper exchange task failed", exc_info=task.exception())

    async def _save_loop(self) -> None:
        last_mid = 0.0
        while not self._stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), 0.25)
            mids = None
            if time.monotonic() - last_mid > 5:
                mids, last_mid = self.generator.mids(), time.monotonic()
            self.store.save(self.engine, mids)
            self._save_futures()

    def _save_futures(self) -> None:
        text = futures_persist.dump(self.futures)
        if text != self._futures_saved:
            self.store.set_meta(futures_persist.META_KEY, text)
            self._futures_saved = text

    async def _parent_watch(self, parent_pid: int) -> None:
        while not self._stop.is_set():
            if os.getppid() != parent_pid:
                log.warning("parent %s is gone: stopping", parent_pid)
                self.stopped.set()
                return
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), 0.5)

    async def _shutdown(self) -> None:
        self._stop.set()
        tasks, self._tasks = self._tasks, []
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await self.hub.close_all()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        self.store.save(self.engine, self.generator.mids())
        self._save_futures()
        self.store.close()

    async def stop(self) -> None:
        await self._shutdown()
        self.stopped.set()

    def schedule_restart(self, downtime: float) -> None:
        self._restart_task = asyncio.ensure_future(self._restart(downtime))
        self._restart_task.add_done_callback(self._task_done)

    async def _restart(self, downtime: float) -> None:
        """Fault: go away (closing every connection), come back on the same port with the
        state reloaded from the data dir."""
        await self._shutdown()
        await asyncio.sleep(downtime)
        for _ in range(50):
            try:
                await self.start()
                return
            except OSError:
                await asyncio.sleep(0.1)
        self.stopped.set()
