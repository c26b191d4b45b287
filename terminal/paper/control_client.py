"""A tiny stdlib client for the control API (/_paper/...), used by tests and tools.

Calls are synchronous (urllib) and short; from async code wrap them in
``asyncio.to_thread`` if the loop must not stall for a few milliseconds.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any


class ControlError(RuntimeError):
    pass


class PaperControl:
    def __init__(self, base_url: str, timeout: float = 10.0) -> None:
        self.base = base_url.rstrip("/") + "/_paper"
        self.timeout = timeout

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(
            self.base + path, data=data, method=method, headers={"Content-Type": "application/json"}
        )
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                return json.loads(resp.read() or b"null")
        except urllib.error.HTTPError as e:
            raise ControlError(f"{method} {path}: {e.code} {e.read()[:300]!r}") from None

    def get(self, path: str) -> Any:
        return self._call("GET", path)

    def post(self, path: str, body: dict[str, Any] | None = None) -> Any:
        return self._call("POST", path, body or {})

    # --- always available ----------------------------------------------------------------
    def health(self) -> dict[str, Any]:
        return self.get("/health")

    def stats(self) -> dict[str, Any]:
        return self.get("/stats")

    def connections(self) -> list[dict[str, Any]]:
        return self.get("/connections")

    def book(self, symbol: str, limit: int = 100_000) -> dict[str, Any]:
        """The engine's own book: {"lastUpdateId", "bids": [[p, q]], "asks": [...]}."""
        return self.get(f"/book?symbol={_sym(symbol)}&limit={limit}")

    def pause(self) -> dict[str, Any]:
        """Stop the generator; pending depth diffs are flushed before this returns."""
        return self.post("/generator/pause")

    def resume(self) -> dict[str, Any]:
        return self.post("/generator/resume")

    def set_rates(self, **rates: Any) -> dict[str, Any]:
        return self.post("/generator/rates", rates)

    def force_trade(self, symbol: str, side: str, price: str) -> dict[str, Any]:
        """Simulated taker sweeps the book through ``price`` (BUY: asks <= price)."""
        return self.post(
            "/trade", {"symbol": _sym(symbol), "side": side.upper(), "price": str(price)}
        )

    def accounts(self) -> list[dict[str, str]]:
        return self.get("/accounts")

    def create_account(self, balances: dict[str, str] | None = None) -> dict[str, str]:
        """A new funded account: {"apiKey": ..., "secret": ...}."""
        return self.post("/accounts", {} if balances is None else {"balances": balances})

    def open_orders(self, api_key: str, symbol: str | None = None) -> list[dict[str, Any]]:
        q = f"?symbol={_sym(symbol)}" if symbol else ""
        return self.get(f"/accounts/{api_key}/open_orders{q}")

    def balances(self, api_key: str) -> dict[str, dict[str, str]]:
        return self.get(f"/accounts/{api_key}/balances")

    def deposit(self, api_key: str, asset: str, amount: str) -> Any:
        return self.post(f"/accounts/{api_key}/deposit", {"asset": asset, "amount": str(amount)})

    def set_limits(self, **limits: int) -> dict[str, Any]:
        """weight_per_minute, orders_per_10s, orders_per_day, ban_after, ban_seconds;
        ``unban=1`` lifts a 418 ban and zeroes the minute's used weight."""
        return self.post("/limits", limits)

    # --- faults (server started with faults enabled) ------------------------------------
    def drop_ws(
        self, target: str = "all", conn: int | None = None, account: str | None = None
    ) -> int:
        """Abort connections: one by id (`conn`), else every one of `target`
        (all|market|user|private), optionally only `account`'s user-data connections."""
        return self.post("/faults/ws/drop", {"target": target, "conn": conn, "account": account})[
            "dropped"
        ]

    def stall_ws(
        self,
        stall: bool = True,
        target: str = "all",
        conn: int | None = None,
        account: str | None = None,
    ) -> Any:
        """Stop (or resume) all writes on the selected connections, sockets left open.
        While stalled, every frame meant for them (stream data, private events, request
        replies, pongs) is lost; resuming replays nothing. Selection as in `drop_ws`."""
        return self.post(
            "/faults/ws/stall", {"stall": stall, "target": target, "conn": conn, "account": account}
        )

    def user_connections(self, api_key: str | None = None) -> list[dict[str, Any]]:
        """Open user-data (WebSocket API) connections, optionally of one account."""
        return [
            c
            for c in self.connections()
            if c["kind"] == "user" and (api_key is None or c["account"] == api_key)
        ]

    def depth_gap(self, symbol: str) -> Any:
        return self.post("/faults/depth_gap", {"symbol": _sym(symbol)})

    def latency(self, rest_ms: float | None = None, ws_ms: float | None = None) -> Any:
        body: dict[str, Any] = {}
        if rest_ms is not None:
            body["rest_ms"] = rest_ms
        if ws_ms is not None:
            body["ws_ms"] = ws_ms
        return self.post("/faults/latency", body)

    def rest_errors(
        self,
        status: int = 503,
        count: int | None = None,
        fraction: float = 0.0,
        path: str = "",
        retry_after: int = 1,
    ) -> Any:
        return self.post(
            "/faults/rest_errors",
            {
                "status": status,
                "count": count,
                "fraction": fraction,
                "path": path,
                "retry_after": retry_after,
            },
        )

    def order_unknown(
        self, mode: str = "5xx", count: int = 1, timeout_s: float | None = None
    ) -> Any:
        body: dict[str, Any] = {"mode": mode, "count": count}
        if timeout_s is not None:
            body["timeout_s"] = timeout_s
        return self.post("/faults/order_unknown", body)

    def malformed(self, kind: str = "malformed", count: int = 1, target: str = "market") -> Any:
        """Corrupt the next `count` market-stream frames (target "market") or private
        user-data events (target "user"/"private"); each target keeps its own queue."""
        return self.post("/faults/malformed", {"kind": kind, "count": count, "target": target})

    def clock_skew(self, skew_ms: int) -> Any:
        """Run the exchange clock `skew_ms` ahead of the wall clock (0 puts it back)."""
        return self.post("/faults/clock", {"skew_ms": skew_ms})

    def restart(self, downtime_ms: int = 300) -> Any:
        return self.post("/faults/restart", {"downtime_ms": downtime_ms})

    def clear_faults(self) -> Any:
        return self.post("/faults/clear")


def _sym(symbol: str | None) -> str:
    return (symbol or "").replace("/", "").upper()
