"""Builds the real panels into the main window's docks, after the first paint.

The panel modules import pyqtgraph and numpy (the chart), which costs a few hundred
milliseconds; building them here, once the window is on screen, keeps that off the
first paint. Market-data widgets are registered with the frame clock, which is the only
thing that makes them repaint.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from PySide6.QtWidgets import QWidget

from terminal.settings import UiSettings
from terminal.ui.frame import FrameClock
from terminal.ui.main_window import MainWindow

log = logging.getLogger(__name__)


@dataclass
class Panels:
    """Every view the wiring drives (attributes are the widgets in the docks)."""

    chart: QWidget
    book: QWidget
    depth: QWidget
    tape: QWidget
    entry: QWidget
    balances: QWidget
    open_orders: QWidget
    health: QWidget
    watchlist: QWidget
    history: QWidget
    notifications: QWidget | None = None
    logs: QWidget | None = None


def widget_palette(theme: str):  # type: ignore[no-untyped-def]
    """F1's palette for the market-data widgets of a theme."""
    from terminal.ui.widgets import palette

    return palette.LIGHT if theme == "light" else palette.DARK


def build_panels(window: MainWindow, clock: FrameClock, ui: UiSettings) -> Panels:
    from terminal.ui.panels.balances import BalancesPanel
    from terminal.ui.panels.health import HealthPanel
    from terminal.ui.panels.history import HistoryPanel
    from terminal.ui.panels.open_orders import OpenOrdersPanel
    from terminal.ui.panels.order_entry import OrderEntryPanel
    from terminal.ui.panels.watchlist import WatchlistPanel
    from terminal.ui.widgets.chart import CandleChartWidget
    from terminal.ui.widgets.depthchart import DepthChartWidget
    from terminal.ui.widgets.orderbook import OrderBookWidget
    from terminal.ui.widgets.tape import TradesTapeWidget

    pal = widget_palette(ui.theme)
    panels = Panels(
        chart=CandleChartWidget(timeframe=ui.timeframe, palette=pal),
        book=OrderBookWidget(palette=pal, depth=ui.book_depth),
        depth=DepthChartWidget(palette=pal),
        tape=TradesTapeWidget(palette=pal),
        entry=OrderEntryPanel(),
        balances=BalancesPanel(frame_clock=clock),
        open_orders=OpenOrdersPanel(frame_clock=clock),
        health=HealthPanel(frame_clock=clock),
        watchlist=WatchlistPanel(frame_clock=clock, symbols=ui.watchlist),
        history=HistoryPanel(),
    )
    for name in ("chart", "book", "depth", "tape"):
        clock.register(getattr(panels, name))
    _optional_panels(panels, clock, ui)
    for name in ("chart", "book", "depth", "tape", "entry", "balances", "open_orders",
                 "health", "watchlist", "history", "notifications", "logs"):
        widget = getattr(panels, name)
        if widget is not None:
            window.set_panel(name, widget)
    return panels


def _optional_panels(panels: Panels, clock: FrameClock, ui: UiSettings) -> None:
    """Panels whose modules are still being written by F3 (filled in as they land)."""
    return None


def apply_palette(panels: Panels, theme: str) -> None:
    pal = widget_palette(theme)
    for name in ("chart", "book", "depth", "tape"):
        widget = getattr(panels, name)
        setter = getattr(widget, "set_palette", None)
        if setter is not None:
            setter(pal)
