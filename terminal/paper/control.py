"""Control API under /_paper (loopback only): inspect and steer the simulation, inject faults.

Always available: health, stats, connections, engine book snapshot, generator
pause/resume, forced trade, accounts (list, create) with their open orders and
balances, deposits, limits.
Only with faults enabled: everything under /_paper/faults/.
"""

from __future__ import annotations

import asyncio
import secrets
from decimal import Decimal
from typing import Any, Protocol

import orjson
from aiohttp import web

from .auth import Authenticator
from .faults import RestErrorRule
from .feeds import Feeds
from .futures import lifecycle
from .futures.venue import FuturesVenue
from .generator import Generator
from .host import ClockHost, EngineHost, FaultHost
from .hostile import HOSTILE_KINDS
from .http_util import json_response
from .hub import Hub
from .limits import RateLimiter
from .markets import parse_decimal
from .store import Store


class _StartingBalances(Protocol):
    @property
    def starting_balances(self) -> dict[str, Decimal]: ...


class _Deposits(Protocol):
    def balance_update(self, account: str, asset: str, delta: Decimal) -> None: ...


class ControlHost(ClockHost, EngineHost, FaultHost, Protocol):
    """Everything the control API reads, moves or breaks on the running exchange."""

    pid: int
    port: int
    auth: Authenticator
    hub: Hub
    feeds: Feeds
    limits: RateLimiter
    generator: Generator
    store: Store
    futures: FuturesVenue

    @property
    def config(self) -> _StartingBalances: ...
    @property
    def user_events(self) -> _Deposits: ...
    def schedule_restart(self, downtime: float) -> None: ...


PREFIX = "/_paper"


async def _body(request: web.Request) -> dict[str, Any]:
    if not request.can_read_body:
        return dict(request.query)
    raw = await request.read()
    if not raw:
        return dict(request.query)
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise web.HTTPBadRequest(text="body must be JSON") from None
    if not isinstance(data, dict):
        raise web.HTTPBadRequest(text="body must be a JSON object")
    return data


