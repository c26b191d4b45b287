"""Binance request limits: REQUEST_WEIGHT per minute (global: everything is one IP here)
and ORDERS per 10 s per account, answered with 429 + Retry-After (418 on repeat)."""

from __future__ import annotations

from dataclasses import dataclass

from .errors import ApiError, orders_exceeded, weight_exceeded


@dataclass
class LimitConfig:
    weight_per_minute: int = 6000
    orders_per_10s: int = 50
    orders_per_day: int = 160_000
    ban_after: int = 0  # 429s within one minute before a 418 (0 = never ban)
    ban_seconds: int = 120


def endpoint_weight(path: str, method: str, params: dict[str, str]) -> int:
    """Weights as Binance publishes them for the spot endpoints served here."""
    p = path.removeprefix("/api/v3/")
    if p == "depth":
        try:
            limit = int(params.get("limit") or 100)
        except ValueError:
            limit = 100
        return 5 if limit <= 100 else 25 if limit <= 500 else 50 if limit <= 1000 else 250
    if p == "exchangeInfo":
        return 20
    if p in ("account", "allOrders", "myTrades"):
        return 20
    if p == "openOrders":
        return 6 if params.get("symbol") or method == "DELETE" else 80
    if p == "ticker/24hr":
        return 2 if params.get("symbol") else 80
    if p in ("ticker/price", "ticker/bookTicker"):
        return 2 if params.get("symbol") else 4
    if p in ("trades", "aggTrades", "klines"):
        return 2 if p == "klines" else 25 if p == "trades" else 4
    if p in ("order", "orderList") and method == "GET":
        return 4
    if p == "allOrderList":
        return 20
    if p == "openOrderList":
        return 6
    return 1


class RateLimiter:
    def __init__(self, config: LimitConfig) -> None:
        self.config = config
        self.minute = -1
        self.used = 0
        self.violations = 0
        self.banned_until = 0
        self.orders: dict[str, tuple[int, int]] = {}  # account -> (10s window, count)
        self.orders_day: dict[str, tuple[int, int]] = {}

    def charge(self, weight: int, now_ms: int) -> int:
        """Add ``weight``; raise 429/418 past the limit. Returns the minute's used weight."""
        if now_ms < self.banned_until:
            raise ApiError(
                -1003,
                f"Way too much request weight used; IP banned until "
                f"{self.banned_until}. Please use WebSocket Streams for live "
                "updates to avoid bans.",
                status=418,
                headers={"Retry-After": str((self.banned_until - now_ms) // 1000 + 1)},
            )
        minute = now_ms // 60_000
        if minute != self.minute:
            self.minute, self.used, self.violations = minute, 0, 0
        self.used += weight
        if self.used > self.config.weight_per_minute:
            self.violations += 1
            retry = (60_000 - now_ms % 60_000) // 1000 + 1
            if self.config.ban_after and self.violations > self.config.ban_after:
                self.banned_until = now_ms + self.config.ban_seconds * 1000
                raise ApiError(
                    -1003,
                    f"Way too much request weight used; IP banned until {self.banned_until}.",
                    status=418,
                    headers={"Retry-After": str(self.config.ban_seconds)},
                )
            raise weight_exceeded(self.config.weight_per_minute, retry)
        return self.used

    def used_weight(self, now_ms: int) -> int:
        return self.used if now_ms // 60_000 == self.minute else 0

    def charge_order(self, account: str, now_ms: int) -> int:
        window = now_ms // 10_000
        w, n = self.orders.get(account, (window, 0))
        if w != window:
            n = 0
        n += 1
        self.orders[account] = (window, n)
        if n > self.config.orders_per_10s:
            raise orders_exceeded(
                self.config.orders_per_10s, (10_000 - now_ms % 10_000) // 1000 + 1
            )
        day = now_ms // 86_400_000
        d, dn = self.orders_day.get(account, (day, 0))
        if d != day:
            dn = 0
        self.orders_day[account] = (day, dn + 1)
        return n

    def order_count(self, account: str, now_ms: int) -> int:
        w, n = self.orders.get(account, (0, 0))
        return n if w == now_ms // 10_000 else 0
