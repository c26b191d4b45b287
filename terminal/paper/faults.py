"""Fault-injection state consulted by the REST middleware and the order endpoint.

The clock skew moves the exchange's own clock (server time, signed-request windows,
event times), as a venue whose clock jumped, or a client clock left behind by a suspend,
looks to the client.

Connection faults (drop, stall, WS latency, malformed frames) live on the Hub; depth gaps
on Feeds. This holds the REST side: latency, error answers, and "execute then fail".
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field


@dataclass
class RestErrorRule:
    status: int  # 5xx, 429 or 418
    count: int | None = None  # next N matching requests
    fraction: float = 0.0  # or a random fraction of them
    path: str = ""  # only paths starting with this (empty = all of /api/)
    retry_after: int = 1

    def matches(self, path: str) -> bool:
        return path.startswith(self.path or "/api/")


@dataclass
class Faults:
    enabled: bool = False
    rest_latency: float = 0.0
    rest_errors: list[RestErrorRule] = field(default_factory=list)
    order_unknown_mode: str = ""  # "5xx", "close" or "timeout"
    order_unknown_left: int = 0
    clock_skew_ms: int = 0  # the exchange clock runs this far ahead (negative: behind)
    rng: random.Random = field(default_factory=lambda: random.Random(7))

    def pick_error(self, path: str) -> RestErrorRule | None:
        for rule in self.rest_errors:
            if not rule.matches(path):
                continue
            if rule.count is not None:
                if rule.count <= 0:
                    continue
                rule.count -= 1
                return rule
            if self.rng.random() < rule.fraction:
                return rule
        self.rest_errors = [r for r in self.rest_errors if r.count is None or r.count > 0]
        return None

    def take_order_unknown(self) -> str:
        if self.order_unknown_left > 0:
            self.order_unknown_left -= 1
            return self.order_unknown_mode
        return ""

    def clear(self) -> None:
        self.rest_latency = 0.0
        self.rest_errors.clear()
        self.order_unknown_mode = ""
        self.order_unknown_left = 0
        self.clock_skew_ms = 0
