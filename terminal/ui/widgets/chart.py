"""The candle chart: candles + volume + indicators, drawing only the visible bars.

Data comes from outside: `set_candles()` back-fills history, `update_last()` updates the
forming candle or appends the next one, or a provider is pulled on the frame clock.
Nothing repaints per message: changes are applied in `refresh()` (the FrameClock tick).

x is the integer bar index (bar i at x = i), mapped to time by the bottom axis (vn.py's
approach): gaps in trading do not leave holes and pan/zoom are plain index ranges.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QWidget,
)

from terminal.domain.market import MarketRules
from terminal.domain.marketdata import Candle

from ..frame import FrameCounter, Provider, ProviderPoll
from .candles import CandleSeries, VisibleSlice
from .chart_items import (
    CandlesItem,
    GridItem,
    LineItem,
    PaneAxis,
    TimeAxis,
    VolumeItem,
)
from .chart_legend import IndicatorLegend
from .chart_navigation import DEFAULT_VISIBLE_BARS, RIGHT_MARGIN_BARS, ChartNavigation
from .chart_order_lines import ChartOrderLines
from .chart_orders import drag_text
from .chart_readout import ChartReadout
from .chart_toolbar import ChartToolbar
from .indicators import IndicatorSet
from .order_marks import OrderMarks
from .palette import DARK, Palette
from .price_lines import PriceLineLayer

MIN_CHART_WIDTH = 240  # the price axis (70 px) and a usable plot beside it


class CandleChartWidget(ChartToolbar, ChartReadout, ChartOrderLines, ChartNavigation, QWidget):
    """Candles and volume with timeframe selector, crosshair readout, follow mode,
    indicators (SMA, EMA, VWAP) and open-order price lines.

    Signals: timeframeChanged(str) when the user picks a timeframe (load its history and
    call set_candles); followChanged(bool); indicatorToggled(str, bool).
    """

    timeframeChanged = Signal(str)
    followChanged = Signal(bool)
    indicatorToggled = Signal(str, bool)
    priceClicked = Signal(str)  # double-click on the price pane: that price, on the tick
    orderLineDropped = Signal(str, object)  # client order id, new price (Decimal, on tick)

    def __init__(
        self,
        rules: MarketRules | None = None,
        timeframe: str = "1m",
        palette: Palette = DARK,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("chart")
        self.frames = FrameCounter()
        self._rules = rules
        self._palette = palette
        self._poll = ProviderPoll()
        self.series = CandleSeries(timeframe)
        self.indicators = IndicatorSet()
        self._pending_first: int | None = None  # first index changed since the last apply
        self._bounds = (0.0, 1.0, 1.0)  # low, high, largest volume of all bars
        self._dirty = False
        self._follow = True
        self._hover: int | None = None
        self._stale = False
        self._stale_reason = ""
        self._slice_key: tuple | None = None
        self._slice_cache: VisibleSlice | None = None
        self._adjusting = False
        self._prev_range = self._cur_range = (0.0, 0.0)
        self._build_toolbar(timeframe)
        self._build_plots()
        self.set_palette(palette)
        self._apply_price_format()
        self._apply_limits()
        self.price_vb.setXRange(
            -DEFAULT_VISIBLE_BARS + RIGHT_MARGIN_BARS, RIGHT_MARGIN_BARS, padding=0
        )

    # ---- construction --------------------------------------------------------------
    def minimumSizeHint(self) -> QSize:
        """As narrow as the folded toolbar (both menus and Follow) and the price axis
        allow, whatever the current form: a wider chart unfolds its buttons again."""
        hint = super().minimumSizeHint()
        return QSize(max(MIN_CHART_WIDTH, self.toolbar_width(2)), hint.height())

    def _build_plots(self) -> None:
        self.graphics = pg.GraphicsLayoutWidget(self)
        self.graphics.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.graphics.ci.layout.setSpacing(0)
        self.graphics.ci.setContentsMargins(2, 2, 2, 2)
        self.time_axis = TimeAxis(self.series)
        self.price_plot: pg.PlotItem = self.graphics.addPlot(
            row=0, col=0, axisItems={"right": PaneAxis(inside_bottom=True)}
        )
        self.volume_plot: pg.PlotItem = self.graphics.addPlot(
            row=1, col=0, axisItems={"bottom": self.time_axis, "right": PaneAxis(inside_top=True)}
        )
        self.graphics.ci.layout.setRowStretchFactor(0, 4)
        self.graphics.ci.layout.setRowStretchFactor(1, 1)
        for plot in (self.price_plot, self.volume_plot):
            plot.hideAxis("left")
            plot.showAxis("right")
            plot.getAxis("right").setWidth(70)
            plot.setMenuEnabled(False)
            plot.hideButtons()
            vb = plot.getViewBox()
            vb.setMouseEnabled(x=True, y=False)
            vb.disableAutoRange()
        self.price_plot.hideAxis("bottom")
        self.price_vb: pg.ViewBox = self.price_plot.getViewBox()
        self.volume_vb: pg.ViewBox = self.volume_plot.getViewBox()
        self.volume_plot.setXLink(self.price_plot)
        p = self._palette
        self.candles_item = CandlesItem(
            self.series, self.visible, p.qcolor("candle_up"), p.qcolor("candle_down")
        )
        self.volume_item = VolumeItem(
            self.series, self.visible, p.qcolor("volume_up"), p.qcolor("volume_down")
        )
        self.grid_items = [
            GridItem(
                self.price_vb, self.time_axis, self.price_plot.getAxis("right"), p.qcolor("grid")
            ),
            GridItem(self.volume_vb, self.time_axis, None, p.qcolor("grid")),
        ]
        self.price_plot.addItem(self.grid_items[0], ignoreBounds=True)
        self.volume_plot.addItem(self.grid_items[1], ignoreBounds=True)
        self.candles_item.on_paint = self.frames.mark  # the chart's frames = candle paints
        self.price_plot.addItem(self.candles_item)
        self.volume_plot.addItem(self.volume_item)
        self.line_items: dict[str, LineItem] = {}
        for name, ind in self.indicators.items.items():
            item = LineItem(
                self.series,
                self.visible,
                ind.current_values,
                p.qcolor(ind.colour_field),
                ind.current_breaks,
            )
            item.setVisible(ind.visible)
            self.price_plot.addItem(item)
            self.line_items[name] = item
        self.last_line = pg.InfiniteLine(
            angle=0,
            movable=False,
            label="{value:.2f}",
            labelOpts={"position": 0.985, "anchors": [(1, 1), (1, 1)]},
        )
        self.last_line.setVisible(False)
        self.price_plot.addItem(self.last_line, ignoreBounds=True)
        self.vline = pg.InfiniteLine(angle=90, movable=False)
        self.hline = pg.InfiniteLine(angle=0, movable=False)
        self.vline_volume = pg.InfiniteLine(angle=90, movable=False)
        for line, plot in (
            (self.vline, self.price_plot),
            (self.hline, self.price_plot),
            (self.vline_volume, self.volume_plot),
        ):
            line.setVisible(False)
            line.setZValue(50)
            plot.addItem(line, ignoreBounds=True)
        self._layers: list[PriceLineLayer] = []
        self.order_marks = OrderMarks(
            self.price_plot,
            self.price_vb,
            self._palette,
            self._snap,
            drag_text(self._fmt_price, self.last_price),
            top_reserved=self._legend_bottom,
        )
        self._layers.append(self.order_marks.layer)
        self.order_marks.layer.dropped.connect(self.orderLineDropped)
        self.legend = IndicatorLegend(self.price_vb, self._palette)
        self.legend.sync(self.indicators.items.values())
        self._box.addWidget(self.graphics, 1)
        self.price_vb.sigXRangeChanged.connect(self._on_x_range)
        self.price_vb.sigRangeChangedManually.connect(self._on_user_range)
        self.volume_vb.sigRangeChangedManually.connect(self._on_user_range)
        self.graphics.scene().sigMouseMoved.connect(self._on_mouse_moved)
        self.graphics.scene().sigMouseClicked.connect(self._on_mouse_clicked)
        self.graphics.viewport().installEventFilter(self)
        self.graphics.installEventFilter(self)  # Escape while dragging a line

    # ---- configuration -------------------------------------------------------------
    def set_palette(self, palette: Palette) -> None:
        self._palette = p = palette
        self.graphics.setBackground(p.background)
        for plot in (self.price_plot, self.volume_plot):
            for name in ("right", "bottom"):
                axis = plot.getAxis(name)
                axis.setPen(pg.mkPen(p.grid))
                axis.setTextPen(pg.mkPen(p.text_dim))
        for grid in self.grid_items:
            grid.set_colour(p.qcolor("grid"))
        self.candles_item.set_colours(p.qcolor("candle_up"), p.qcolor("candle_down"))
        self.volume_item.set_colours(p.qcolor("volume_up"), p.qcolor("volume_down"))
        for name, item in self.line_items.items():
            item.set_colour(p.qcolor(self.indicators.items[name].colour_field))
        cross = pg.mkPen(p.crosshair, style=Qt.PenStyle.DashLine)
        for line in (self.vline, self.hline, self.vline_volume):
            line.setPen(cross)
        self.last_line.setPen(pg.mkPen(p.last_price, style=Qt.PenStyle.DotLine))
        self.last_line.label.setColor(p.last_price)
        fill = QColor(p.background)
        fill.setAlpha(225)
        self.last_line.label.fill = pg.mkBrush(fill)  # readable over the newest candles
        self.last_line.label.update()
        self.readout.setStyleSheet(
            f"QLabel {{ background: {p.background}; color: {p.text}; padding: 2px 6px; "
            f"font-family: monospace; }}"
        )
        self.order_marks.set_palette(p)
        for layer in self._layers[1:]:
            layer.set_background(p.background)
        self.legend.set_palette(p, self.indicators.items.values())
        self._update_readout()

    def set_market(self, rules: MarketRules | None) -> None:
        """Tick/step formatting for the readout and order lines; clears candles and orders."""
        self._rules = rules
        self._apply_price_format()
        self.order_marks.clear()
        self.set_candles([])
        self._poll.invalidate()

    def _apply_price_format(self) -> None:
        places = self._rules.price_places() if self._rules is not None else None
        self.last_line.label.format = f"{{value:.{places}f}}" if places is not None else "{value:g}"

    @property
    def timeframe(self) -> str:
        return self.series.timeframe

    def set_timeframe(self, timeframe: str) -> None:
        """Select `timeframe` (no signal): the button, the time axis and VWAP sessions.

        The candles come with set_candles or the provider; candles of another timeframe
        still shown are replaced by the next set_candles / provider value."""
        self.tf_buttons[timeframe].setChecked(True)
        self.tf_actions[timeframe].setChecked(True)
        self.tf_menu_button.setText(f"{timeframe} ▾")
        if timeframe != self.series.timeframe:
            self.series.set_timeframe(timeframe)
            self._mark_changed(0)

    def _on_timeframe_clicked(self, timeframe: str) -> None:
        self.timeframeChanged.emit(timeframe)

    def set_indicator_visible(self, name: str, visible: bool) -> None:
        ind = self.indicators.items[name]
        if ind.visible == visible:
            return
        ind.visible = visible
        self.line_items[name].setVisible(visible)
        self.legend.sync(self.indicators.items.values())
        button = self.indicator_buttons[name]
        if button.isChecked() != visible:
            button.setChecked(visible)
        action = self.indicator_actions[name]
        if action.isChecked() != visible:
            action.setChecked(visible)
        self._fit_y()
        self.indicatorToggled.emit(name, visible)

    def indicator_values(self, name: str) -> np.ndarray:
        return self.indicators.items[name].values

    def set_stale(self, stale: bool, reason: str = "") -> None:
        """Dim the candles and say STALE in the readout while the feed is not live."""
        self._stale, self._stale_reason = stale, reason
        self.candles_item.setOpacity(0.35 if stale else 1.0)
        self.volume_item.setOpacity(0.35 if stale else 1.0)
        self._update_readout()

    @property
    def is_stale(self) -> bool:
        return self._stale

    # ---- data ----------------------------------------------------------------------
    def set_candles(self, candles: Sequence[Candle], timeframe: str | None = None) -> None:
        """Replace the history (back-fill on open, new timeframe or symbol); follow resumes."""
        if timeframe is not None:
            self.set_timeframe(timeframe)
        self.series.set(candles, timeframe)
        self._pending_first = 0
        self._dirty = True
        self._apply_data(reset=True)

    def update_last(self, candle: Candle) -> None:
        """Update the forming candle, or append it if it opens a new bar.

        Stored now, painted on the next frame tick.
        """
        i = self.series.upsert(candle)
        self._mark_changed(i)

    append = update_last

    def set_provider(self, provider: Provider | None) -> None:
        """`provider() -> (version, Sequence[Candle])`, oldest first, pulled per frame tick.

        Growth at the end and an updated last candle are applied incrementally; any other
        change (new symbol or timeframe) resets the history.
        """
        self._poll.set(provider)

    def _mark_changed(self, first: int | None) -> None:
        if first is None:
            return
        self._pending_first = (
            first if self._pending_first is None else min(self._pending_first, first)
        )
        self._dirty = True

    def refresh(self) -> bool:
        if not self.isVisible():
            return False
        changed, value = self._poll.poll()
        if changed:
            first, was_reset = self.series.sync(value or [])
            if was_reset:
                self._pending_first = 0
                self._apply_data(reset=True)  # new history: show its end, follow
                return True
            self._mark_changed(first)
        if not self._dirty:
            return False
        self._apply_data(reset=False)
        return True

    def _apply_data(self, reset: bool) -> None:
        first, self._pending_first = self._pending_first, None
        self._dirty = False
        n = len(self.series)
        self.indicators.recompute(self.series, first)
        lo, hi, vmax = self._extent(first)
        self.candles_item.set_bounds(QRectF(-0.5, lo, n, hi - lo))
        self.volume_item.set_bounds(QRectF(-0.5, 0.0, n, vmax))
        for item in self.line_items.values():
            item.set_bounds(QRectF(-0.5, lo, n, hi - lo))
        self._apply_limits()
        if reset:
            self.time_axis.invalidate()  # new bars under a range that may not move
            self._follow_set(True)
            self._show_last(DEFAULT_VISIBLE_BARS)
        elif self._follow:
            x0, x1 = self.price_vb.viewRange()[0]
            self._show_last(x1 - x0)
        if n:
            last = self.series.candles[-1]
            self.last_line.setVisible(True)  # first: a hidden label ignores value changes
            self.last_line.setPos(float(last.close))
            self.last_line.label.valueChanged()
        else:
            self.last_line.setVisible(False)
        self._fit_y()
        self._update_readout()

    def _extent(self, first: int | None) -> tuple[float, float, float]:
        """Low, high and largest volume of all bars (items' bounds): O(changed tail)."""
        s = self.series
        n = len(s)
        if not n:
            self._bounds = (0.0, 1.0, 1.0)
        elif first is None or first <= 0:
            self._bounds = (float(s.l.min()), float(s.h.max()), float(s.v.max()))
        else:
            lo, hi, vmax = self._bounds
            self._bounds = (
                min(lo, float(s.l[first:].min())),
                max(hi, float(s.h[first:].max())),
                max(vmax, float(s.v[first:].max())),
            )
        return self._bounds

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._fit_toolbar()
        self._update_readout()
