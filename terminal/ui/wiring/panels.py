"""Builds the real panels into the main window's docks, after the first paint.

Two steps, because of import cost: `build_panels` makes the order book and every table
and form (cheap imports), right after the first paint; `build_late_panels` makes the
depth chart (numpy), the trades tape and the candle chart (pyqtgraph: ~0.4-1 s of
imports on a busy machine) once the first live book is on screen, off its critical
path. Market-data widgets are registered with
the frame clock, which is the only thing that makes them repaint.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from terminal.settings import UiSettings
from terminal.ui.frame import FrameClock
from terminal.ui.main_window import MainWindow

if TYPE_CHECKING:  # imported when the panels are built (import cost at start-up)
    from terminal.logsetup import LoggingSetup, RingHandler
    from terminal.ui.panels.alerts_panel import AlertsPanel
    from terminal.ui.panels.balances import BalancesPanel
    from terminal.ui.panels.dom_panel import DomPanel
    from terminal.ui.panels.futures_ticket import FuturesTicketSection
    from terminal.ui.panels.health import HealthPanel
    from terminal.ui.panels.history import HistoryPanel
    from terminal.ui.panels.logs import LogsPanel
    from terminal.ui.panels.notifications_panel import NotificationsPanel
    from terminal.ui.panels.open_orders import OpenOrdersPanel
    from terminal.ui.panels.order_entry import OrderEntryPanel
    from terminal.ui.panels.positions import PositionsPanel
    from terminal.ui.panels.protect_panel import ProtectPanel
    from terminal.ui.panels.watchlist import WatchlistPanel
    from terminal.ui.widgets.chart import CandleChartWidget
    from terminal.ui.widgets.depthchart import DepthChartWidget
    from terminal.ui.widgets.orderbook import OrderBookWidget
    from terminal.ui.widgets.palette import Palette
    from terminal.ui.widgets.tape import TradesTapeWidget

log = logging.getLogger(__name__)


@dataclass
class Panels:
    """Every view the wiring drives (attributes are the widgets in the docks)."""

    book: OrderBookWidget
    entry: OrderEntryPanel
    balances: BalancesPanel
    open_orders: OpenOrdersPanel
    health: HealthPanel
    watchlist: WatchlistPanel
    history: HistoryPanel
    notifications: NotificationsPanel
    logs: LogsPanel
    dom: DomPanel  # the price ladder (its dock is hidden by default)
    protect: ProtectPanel  # the protective ticket (a tab of the entry dock)
    alerts: AlertsPanel  # price alerts and their history
    positions: PositionsPanel  # a perpetual session's positions (its own dock)
    futures: FuturesTicketSection  # above the ticket while it trades a perpetual session
    # built after the first live book (build_late_panels): slow imports
    depth: DepthChartWidget | None = None
    tape: TradesTapeWidget | None = None
    chart: CandleChartWidget | None = None


def widget_palette(theme: str) -> Palette:
    """The palette of the market-data widgets for a theme."""
    from terminal.ui.widgets import palette

    return palette.LIGHT if theme == "light" else palette.DARK


def build_panels(window: MainWindow, clock: FrameClock, ui: UiSettings) -> Panels:
    from terminal.logsetup import current_setup
    from terminal.ui.panels.alerts_panel import AlertsPanel
    from terminal.ui.panels.balances import BalancesPanel
    from terminal.ui.panels.dom_panel import DomPanel
    from terminal.ui.panels.futures_ticket import FuturesTicketSection
    from terminal.ui.panels.health import HealthPanel
    from terminal.ui.panels.history import HistoryPanel
    from terminal.ui.panels.logs import LogsPanel
    from terminal.ui.panels.notifications_panel import NotificationsPanel
    from terminal.ui.panels.open_orders import OpenOrdersPanel
    from terminal.ui.panels.order_entry import OrderEntryPanel
    from terminal.ui.panels.positions import PositionsPanel
    from terminal.ui.panels.protect_panel import ProtectPanel
    from terminal.ui.panels.ticket_tabs import TicketTabs
    from terminal.ui.panels.watchlist import WatchlistPanel
    from terminal.ui.widgets.orderbook import OrderBookWidget

    pal = widget_palette(ui.theme)
    panels = Panels(
        book=OrderBookWidget(palette=pal, depth=ui.book_depth),
        entry=OrderEntryPanel(),
        balances=BalancesPanel(frame_clock=clock),
        open_orders=OpenOrdersPanel(frame_clock=clock),
        health=HealthPanel(frame_clock=clock),
        watchlist=WatchlistPanel(frame_clock=clock, symbols=ui.watchlist),
        history=HistoryPanel(),
        notifications=NotificationsPanel(toast_host=window, sound=ui.sound),
        logs=LogsPanel(_ring(current_setup()), frame_clock=clock),
        dom=DomPanel(palette=pal),
        protect=ProtectPanel(),
        alerts=AlertsPanel(sound=ui.alert_sound),
        positions=PositionsPanel(frame_clock=clock),
        futures=FuturesTicketSection(frame_clock=clock),
    )
    clock.register(panels.book)
    clock.register(panels.dom)
    # the entry dock holds the plain ticket and the protective one as tabs
    window.set_panel("entry", TicketTabs(panels.entry, panels.protect, panels.futures))
    for name in (
        "book",
        "balances",
        "open_orders",
        "health",
        "watchlist",
        "history",
        "notifications",
        "logs",
        "dom",
        "alerts",
        "positions",
    ):
        window.set_panel(name, getattr(panels, name))
    return panels


def build_late_panels(
    window: MainWindow, clock: FrameClock, ui: UiSettings, panels: Panels
) -> None:
    """Depth chart, trades tape and candle chart, into their docks."""
    from terminal.ui.widgets.chart import CandleChartWidget
    from terminal.ui.widgets.depthchart import DepthChartWidget
    from terminal.ui.widgets.tape import TradesTapeWidget

    pal = widget_palette(ui.theme)
    panels.depth = DepthChartWidget(palette=pal)
    panels.tape = TradesTapeWidget(palette=pal)
    panels.chart = CandleChartWidget(timeframe=ui.timeframe, palette=pal)
    for name in ("depth", "tape", "chart"):
        widget = getattr(panels, name)
        clock.register(widget)
        window.set_panel(name, widget)


def _ring(setup: LoggingSetup | None) -> RingHandler | None:
    """The in-memory log ring (None when logging was not set up, e.g. in some tests)."""
    return setup.ring if setup is not None else None


def apply_palette(panels: Panels, theme: str) -> None:
    pal = widget_palette(theme)
    for name in ("chart", "book", "depth", "tape", "dom"):
        widget = getattr(panels, name)
        if widget is None:
            continue
        setter = getattr(widget, "set_palette", None)
        if setter is not None:
            setter(pal)
