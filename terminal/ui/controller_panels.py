"""Building the panels of the GUI's controller: the light ones before the services are
up (the window shows placeholders until then), depth, tape and chart once the live book
and a usable ticket are on screen. Part of `TerminalController`."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import TYPE_CHECKING, Any

from terminal.ui.probe import mark, marks

log = logging.getLogger(__name__)

PAPER = "paper"
# depth/tape/chart are built once the first book and a usable ticket are on screen (the
# first reconciliation waits for the private streams), or this late
LATE_PANELS_WAIT_S = 8.0


class PanelBuilding:
    """The panel building of `TerminalController` (which holds the state used here)."""

    window: Any  # MainWindow
    clock: Any  # FrameClock
    settings: Any  # Settings
    panels: Any
    services: Any  # TerminalServices
    state: Any
    market: Any
    trading: Any
    alerts: Any
    tasks: Any
    chart_trading: Any
    drawings: Any
    venue: str
    symbol: str
    timeframe: str

    if TYPE_CHECKING:

        def select_timeframe(self, timeframe: str) -> None: ...

        def notify(self, level: str, text: str) -> None: ...

    async def _build_late_panels(self) -> None:
        """Depth, tape and chart import numpy and pyqtgraph, which blocks the loop for a
        moment: do it once the live book and a usable ticket are on screen (or after
        LATE_PANELS_WAIT_S), so the first reconciliation and the ticket do not wait for
        the chart."""
        from terminal.ui.wiring.panels import build_late_panels

        deadline = time.monotonic() + LATE_PANELS_WAIT_S
        while time.monotonic() < deadline and not self._ticket_first_done():
            await asyncio.sleep(0.05)
        started = time.perf_counter()
        p = self.panels
        build_late_panels(self.window, self.clock, self.settings.ui, p)
        p.chart.timeframeChanged.connect(self.select_timeframe)
        session = self.services.sessions.get(self.venue)
        rules = session.markets.get(self.symbol) if session is not None else None
        for widget in (p.depth, p.tape, p.chart):
            widget.set_market(rules)
        p.chart.set_timeframe(self.timeframe)
        self.window.reapply_layout()
        self.market.point_late_widgets()
        self.trading.connect_price_sources()  # depth click, chart double-click -> ticket
        from terminal.ui.wiring.chart_trade import ChartTrading

        self.chart_trading = ChartTrading(
            p.chart,
            p.entry,
            self.state,
            self.services.orders,
            self.market,
            self.trading,
            self.window,
            self.notify,
        )
        self.alerts.attach_chart(p.chart, self.chart_trading.menu)
        from terminal.ui.wiring.drawings import DrawingsWiring

        self.drawings = DrawingsWiring(
            p.chart,
            self.chart_trading.menu,
            self.services.journal.chart if self.services.journal is not None else None,
            self.market,
            self.tasks,
            self.window,
        )
        self.clock.register(self.drawings)
        self.trading.frame.reset()
        log.info("depth, tape and chart built in %.2f s", time.perf_counter() - started)
        mark("chart_built")

    def _ticket_first_done(self) -> bool:
        """The live book is painted, and so is a usable ticket (entry open after the
        reconciliation, a live bid/ask) unless entry is blocked for another reason."""
        done = marks()
        if "first_book" not in done:
            return False
        if "ticket_usable" in done:
            return True
        orders = self.services.orders if self.services is not None else None
        session = self.services.sessions.get(self.venue)
        reason = (
            orders.entry_block_reason(session.key)
            if orders is not None and session is not None
            else None
        )
        if reason and reason.startswith("reconciling"):
            return False  # the first reconciliation is running: the ticket follows it
        shown = self.panels.entry.blocked_reason  # set on the next frame: may lag a tick
        # blocked for another reason (lock, stop, stale book, failed reconciliation):
        # no usable ticket is coming soon, the chart need not wait for one
        return bool(shown) and "reconciling" not in shown

    def _build_panels(self) -> None:
        started = time.perf_counter()
        from terminal.ui.wiring.panels import build_panels

        self.panels = build_panels(self.window, self.clock, self.settings.ui)
        # the real panels replaced the placeholders: their widths count now (the columns
        # were sized for placeholders if the window was shown first)
        self.window.reapply_layout()
        log.info("panels built in %.2f s", time.perf_counter() - started)
        self.clock.start()
        self.panels.book.set_placeholder("Connecting to the paper exchange…")
        for name in ("chart", "depth", "tape"):
            self.window.set_placeholder(name, f"{self.window.docks[name].windowTitle()}\nloading…")
        mark("panels_built")
