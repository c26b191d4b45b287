"""The GUI's controller: builds the panels and the core after the first paint, wires them,
follows the active venue/symbol, and closes everything in bounded time.

Importing this module is cheap (no ccxt, SQLAlchemy or pyqtgraph): `run_gui` imports it
before the first paint. `start()` does the heavy part as an owned task:

1. the panels (pyqtgraph) go into the docks, the frame clock starts;
2. `TerminalServices` opens the journal, loads the safety state (emergency stop
   persisted across runs) and starts or joins the paper exchange;
3. the paper venue connects; its feeds (book, trades, candles with back-fill, ticker,
   private streams) start on the exchange manager's `FeedHub` at once, and reconciliation runs
   beside them (order entry opens when it has finished);
4. the venues the user connected in earlier runs reconnect in the background
   (`wiring.reconnect`), and the one active at the last exit becomes active again;
5. every later venue/symbol/timeframe change moves the subscriptions.

`aclose()` releases the feeds, closes the hub (ccxt.pro sockets), the services (sessions,
journal, paper exchange) and the tasks, each step bounded; the whole within the budget
`run_gui` gives it.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import time
from typing import Any

from PySide6.QtCore import QObject, Signal

from terminal.domain.session import MarketType
from terminal.paths import AppPaths
from terminal.settings import Settings, save_settings
from terminal.ui.about import bring_to_front, show_about
from terminal.ui.bridge import CoreBridge
from terminal.ui.controller_market import ActiveMarketControl
from terminal.ui.controller_panels import PanelBuilding
from terminal.ui.controller_start import StartSequence
from terminal.ui.frame import FrameClock
from terminal.ui.main_window import MainWindow
from terminal.ui.tasks import gui_task_owner
from terminal.ui.theme import ThemeManager

log = logging.getLogger(__name__)

PAPER = "paper"
FIRST_RECONCILE_WAIT_S = 12.0  # then entry is opened by an explicit reconciliation


class TerminalController(StartSequence, PanelBuilding, ActiveMarketControl, QObject):
    """Owns the core objects of one GUI run. Signals tell tests and the app what happened."""

    started = Signal()  # services up, active market subscribed
    start_failed = Signal(str)
    services_up = Signal()  # the journal is ours and the control channel listens
    market_changed = Signal(str, str, str)  # venue, symbol, timeframe

    def __init__(
        self,
        window: MainWindow,
        paths: AppPaths,
        settings: Settings,
        theme: ThemeManager | None = None,
        *,
        args: argparse.Namespace | None = None,
        services_options: Any = None,
        extra_venues: Any = (),
    ) -> None:
        super().__init__(window)
        self.window = window
        self.paths = paths
        self.settings = settings
        self.theme = theme
        self.args = args or argparse.Namespace()
        self._services_options = services_options
        self._extra_venues = tuple(extra_venues)  # catalogue entries to add (tests, tools)
        self.tasks = gui_task_owner("ui")
        self.bridge = CoreBridge(self)
        self.clock = FrameClock(settings.ui.frame_rate_hz, self)
        self.panels: Any = None
        self.services: Any = None
        self.state: Any = None  # MarketState
        self.hub: Any = None  # FeedHub (of the services' ExchangeManager)
        self.market: Any = None  # MarketWiring
        self.trading: Any = None  # TradingWiring
        self.dom: Any = None  # DomWiring (the price ladder)
        self.chart_trading: Any = None  # ChartTrading (the chart's right-click menu)
        self.alerts: Any = None  # AlertsWiring (price alerts, their panel and lines)
        self.drawings: Any = None  # DrawingsWiring (lines, rectangles, notes on the chart)
        self.safety: Any = None  # SafetyWiring
        self.venues: Any = None  # VenueWiring
        self.watchlist: Any = None  # WatchlistWiring
        self.history: Any = None  # HistoryWiring
        self.connect: Any = None  # ConnectWiring
        self.reconnect: Any = None  # ReconnectWiring (remembered connections)
        self.stop_flatten: Any = None  # StopFlatten (the stop's flatten option)
        self.perp: Any = None  # PerpWiring (perpetual sessions: positions, futures ticket)
        self._start_task: asyncio.Task[Any] | None = None
        self._closed = False
        self.ready = False
        self.error: str | None = None
        self.journal_held_elsewhere = False  # another process holds the journal: save nothing
        ui = settings.ui
        # Paper is active first; the venue of the last exit (if it is a remembered
        # connection) becomes active once it has reconnected, unless the user picked one.
        self.wanted_venue = ui.venue or PAPER
        self.venue, self.symbol, self.timeframe = PAPER, ui.symbol, ui.timeframe
        self.venue_picked = False  # the user chose a venue in this run
        window.set_venues([(PAPER, "Paper exchange")])
        window.set_symbols(list(dict.fromkeys([ui.symbol, *ui.watchlist])))
        if theme is not None:
            window.set_theme_checked(theme.name or ui.theme)
        window.venue_selected.connect(self.select_venue)
        window.symbol_selected.connect(self.select_symbol)
        window.theme_selected.connect(self.select_theme)
        window.notice_requested.connect(lambda text: self._add_notification("error", text))
        window.actions_by_id["palette"].triggered.connect(self.open_palette)
        window.actions_by_id["about"].triggered.connect(self.show_about)
        window.actions_by_id["reconnect"].triggered.connect(self.reconnect_active)
        self.palette: Any = None
        from terminal.ui.wiring.hotkeys import HotkeyWiring

        # the user's keys now; the trading hotkeys once the market is wired
        self.hotkeys = HotkeyWiring(window, settings.ui, self.notify)

    # ------------------------------------------------------------------ start
    async def _wire_core(self) -> None:
        from terminal.ui.wiring.connect import ConnectWiring
        from terminal.ui.wiring.dom import DomWiring
        from terminal.ui.wiring.history import HistoryWiring
        from terminal.ui.wiring.market import MarketWiring
        from terminal.ui.wiring.reconnect import ReconnectWiring
        from terminal.ui.wiring.safety import SafetyWiring
        from terminal.ui.wiring.trading import TradingWiring
        from terminal.ui.wiring.venues import VenueWiring
        from terminal.ui.wiring.watchlist import WatchlistWiring

        services = self.services
        self.state = services.market_state
        self.hub = services.feeds
        self.market = MarketWiring(
            self.window,
            self.panels,
            self.state,
            lambda key: services.subscribe(key).close,
            book_depth=self.settings.ui.book_depth,
            age_of=services.feed_age,
            record_error=services.record_feed_error,
        )
        self.venues = VenueWiring(
            self.window, getattr(self.panels, "health", None), lambda: self.venue
        )
        self.trading = TradingWiring(
            self.window,
            self.panels,
            self.bridge,
            self.tasks,
            services.orders,
            services.safety,
            self.state,
            self.market,
            self.notify,
            notify_fills=self.settings.ui.notify_fills,
            notify_rejections=self.settings.ui.notify_rejections,
        )
        self.dom = DomWiring(
            self.panels.dom,
            self.panels.entry,
            self.state,
            services.orders,
            services.safety,
            self.market,
            self.trading,
        )
        self.safety = SafetyWiring(
            self.window,
            self.bridge,
            self.tasks,
            services.safety,
            self._sweep,
            self.venues.live_candidates,
            self.notify,
            active=lambda: (self.trading.session, self.symbol),
        )
        services.stop_notices.add(self._show_stop_notice)
        from terminal.ui.wiring.passed_stop import PassedStopWiring

        # a bracket's stop passed while the terminal was away: the user chooses
        self.passed_stops = PassedStopWiring(
            services.orders.brackets, self.window, self.tasks, self.notify
        )
        from terminal.ui.wiring.stop_flatten import StopFlatten

        self.stop_flatten = StopFlatten(
            self.window,
            self.safety,
            services.safety.stop,
            services.connected_sessions,
            services.journal,
            self.tasks,
            self.notify,
        )
        self.watchlist = WatchlistWiring(
            self.panels.watchlist,
            self.settings.ui,
            self.hub,
            self.state,
            self.select_symbol,
            getattr(self.panels, "balances", None),
        )
        trading = self.trading
        self.history = HistoryWiring(
            self.window,
            self.tasks,
            services.journal,
            lambda: trading.orders_version,
            self.panels.history,
        )
        self.connect = ConnectWiring(self.window, self.tasks, self.notify, services, self)
        self.reconnect = ReconnectWiring(
            self.window,
            self.tasks,
            self.notify,
            self.settings,
            self._save_settings,
            services,
            self,
            self,
            self.wanted_venue,
        )
        from terminal.ui.wiring.alerts import build_alerts

        self.alerts = build_alerts(
            self.window,
            self.panels,
            self.settings.ui,
            state=self.state,
            market=self.market,
            services=services,
            tasks=self.tasks,
        )
        self.clock.register(self.alerts)
        self.hotkeys.attach_trading(self.panels, self.state, self.market, self.trading)
        from terminal.ui.wiring.perp import PerpWiring

        self.perp = PerpWiring(self.panels, services.orders, self.tasks, self.trading)
        services.perp_inputs = self.perp.gate_inputs
        for frame in (
            self.perp,
            self.market.frame,
            self.trading.frame,
            self.dom,
            self.venues.frame,
            self.watchlist,
            self.history.frame,
        ):
            self.clock.register(frame)

    # ------------------------------------------------------------------ venues
    async def connect_venue(
        self,
        venue: str,
        mode: Any = None,
        account: str = "default",
        *,
        credentials: Any = None,
        market: MarketType = MarketType.SPOT,
    ) -> Any:
        """Connect a session with its private streams; entry opens after reconciliation.

        `credentials` (ccxt names) default to the keychain/environment entry of
        venue/mode/account. A connection that succeeds is remembered for the next start.

        The services reconcile on every private-stream (re)connect, so the first
        reconciliation happens once the streams are up (no order event can fall between
        the REST snapshot and the stream). If that does not happen in time (streams
        failing), one is started here so entry does not stay closed for good.
        """
        perp = market is not MarketType.SPOT  # no private streams: reconciled over REST now
        session = await self.services.connect(
            venue,
            mode,
            account,
            reconcile=perp,
            streams=True,
            credentials=credentials,
            market=market,
        )
        self.venues.session_connected(session)
        if perp:
            self.perp.session_connected(session)
        else:
            self.tasks.spawn(self._ensure_reconciled(session.key), f"reconcile-{session.key.label}")
        if self.reconnect is not None:
            self.reconnect.remember(session)
        return session

    async def _ensure_reconciled(self, key: Any) -> None:
        # the entry gate wakes this when the session's reconciliation lifts its block
        if await self.services.orders.entry.wait_reconciled(key, FIRST_RECONCILE_WAIT_S):
            return
        if self.services.by_key.get(key) is None:
            return  # disconnected meanwhile: nothing to reconcile
        log.warning(
            "%s: no reconciliation after %.0f s (private streams down?); reconciling now",
            key.label,
            FIRST_RECONCILE_WAIT_S,
        )
        try:
            result = await self.services.reconcile_key(key)
        except Exception as exc:
            log.exception("Reconciliation of %s failed", key.label)
            self.notify(
                "error",
                f"Reconciliation with {key.label} failed: {exc}. Order entry "
                "stays disabled until it succeeds (Venue > Reconnect).",
            )
            return
        log.info("%s reconciled: %s", key.label, result.summary())

    async def disconnect_venue(self, venue: str, *, forget: bool = False) -> None:
        """Close the venue's session and feeds. `forget` (the user's Venue > Disconnect)
        also drops it from the remembered connections and, if it is the active venue,
        makes paper active first (nothing stays subscribed to a closed session)."""
        session = self.services.sessions.get(venue)
        if forget and session is not None and venue == self.venue and venue != PAPER:
            await self._select_venue(PAPER)
        if forget and self.reconnect is not None:
            self.reconnect.forget(venue)
        if session is None:
            return
        gone = [s for k, s in self.services.by_key.items() if k.venue == session.venue]
        await self.services.disconnect(venue)
        for each in gone:
            self.venues.session_disconnected(each)
            if self.perp is not None:
                self.perp.session_disconnected(each.key)
        if self.reconnect is not None:
            self.reconnect.refresh_menu()

    async def disconnect_session(self, key: Any) -> None:
        """Close one session (the venue's others stay), e.g. one whose key was refused."""
        session = self.services.by_key.get(key)
        if session is None:
            return
        if self.trading is not None and key == self.trading.session:
            await self._select_venue(PAPER)  # the ticket leaves it first (paper's default)
        await self.services.disconnect_key(key)
        self.venues.session_disconnected(session)
        if self.perp is not None:
            self.perp.session_disconnected(key)
        if self.reconnect is not None:
            self.reconnect.refresh_menu()

    def reconnect_active(self) -> None:
        """Venue > Reconnect: close the active venue's session and connect it again."""
        if self.ready:
            self.tasks.spawn(self._reconnect_venue(self.venue), "reconnect")

    async def _reconnect_venue(self, venue: str) -> None:
        session = self.venues.first_of(venue)
        if session is None:
            return
        mode, account = session.mode, str(session.account)
        await self.disconnect_venue(venue)
        await self.connect_venue(venue, mode, account)
        await self._activate(venue, self.symbol, self.timeframe)

    async def _sweep(self) -> Any:
        services = self.services
        orders = services.orders

        async def sink(session: Any, reports: Any) -> None:
            for report in reports:
                await orders.on_order_report(session.key, report)

        return await services.safety.stop.sweep(services.connected_sessions(), report_sink=sink)

    def _show_stop_notice(self, notice: Any) -> None:
        """A stop action of the services (`trading-terminal stop` from a shell, a sweep at
        start-up with the stop engaged): shown like the toolbar's (button via the safety
        state; the message and the sweep result as SafetyWiring shows its own)."""
        self.notify(notice.level, notice.text)
        if notice.kind == "sweep" and self.safety is not None:
            if notice.result is not None:
                self.safety.last_sweep = notice.result
            self.safety.sweep_finished.emit(notice.result)

    def show_about(self) -> Any:
        return show_about(self.window, self.paths)

    # ------------------------------------------------------------------ notices
    def notify(self, level: str, text: str) -> None:
        """A message for the user: notifications panel and status bar, and the log."""
        log.log(
            logging.ERROR
            if level == "error"
            else logging.WARNING
            if level == "warning"
            else logging.INFO,
            "notice: %s",
            text,
        )
        self._add_notification(level, text)
        self.window.show_status(text, 10_000 if level in ("error", "warning") else 6_000)

    def _add_notification(self, level: str, text: str) -> None:
        panel = getattr(self.panels, "notifications", None) if self.panels is not None else None
        if panel is not None:
            panel.add(level, text)

    def bring_to_front(self) -> None:
        """Another launch of the terminal asked for this window (over the control channel)."""
        bring_to_front(self.window)

    # ------------------------------------------------------------------ shutdown
    async def aclose(self, timeout: float = 2.5) -> None:
        """Stop feeds, sessions, journal, paper exchange and tasks within `timeout`."""
        if self._closed:
            return
        self._closed = True
        deadline = time.monotonic() + timeout
        self.clock.stop()
        if not self.journal_held_elsewhere:
            self._save_settings()

        def left() -> float:
            return max(0.1, deadline - time.monotonic())

        if self._start_task is not None and not self._start_task.done():
            self._start_task.cancel()
            await asyncio.wait([self._start_task], timeout=min(0.5, left()))
        if self.reconnect is not None:  # no connect may run under the closing services
            await self.reconnect.aclose(min(0.5, left()))
        if self.market is not None:
            self.market.release_all()
        if self.watchlist is not None:
            self.watchlist.close()
        if self.alerts is not None:
            self.alerts.close()
        if self.perp is not None:
            self.perp.aclose()
        self.bridge.close()
        if self.services is not None:
            await _bounded(self.services.aclose(), left(), "services")
            # bounded apart: a slow step above must not leave the paper child running
            await _bounded(
                self.services.stop_paper(max(0.5, left() - 0.3)), left(), "paper exchange"
            )
        await self.tasks.close(timeout=min(0.5, left()))

    def _save_settings(self) -> None:
        try:
            save_settings(self.paths.config, self.settings)
        except OSError as exc:
            log.warning("Cannot save settings: %s", exc)


async def _bounded(awaitable: Any, timeout: float, what: str) -> None:
    try:
        await asyncio.wait_for(awaitable, timeout)
    except TimeoutError:
        log.warning("Closing the %s took longer than %.1f s; left behind", what, timeout)
    except Exception:
        log.exception("Closing the %s failed", what)
