"""Evaluates price alerts on market-state updates, off the paint path.

The engine registers one listener on `MarketState`: every ticker or book update of a
market that has an alert is evaluated right there, in the feed loop that stored it,
never by a widget's frame timer. Unrelated updates cost one dict lookup.

Only fresh data fires an alert: the feed that delivered the update must be live (a
stale, reconnecting or failed feed fires nothing) and, when the venue stamps its data,
the stamp must be younger than `max_age_ms`. A crossing needs two fresh prices, one on
each side of the level; the first fresh price after a start or a gap only sets the side.

A firing is handed to the `on_fired` listeners (the UI queues it for sound,
notification and history; persistence happens there, off this loop).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from decimal import Decimal

from terminal.core.alerts.model import (
    Alert,
    AlertFiring,
    AlertKind,
    AlertMarket,
    Direction,
    PriceSource,
)
from terminal.core.alerts.window import ChangeWindow
from terminal.core.marketstate import FeedKey, FeedKind, MarketState

log = logging.getLogger(__name__)

FiredListener = Callable[[Alert, AlertFiring], None]
HUNDRED = Decimal(100)


class AlertEngine:
    def __init__(
        self,
        state: MarketState,
        now_ms: Callable[[], int],
        *,
        max_age_ms: int = 30_000,
    ) -> None:
        self.state = state
        self.now_ms = now_ms
        self.max_age_ms = max_age_ms
        self._alerts: dict[str, Alert] = {}
        self._by_market: dict[AlertMarket, set[str]] = {}
        self._prev: dict[str, Decimal] = {}
        self._windows: dict[str, ChangeWindow] = {}
        self._listeners: list[FiredListener] = []
        self._attached = False
        self.skipped_stale = 0  # updates of watched markets ignored as not fresh

    # -- life cycle ------------------------------------------------------------------------
    def attach(self) -> None:
        if not self._attached:
            self.state.add_listener(self.on_update)
            self._attached = True

    def detach(self) -> None:
        if self._attached:
            self.state.remove_listener(self.on_update)
            self._attached = False

    def on_fired(self, listener: FiredListener) -> Callable[[], None]:
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    # -- the alerts ----------------------------------------------------------------------------
    def alerts(self) -> list[Alert]:
        return sorted(self._alerts.values(), key=lambda a: (a.created_ms, a.alert_id))

    def get(self, alert_id: str) -> Alert | None:
        return self._alerts.get(alert_id)

    def has_side(self, alert_id: str) -> bool:
        """A crossing alert has seen a fresh price, so the next one can cross its level."""
        return alert_id in self._prev

    def markets(self) -> set[AlertMarket]:
        """Markets with at least one active alert (their feeds must stay subscribed)."""
        return {a.market for a in self._alerts.values() if a.active}

    def put(self, alert: Alert) -> None:
        """Add or replace an alert (a replaced one starts over: no side, empty window)."""
        alert.check()
        self.remove(alert.alert_id)
        self._alerts[alert.alert_id] = alert
        if alert.active:
            self._by_market.setdefault(alert.market, set()).add(alert.alert_id)

    def remove(self, alert_id: str) -> Alert | None:
        alert = self._alerts.pop(alert_id, None)
        self._prev.pop(alert_id, None)
        self._windows.pop(alert_id, None)
        if alert is not None:
            ids = self._by_market.get(alert.market)
            if ids is not None:
                ids.discard(alert_id)
                if not ids:
                    del self._by_market[alert.market]
        return alert

    # -- evaluation ------------------------------------------------------------------------------
    def on_update(self, key: FeedKey) -> None:
        kind = key.kind
        if (kind is not FeedKind.TICKER and kind is not FeedKind.BOOK) or key.symbol is None:
            return
        ids = self._by_market.get(AlertMarket(key.venue, key.mode, key.symbol))
        if not ids:
            return
        now = self.now_ms()
        prices = self._fresh_prices(key, now)
        if prices is None:
            self.skipped_stale += 1
            return
        for alert_id in list(ids):
            alert = self._alerts.get(alert_id)
            price = prices.get(alert.source) if alert is not None else None
            if alert is None or price is None or not alert.active:
                continue
            try:
                self._evaluate(alert, price, now)
            except Exception:  # one broken alert never stops the feed loop
                log.exception("alert %s could not be evaluated", alert_id)

    def _fresh_prices(self, key: FeedKey, now: int) -> dict[PriceSource, Decimal] | None:
        state = self.state
        if not state.is_live(key):
            return None
        out: dict[PriceSource, Decimal] = {}
        if key.kind is FeedKind.TICKER:
            ticker = state.ticker(key)
            if ticker is None or self._too_old(ticker.timestamp_ms, now):
                return None
            for source, value in (
                (PriceSource.LAST, ticker.last),
                (PriceSource.BID, ticker.bid),
                (PriceSource.ASK, ticker.ask),
                (PriceSource.MARK, ticker.mark),
            ):
                if value is not None and value.is_finite() and value > 0:
                    out[source] = value
            return out
        view = state.book_view(key, 1)
        if view is None or self._too_old(view.timestamp_ms, now):
            return None
        if view.bids:
            out[PriceSource.BID] = view.bids[0].price
        if view.asks:
            out[PriceSource.ASK] = view.asks[0].price
        return out

    def _too_old(self, stamp_ms: int | None, now: int) -> bool:
        return stamp_ms is not None and now - stamp_ms > self.max_age_ms

    def _evaluate(self, alert: Alert, price: Decimal, now: int) -> None:
        if alert.kind is AlertKind.CROSS:
            reference = self._crossed(alert, price)
        else:
            reference = self._moved(alert, price, now)
        if reference is None:
            return
        last = alert.last_fired_ms
        if last is not None and now - last < alert.cooldown_s * 1000:
            return
        self._fire(alert, price, reference, now)

    def _crossed(self, alert: Alert, price: Decimal) -> Decimal | None:
        prev = self._prev.get(alert.alert_id)
        self._prev[alert.alert_id] = price
        level = alert.level
        if prev is None or level is None:
            return None
        up = prev < level <= price
        down = prev > level >= price
        d = alert.direction
        if (up and d is not Direction.DOWN) or (down and d is not Direction.UP):
            return level
        return None

    def _moved(self, alert: Alert, price: Decimal, now: int) -> Decimal | None:
        window = self._windows.get(alert.alert_id)
        if window is None:
            window = self._windows[alert.alert_id] = ChangeWindow(alert.window_s * 1000)
        low, high = window.add(now, price)
        percent = alert.percent
        if percent is None:
            return None
        d = alert.direction
        if d is not Direction.DOWN and low > 0 and (price - low) * HUNDRED >= percent * low:
            return low
        if d is not Direction.UP and high > 0 and (high - price) * HUNDRED >= percent * high:
            return high
        return None

    def _fire(self, alert: Alert, price: Decimal, reference: Decimal, now: int) -> None:
        fired = alert.fired(now)
        self._alerts[alert.alert_id] = fired
        window = self._windows.get(alert.alert_id)
        if window is not None:
            window.reset()  # a repeat needs a new move, not the same one again
        if not fired.active:
            self.remove(alert.alert_id)
            self._alerts[alert.alert_id] = fired  # kept for the list, no longer evaluated
        if alert.kind is AlertKind.CROSS:
            text = f"{alert.describe()}: {alert.source.value} {price}"
        else:
            text = f"{alert.describe()}: {alert.source.value} {price} (from {reference})"
        firing = AlertFiring(
            alert.alert_id, alert.market, now, alert.source, price, reference, text
        )
        for listener in list(self._listeners):
            try:
                listener(fired, firing)
            except Exception:
                log.exception("an alert listener failed")
