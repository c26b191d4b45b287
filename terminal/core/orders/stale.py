"""Stale orders: open orders older than a configured age (flagged; auto-cancel optional)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from terminal.domain.order import Order, OrderStatus

RESTING = (OrderStatus.OPEN, OrderStatus.PARTIALLY_FILLED)


def stale_orders(orders: Iterable[Order], now: datetime, max_age_s: float) -> list[Order]:
    """Orders resting on the venue since before `now - max_age_s`, oldest first."""
    cutoff = now - timedelta(seconds=max_age_s)
    found = [o for o in orders if o.status in RESTING and o.created_at < cutoff]
    return sorted(found, key=lambda o: o.created_at)


def is_stale(order: Order, now: datetime, max_age_s: float) -> bool:
    return order.status in RESTING and order.created_at < now - timedelta(seconds=max_age_s)
