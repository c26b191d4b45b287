"""Stale orders: open orders older than a configured age (flagged; auto-cancel optional)."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Protocol

from terminal.core.orders.journal import OrderJournal
from terminal.core.orders.policy import OrderPolicy
from terminal.core.orders.tracker import OrderTracker
from terminal.core.ports import ExchangePort
from terminal.domain.ids import ClientOrderId
from terminal.domain.order import Order, OrderStatus
from terminal.domain.session import SessionKey

log = logging.getLogger(__name__)

RESTING = (OrderStatus.OPEN, OrderStatus.PARTIALLY_FILLED)


def stale_orders(orders: Iterable[Order], now: datetime, max_age_s: float) -> list[Order]:
    """Orders resting on the venue since before `now - max_age_s`, oldest first."""
    cutoff = now - timedelta(seconds=max_age_s)
    found = [o for o in orders if o.status in RESTING and o.created_at < cutoff]
    return sorted(found, key=lambda o: o.created_at)


def is_stale(order: Order, now: datetime, max_age_s: float) -> bool:
    return order.status in RESTING and order.created_at < now - timedelta(seconds=max_age_s)


class StaleCore(Protocol):
    """What the stale-order sweep uses of the order service."""

    @property
    def journal(self) -> OrderJournal: ...
    @property
    def tracker(self) -> OrderTracker: ...
    @property
    def policy(self) -> OrderPolicy: ...
    def session(self, key: SessionKey) -> ExchangePort | None: ...
    async def cancel(self, client_order_id: ClientOrderId) -> Order: ...


async def sweep_stale(service: StaleCore, now: datetime) -> list[Order]:
    """Cancel the stale orders of connected sessions when auto-cancel is on; each act is
    journaled first. Returns the orders cancelled."""
    policy = service.policy
    if not policy.auto_cancel_stale:
        return []
    done = []
    for order in stale_orders(service.tracker.live(), now, policy.stale_order_age_s):
        if service.session(order.session) is None:
            continue
        await service.journal.record_safety_event(
            "stale_auto_cancel",
            {
                "client_order_id": order.client_order_id,
                "venue": order.venue,
                "session": order.session.label,
                "symbol": order.symbol,
                "created_at": order.created_at.isoformat(),
                "max_age_s": policy.stale_order_age_s,
            },
        )
        try:
            done.append(await service.cancel(order.client_order_id))
        except Exception as exc:
            log.warning("stale auto-cancel of %s failed: %s", order.client_order_id, exc)
    if done:
        service.tracker.notice("info", f"Auto-cancelled {len(done)} stale order(s).")
    return done
