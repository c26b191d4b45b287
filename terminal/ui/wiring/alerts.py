"""Price alerts in the window: the engine on the market state, the alerts panel, the
chart's "Alert here", the ladder's right-click, the alert lines, and what a firing does.

The engine (terminal.core.alerts) evaluates each ticker or book update of a watched
market inside the feed loop that stored it. Its firings are only queued there; the
frame clock drains the queue: the sound, a desktop notification, a line in the
notifications panel and a row in the alerts history, and the journal records the firing
and the alert's new state (so a fired one-shot alert stays fired after a restart).

The feeds an alert needs (the ticker of its market) stay subscribed while the alert is
active and its venue is connected, whatever market the window shows.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import replace
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from terminal.core.alerts.engine import AlertEngine
from terminal.core.alerts.model import (
    Alert,
    AlertFiring,
    AlertKind,
    AlertMarket,
    AlertSpecError,
    Direction,
    PriceSource,
)
from terminal.core.marketstate import FeedKey, FeedKind, MarketState
from terminal.ui.frame import FrameCounter
from terminal.ui.panels.alerts_panel import AlertDraft, AlertsPanel

if TYPE_CHECKING:
    from terminal.core.supervision import TaskOwner
    from terminal.services import TerminalServices
    from terminal.settings import UiSettings
    from terminal.ui.alert_sound import AlertSound
    from terminal.ui.desktop_notify import DesktopNotifier
    from terminal.ui.main_window import MainWindow
    from terminal.ui.wiring.market import MarketWiring
    from terminal.ui.wiring.panels import Panels

log = logging.getLogger(__name__)

SYNC_EVERY_S = 1.0
ALERT_COLOUR = "#f0b90b"  # amber: readable on the dark and the light chart
ARROWS = {Direction.UP: "▲ ", Direction.DOWN: "▼ ", Direction.EITHER: ""}


def now_ms() -> int:
    return int(time.time() * 1000)


class AlertsWiring:
    """Price alerts of the window. `market` says which market is shown, `services` give
    the chart store, the connected sessions and the tickers the alerts watch."""

    def __init__(
        self,
        panel: AlertsPanel,
        sound: AlertSound,
        notifier: DesktopNotifier,
        on_sound_changed: Callable[[bool], None],
        *,
        state: MarketState,
        market: MarketWiring,
        services: TerminalServices,
        tasks: TaskOwner,
        window: MainWindow,
        notifications: Any,  # the notifications panel
        dom_view: Any,  # the price ladder's view (its "alert here")
    ) -> None:
        self.state = state
        self.market = market
        self.services = services
        self.tasks = tasks
        self.window = window
        self.notifications = notifications
        self.panel = panel
        self.sound = sound
        self.notifier = notifier
        self.frames = FrameCounter()
        self.engine = AlertEngine(state, now_ms)
        self.engine.attach()
        self._unfired = self.engine.on_fired(self._queue)
        self._pending: deque[tuple[Alert, AlertFiring]] = deque(maxlen=1000)
        self._subs: dict[AlertMarket, Any] = {}
        self._dirty = True
        self._synced_at = 0.0
        self._market_text = ""
        self.lines: Any = None  # the chart's PriceLineLayer of alert lines
        self.loaded = False
        self.fired: list[AlertFiring] = []  # firings of this run, oldest first
        panel.add_requested.connect(self.add_from_panel)
        panel.delete_requested.connect(self.delete)
        panel.sound_toggled.connect(self._sound_toggled)
        self._on_sound_changed = on_sound_changed
        dom_view.alertRequested.connect(self.alert_at)
        tasks.spawn(self._load(), "alerts-load")

    # -- set up ------------------------------------------------------------------------------
    def _store(self) -> Any:
        journal = self.services.journal
        return journal.chart if journal is not None else None

    async def _load(self) -> None:
        store = self._store()
        if store is None:
            return
        for alert in await store.load_alerts():
            try:
                self.engine.put(alert)
            except AlertSpecError as exc:
                log.warning("alert %s not loaded: %s", alert.alert_id, exc)
        history = await store.firings()
        self.panel.add_history(history[::-1])
        self.loaded = True
        self._dirty = True

    def attach_chart(self, chart: Any, menu: Any) -> None:
        """The chart is built late: its lines and its menu's "Alert here" join then.
        The lines are the chart's own draggable price-line layer: dropping one moves
        the alert's level (snapped to the tick)."""
        from terminal.ui.widgets.chart_menu import ALERT

        self.lines = chart.line_layer()
        self.lines.dropped.connect(self.move_level)
        menu.chosen.connect(lambda kind, price: self.alert_at(price) if kind == ALERT else None)
        self._dirty = True

    def close(self) -> None:
        self._unfired()
        self.engine.detach()
        for sub in self._subs.values():
            sub.close()
        self._subs.clear()
        self.notifier.close()

    # -- creating and deleting -----------------------------------------------------------------
    def active_market(self) -> AlertMarket | None:
        active = self.market.active
        if active is None:
            return None
        return AlertMarket(active.session.venue, active.session.mode, active.symbol)

    def last_price(self) -> Decimal | None:
        active = self.market.active
        if active is None:
            return None
        ticker = self.state.ticker(active.key(FeedKind.TICKER))
        if ticker is not None and ticker.last is not None:
            return ticker.last
        view = self.state.book_view(active.key(FeedKind.BOOK), 1)
        return view.mid if view is not None else None

    def alert_at(self, price_text: str) -> Alert | None:
        """From the chart or the ladder: last price crosses `price_text` (the side the
        price is on now decides up or down)."""
        try:
            level = Decimal(price_text)
        except InvalidOperation:
            self.panel.say(f"Not an alert price: {price_text!r}", error=True)
            return None
        last = self.last_price()
        if last is None:
            direction = Direction.EITHER
        else:
            direction = Direction.UP if level > last else Direction.DOWN
        return self.create(AlertKind.CROSS, PriceSource.LAST, direction, level=level)

    def add_from_panel(self, draft: AlertDraft) -> Alert | None:
        what = "percentage" if draft.kind is AlertKind.CHANGE else "price"
        try:
            value = Decimal(draft.value_text)
        except InvalidOperation:
            self.panel.say(f"Not added: the {what} {draft.value_text!r} is not a number", True)
            return None
        if draft.kind is AlertKind.CROSS:
            return self.create(
                draft.kind, draft.source, draft.direction, level=value, repeat=draft.repeat
            )
        return self.create(
            draft.kind,
            draft.source,
            draft.direction,
            percent=value,
            window_s=draft.window_s,
            repeat=draft.repeat,
        )

    def create(
        self,
        kind: AlertKind,
        source: PriceSource,
        direction: Direction,
        *,
        level: Decimal | None = None,
        percent: Decimal | None = None,
        window_s: int = 0,
        repeat: bool = False,
    ) -> Alert | None:
        market = self.active_market()
        if market is None:
            self.panel.say("Not added: no market is shown yet", error=True)
            return None
        alert = Alert(
            uuid.uuid4().hex,
            market,
            kind,
            source,
            direction,
            level=level,
            percent=percent,
            window_s=window_s,
            repeat=repeat,
            created_ms=now_ms(),
        )
        try:
            self.engine.put(alert)
        except AlertSpecError as exc:
            self.panel.say(f"Not added: {exc}", error=True)
            return None
        self._persist(alert)
        self.panel.say(f"Alert added: {alert.describe()}")
        self._dirty = True
        return alert

    def move_level(self, alert_id: str, price: Decimal) -> Alert | None:
        """A dragged alert line was dropped at `price`: the alert watches that level now
        (up or down from the last price, as when it was made; "crosses" stays)."""
        alert = self.engine.get(alert_id)
        if alert is None or alert.kind is not AlertKind.CROSS or not alert.active:
            if self.lines is not None:
                self.lines.restore(alert_id)
            return None
        direction = alert.direction
        last = self.last_price()
        if direction is not Direction.EITHER and last is not None and price != last:
            direction = Direction.UP if price > last else Direction.DOWN
        moved = replace(alert, level=price, direction=direction)
        self.engine.put(moved)
        self._persist(moved)
        self.panel.say(f"Alert moved: {moved.describe()}")
        self._dirty = True
        return moved

    def delete(self, alert_id: str) -> None:
        alert = self.engine.remove(alert_id)
        if alert is None:
            return
        store = self._store()
        if store is not None:
            self.tasks.spawn(store.delete_alert(alert_id), "alert-delete")
        self.panel.say(f"Alert deleted: {alert.describe()}")
        self._dirty = True

    def _persist(self, alert: Alert, firing: AlertFiring | None = None) -> None:
        store = self._store()
        if store is None:
            return

        async def write() -> None:
            await store.save_alert(alert)
            if firing is not None:
                await store.record_firing(firing)

        self.tasks.spawn(write(), "alert-save")

    def _sound_toggled(self, enabled: bool) -> None:
        self.sound.set_enabled(enabled)
        self._on_sound_changed(enabled)

    # -- firing --------------------------------------------------------------------------------
    def _queue(self, alert: Alert, firing: AlertFiring) -> None:
        """In the feed loop: only queue (the frame clock does the rest)."""
        self._pending.append((alert, firing))

    def _deliver(self, alert: Alert, firing: AlertFiring) -> None:
        self.fired.append(firing)
        self._persist(alert, firing)
        self.sound.play()
        title = f"Alert: {firing.market.symbol}"
        self.notifier.notify(title, firing.text)
        text = f"{firing.market.label}: {firing.text}"
        log.info("alert fired: %s", text)
        self.notifications.add("warning", text, title="Price alert")
        self.window.show_status(f"Price alert {text}", 10_000)
        self.panel.add_history([firing])

    # -- frame clock -------------------------------------------------------------------------------
    def refresh(self) -> bool:
        changed = False
        while self._pending:
            alert, firing = self._pending.popleft()
            self._deliver(alert, firing)
            changed = self._dirty = True
        market = self.active_market()
        text = market.label if market is not None else "No market"
        if text != self._market_text:
            self._market_text = text
            self.panel.set_market(text)
            self._dirty = True
        if self._dirty:
            self._dirty = False
            alerts = self.engine.alerts()
            self.panel.set_alerts(alerts)
            self._sync_feeds()
            self._show_lines(alerts, market)
            changed = True
        elif time.monotonic() - self._synced_at > SYNC_EVERY_S:
            self._sync_feeds()  # venues connect and disconnect on their own time
        if changed:
            self.frames.mark()
        return changed

    def _show_lines(self, alerts: list[Alert], market: AlertMarket | None) -> None:
        if self.lines is None:
            return
        from terminal.ui.widgets.price_lines import LineStyle, PriceLine

        colour = ALERT_COLOUR
        self.lines.set(
            [
                PriceLine(
                    a.alert_id,
                    a.level,
                    f"ALERT {a.source.value} {ARROWS[a.direction]}{a.level}",
                    colour,
                    LineStyle.DOTTED,
                    draggable=True,
                    tooltip=f"{a.describe()}: drag to move the level",
                    short=f"ALERT {a.level}",
                )
                for a in alerts
                if a.active and a.market == market and a.level is not None
            ]
        )

    def _sync_feeds(self) -> None:
        """Keep the ticker of every watched market subscribed while its venue is up."""
        self._synced_at = time.monotonic()
        services = self.services
        if services.exchange is None:  # closing
            return
        sessions = services.sessions
        wanted = {
            m
            for m in self.engine.markets()
            if (s := sessions.get(m.venue)) is not None and s.key.mode == m.mode
        }
        for market in list(self._subs):
            if market not in wanted:
                self._subs.pop(market).close()
        for market in wanted - set(self._subs):
            try:
                self._subs[market] = services.subscribe(
                    FeedKey.ticker(market.venue, market.symbol, market.mode)
                )
            except Exception:  # a venue closing under us: the next change tries again
                log.exception("cannot subscribe the ticker of %s for its alerts", market.label)


def build_alerts(
    window: MainWindow,
    panels: Panels,
    ui: UiSettings,
    *,
    state: MarketState,
    market: MarketWiring,
    services: TerminalServices,
    tasks: TaskOwner,
) -> AlertsWiring:
    """The alerts of the window, with the sound and notifier of the settings."""
    from terminal.ui.alert_sound import AlertSound
    from terminal.ui.desktop_notify import DesktopNotifier

    def sound_changed(enabled: bool) -> None:
        ui.alert_sound = enabled

    return AlertsWiring(
        panels.alerts,
        AlertSound(ui.alert_sound),
        DesktopNotifier(window.windowIcon(), window),
        sound_changed,
        state=state,
        market=market,
        services=services,
        tasks=tasks,
        window=window,
        notifications=panels.notifications,
        dom_view=panels.dom.view,
    )