def setup(app: web.Application, srv: ControlHost) -> None:
    r = app.router

    def need_faults() -> None:
        if not srv.faults.enabled:
            raise web.HTTPForbidden(text="faults are disabled: start with --faults")

    async def health(request: web.Request) -> web.Response:
        return json_response(
            {
                "ok": True,
                "faults": srv.faults.enabled,
                "pid": srv.pid,
                "port": srv.port,
                "serverTime": srv.now_ms(),
                "paused": srv.generator.paused,
            }
        )

    async def stats(request: web.Request) -> web.Response:
        return json_response(
            {
                "frames_sent": srv.hub.frames_sent,
                "depth_diffs_sent": srv.hub.depth_diffs_sent,
                "stress_diffs": srv.generator.stress_emitted,
                "connections": len(srv.hub.conns),
                "malformed_pending": srv.hub.malformed_pending(),
                "frames_lost": srv.hub.frames_lost,
                "update_ids": {s: b.update_id for s, b in srv.engine.books.items()},
            }
        )

    async def connections(request: web.Request) -> web.Response:
        return json_response([c.info() for c in srv.hub.conns.values()])

    async def book(request: web.Request) -> web.Response:
        m = srv.engine.spec(request.query.get("symbol"))
        b = srv.engine.books[m.symbol]
        limit = int(request.query.get("limit", "100000"))
        bids, asks = b.depth(limit)
        return json_response(
            {
                "symbol": m.symbol,
                "lastUpdateId": b.update_id,
                "bids": [[m.price_str(t), m.qty_str(q)] for t, q in bids],
                "asks": [[m.price_str(t), m.qty_str(q)] for t, q in asks],
            }
        )

    async def pause(request: web.Request) -> web.Response:
        srv.generator.paused = True
        srv.feeds.flush_all_depth()  # everything committed so far goes out now
        srv.hub.flush()
        return json_response(
            {"paused": True, "update_ids": {s: b.update_id for s, b in srv.engine.books.items()}}
        )

    async def resume(request: web.Request) -> web.Response:
        srv.generator.paused = False
        return json_response({"paused": False})

    async def rates(request: web.Request) -> web.Response:
        d = await _body(request)
        rt = srv.generator.rates
        for k in ("diffs_per_second", "levels_per_diff", "takers_per_s", "maker_changes_per_s"):
            if k in d:
                setattr(rt, k, type(getattr(rt, k))(d[k]))
        return json_response(
            {"diffs_per_second": rt.diffs_per_second, "levels_per_diff": rt.levels_per_diff}
        )

    async def trade(request: web.Request) -> web.Response:
        d = await _body(request)
        m = srv.engine.spec(d.get("symbol"))
        side = str(d.get("side", "")).upper()
        if side not in ("BUY", "SELL"):
            raise web.HTTPBadRequest(text="side must be BUY or SELL")
        price = m.parse_price(str(d.get("price")))
        filled = srv.generator.force_trade(m.symbol, side == "BUY", price)
        return json_response(
            {"filled": m.qty_str(filled), "lastUpdateId": srv.engine.books[m.symbol].update_id}
        )

    async def futures_premium(request: web.Request) -> web.Response:
        """Set a contract's premium: mark price = index x (1 + premium)."""
        d = await _body(request)
        c = srv.futures.contract(str(d.get("symbol", "")).replace("/", "").upper())
        try:
            premium = Decimal(str(d.get("premium")))
        except ArithmeticError:
            raise web.HTTPBadRequest(text="premium must be a decimal number") from None
        if not premium.is_finite() or not Decimal("-0.5") <= premium <= Decimal("0.5"):
            raise web.HTTPBadRequest(text="premium must be between -0.5 and 0.5")
        srv.futures.premium[c.symbol] = premium
        lifecycle.tick(srv.futures)
        return json_response(
            {
                "symbol": c.symbol,
                "markPrice": str(srv.futures.mark_price(c.symbol)),
                "indexPrice": str(srv.futures.index_price(c.symbol)),
            }
        )

    async def futures_tick(request: web.Request) -> web.Response:
        """Run the futures venue's timed work now (fills, triggers, liquidation,
        funding, countdowns) instead of waiting for its next tick."""
        lifecycle.tick(srv.futures)
        return json_response({"nextFundingTime": srv.futures.next_funding_time()})

    def account(request: web.Request) -> str:
        key = request.match_info["key"]
        if key not in srv.auth.keys:
            raise web.HTTPNotFound(text="unknown account")
        return key

    async def accounts(request: web.Request) -> web.Response:
        return json_response([{"apiKey": k, "secret": s} for k, s in srv.auth.keys.items()])

    async def create_account(request: web.Request) -> web.Response:
        """A new account with its own key and secret, funded with the starting balances
        (or with `balances`: {asset: "amount"}); kept across restarts."""
        d = await _body(request)
        wanted = d.get("balances")
        if wanted is None:
            starting = dict(srv.config.starting_balances)
        elif isinstance(wanted, dict):
            starting = {}
            for asset, amount in wanted.items():
                if asset not in srv.engine.ledger.assets:
                    raise web.HTTPBadRequest(text=f"unknown asset {asset}")
                starting[str(asset)] = parse_decimal(str(amount), "balance")
        else:
            raise web.HTTPBadRequest(text="balances must be an object {asset: amount}")
        key = "paper-" + secrets.token_hex(12)
        secret = secrets.token_hex(32)
        srv.store.add_account(key, secret, starting, False)
        srv.engine.add_account(key, starting)
        srv.auth.keys[key] = secret
        return json_response({"apiKey": key, "secret": secret})

    async def open_orders(request: web.Request) -> web.Response:
        key = account(request)
        sym = request.query.get("symbol")
        return json_response(
            [o.query_json(srv.engine.specs[o.symbol]) for o in srv.engine.open_orders(key, sym)]
        )

    async def balances(request: web.Request) -> web.Response:
        key = account(request)
        return json_response(
            {
                a: {"free": f"{f:.8f}", "locked": f"{lk:.8f}"}
                for a, (f, lk) in srv.engine.ledger.snapshot(key).items()
            }
        )

    async def deposit(request: web.Request) -> web.Response:
        key = account(request)
        d = await _body(request)
        asset = str(d.get("asset"))
        amount = parse_decimal(str(d.get("amount")), "amount")
        if asset not in srv.engine.ledger.assets:
            raise web.HTTPBadRequest(text="unknown asset")
        srv.engine.ledger.credit(key, asset, amount)  # the ledger pushes the new position
        srv.user_events.balance_update(key, asset, amount)
        return json_response({"ok": True})

    async def limits(request: web.Request) -> web.Response:
        d = await _body(request)
        cfg = srv.limits.config
        for k in (
            "weight_per_minute",
            "orders_per_10s",
            "orders_per_day",
            "ban_after",
            "ban_seconds",
        ):
            if k in d:
                setattr(cfg, k, int(d[k]))
        if d.get("unban"):
            srv.limits.banned_until = 0
            srv.limits.used = 0
            srv.limits.violations = 0
        return json_response(cfg.__dict__)

    # --- faults -----------------------------------------------------------------------
    def targets(d: dict[str, Any]) -> list[Any]:
        """The connections a connection fault names: `conn` (an id from /connections),
        else `target` all|market|user|private, optionally narrowed to `account`'s
        user-data connections."""
        conn = d.get("conn")
        account = d.get("account")
        try:
            return srv.hub.select(
                str(d.get("target", "all")),
                int(conn) if conn is not None else None,
                str(account) if account is not None else None,
            )
        except ValueError as e:
            raise web.HTTPBadRequest(text=str(e)) from None

    async def f_drop(request: web.Request) -> web.Response:
        need_faults()
        d = await _body(request)
        victims = targets(d)
        srv.hub.drop_conns(victims)
        return json_response({"dropped": len(victims), "conns": [c.id for c in victims]})

    async def f_stall(request: web.Request) -> web.Response:
        """A stalled connection writes nothing (events, replies, pongs are lost, not
        queued); `stall: false` lifts it and replays nothing."""
        need_faults()
        d = await _body(request)
        on = bool(d.get("stall", True))
        conns = targets(d)
        for c in conns:
            c.stalled = on
        return json_response(
            {"stalled" if on else "resumed": len(conns), "conns": [c.id for c in conns]}
        )

    async def f_gap(request: web.Request) -> web.Response:
        need_faults()
        d = await _body(request)
        m = srv.engine.spec(d.get("symbol"))
        srv.feeds.request_gap(m.symbol)
        return json_response({"ok": True})

    async def f_latency(request: web.Request) -> web.Response:
        need_faults()
        d = await _body(request)
        if "rest_ms" in d:
            srv.faults.rest_latency = float(d["rest_ms"]) / 1000
        if "ws_ms" in d:
            srv.hub.set_latency(float(d["ws_ms"]) / 1000)
        return json_response(
            {"rest_ms": srv.faults.rest_latency * 1000, "ws_ms": srv.hub.ws_latency * 1000}
        )

    async def f_rest_errors(request: web.Request) -> web.Response:
        need_faults()
        d = await _body(request)
        if d.get("clear"):
            srv.faults.rest_errors.clear()
            return json_response({"rules": 0})
        status = int(d.get("status", 503))
        if status not in (418, 429) and not 500 <= status <= 599:
            raise web.HTTPBadRequest(text="status must be 5xx, 429 or 418")
        count = d.get("count")
        srv.faults.rest_errors.append(
            RestErrorRule(
                status=status,
                count=int(count) if count is not None else None,
                fraction=float(d.get("fraction", 0.0)),
                path=str(d.get("path", "")),
                retry_after=int(d.get("retry_after", 1)),
            )
        )
        return json_response({"rules": len(srv.faults.rest_errors)})

    async def f_order_unknown(request: web.Request) -> web.Response:
        need_faults()
        d = await _body(request)
        mode = str(d.get("mode", "5xx"))
        if mode not in ("5xx", "close", "timeout", "slow"):
            raise web.HTTPBadRequest(text="mode must be 5xx, close, timeout or slow")
        srv.faults.order_unknown_mode = mode
        srv.faults.order_unknown_left = int(d.get("count", 1))
        if "timeout_s" in d:
            srv.faults_timeout_s = float(d["timeout_s"])
        return json_response({"mode": mode, "count": srv.faults.order_unknown_left})

    async def f_malformed(request: web.Request) -> web.Response:
        need_faults()
        d = await _body(request)
        kind = str(d.get("kind", "malformed"))
        if kind not in ("malformed", "truncated", *HOSTILE_KINDS):
            raise web.HTTPBadRequest(
                text="kind must be malformed, truncated, " + ", ".join(HOSTILE_KINDS)
            )
        target = str(d.get("target", "market"))
        target = {"private": "user"}.get(target, target)
        if target not in srv.hub.malformed:
            raise web.HTTPBadRequest(text="target must be market or user (private)")
        if kind in HOSTILE_KINDS and target != "market":
            raise web.HTTPBadRequest(text=f"{kind} applies to market depth diffs only")
        srv.hub.add_malformed(kind, int(d.get("count", 1)), target)
        return json_response(
            {"pending": srv.hub.malformed_pending(), target: len(srv.hub.malformed[target])}
        )

    async def f_clock(request: web.Request) -> web.Response:
        """Move the exchange clock `skew_ms` ahead of the wall clock (negative: behind):
        signed requests stamped by a client that has not re-measured get -1021."""
        need_faults()
        d = await _body(request)
        try:
            srv.faults.clock_skew_ms = int(d.get("skew_ms", 0))
        except (TypeError, ValueError):
            raise web.HTTPBadRequest(text="skew_ms must be an integer") from None
        return json_response({"skew_ms": srv.faults.clock_skew_ms, "serverTime": srv.now_ms()})

    async def f_restart(request: web.Request) -> web.Response:
        need_faults()
        d = await _body(request)
        downtime = float(d.get("downtime_ms", 300)) / 1000
        asyncio.get_running_loop().call_later(0.05, srv.schedule_restart, downtime)
        return json_response({"restarting": True, "downtime_ms": downtime * 1000})

    async def f_clear(request: web.Request) -> web.Response:
        need_faults()
        srv.faults.clear()
        srv.hub.set_latency(0.0)
        srv.hub.clear_malformed()
        for c in srv.hub.conns.values():
            c.stalled = False
        return json_response({"ok": True})

    r.add_get(PREFIX + "/health", health)
    r.add_get(PREFIX + "/stats", stats)
    r.add_get(PREFIX + "/connections", connections)
    r.add_get(PREFIX + "/book", book)
    r.add_post(PREFIX + "/generator/pause", pause)
    r.add_post(PREFIX + "/generator/resume", resume)
    r.add_post(PREFIX + "/generator/rates", rates)
    r.add_post(PREFIX + "/trade", trade)
    r.add_get(PREFIX + "/accounts", accounts)
    r.add_post(PREFIX + "/accounts", create_account)
    r.add_get(PREFIX + "/accounts/{key}/open_orders", open_orders)
    r.add_get(PREFIX + "/accounts/{key}/balances", balances)
    r.add_post(PREFIX + "/accounts/{key}/deposit", deposit)
    r.add_post(PREFIX + "/limits", limits)
    r.add_post(PREFIX + "/futures/premium", futures_premium)
    r.add_post(PREFIX + "/futures/tick", futures_tick)
    r.add_post(PREFIX + "/faults/ws/drop", f_drop)
    r.add_post(PREFIX + "/faults/ws/stall", f_stall)
    r.add_post(PREFIX + "/faults/depth_gap", f_gap)
    r.add_post(PREFIX + "/faults/latency", f_latency)
    r.add_post(PREFIX + "/faults/rest_errors", f_rest_errors)
    r.add_post(PREFIX + "/faults/order_unknown", f_order_unknown)
    r.add_post(PREFIX + "/faults/malformed", f_malformed)
    r.add_post(PREFIX + "/faults/restart", f_restart)
    r.add_post(PREFIX + "/faults/clock", f_clock)
    r.add_post(PREFIX + "/faults/clear", f_clear)
