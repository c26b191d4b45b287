"""The candle chart: candles + volume + indicators, drawing only the visible bars.

Data comes from outside: `set_candles()` back-fills history, `update_last()` updates the
forming candle or appends the next one, or a provider is pulled on the frame clock.
Nothing repaints per message: changes are applied in `refresh()` (the FrameClock tick).

x is the integer bar index (bar i at x = i), mapped to time by the bottom axis (vn.py's
approach): gaps in trading do not leave holes and pan/zoom are plain index ranges.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QObject, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QAction, QActionGroup, QColor, QKeyEvent
from PySide6.QtWidgets import (
    QButtonGroup,
    QHBoxLayout,
    QLabel,
    QMenu,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from terminal.domain.market import MarketRules
from terminal.domain.marketdata import TIMEFRAMES_MS, Candle
from terminal.domain.money import format_decimal
from terminal.domain.order import Order

from ..frame import FrameCounter, Provider, ProviderPoll
from .candles import CandleSeries, VisibleSlice, visible_slice
from .chart_items import (
    CandlesItem,
    GridItem,
    LineItem,
    PaneAxis,
    TimeAxis,
    VolumeItem,
    format_time,
)
from .chart_legend import IndicatorLegend
from .chart_orders import PlannedLeg, drag_text, order_marks
from .indicators import IndicatorSet
from .order_marks import EdgeMarker, OrderMarks
from .palette import DARK, Palette
from .price_lines import PriceLineLayer
from .pricetext import price_on_tick

DEFAULT_VISIBLE_BARS = 150
RIGHT_MARGIN_BARS = 6.0
MIN_VISIBLE_BARS = 8
READOUT_FORMS = 4  # full, no year, no volume, time + close + change
MIN_CHART_WIDTH = 240  # the price axis (70 px) and a usable plot beside it


class CandleChartWidget(QWidget):
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
    def _build_toolbar(self, timeframe: str) -> None:
        """Timeframe buttons, indicator toggles and Follow; on a narrow chart the buttons
        fold into menu buttons (`_fit_toolbar`), so the chart's minimum width is that of
        the folded row and a small screen still fits the book and the ticket beside it."""
        self.tf_buttons: dict[str, QToolButton] = {}
        self._tf_group = QButtonGroup(self)
        self._tf_group.setExclusive(True)
        self._tf_actions = QActionGroup(self)
        self._tf_actions.setExclusive(True)
        self.tf_menu = QMenu(self)
        bar = QHBoxLayout()
        bar.setContentsMargins(4, 2, 4, 2)
        bar.setSpacing(2)
        self.tf_menu_button = QToolButton(self)
        self.tf_menu_button.setObjectName("timeframeMenuButton")
        self.tf_menu_button.setAccessibleName("Timeframe")
        self.tf_menu_button.setToolTip("Timeframe")
        self.tf_menu_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.tf_menu_button.setMenu(self.tf_menu)
        bar.addWidget(self.tf_menu_button)
        self.tf_actions: dict[str, QAction] = {}
        for tf in TIMEFRAMES_MS:
            b = QToolButton(self)
            b.setText(tf)
            b.setCheckable(True)
            b.setAccessibleName(f"Timeframe {tf}")
            b.setChecked(tf == timeframe)
            b.clicked.connect(lambda _=False, tf=tf: self._on_timeframe_clicked(tf))
            self._tf_group.addButton(b)
            self.tf_buttons[tf] = b
            bar.addWidget(b)
            action = QAction(tf, self.tf_menu)
            action.setCheckable(True)
            action.setChecked(tf == timeframe)
            action.triggered.connect(lambda _=False, tf=tf: self._on_timeframe_clicked(tf))
            self._tf_actions.addAction(action)
            self.tf_menu.addAction(action)
            self.tf_actions[tf] = action
        self.tf_menu_button.setText(f"{timeframe} ▾")
        self._gap = QWidget(self)
        self._gap.setFixedWidth(10)
        bar.addWidget(self._gap)
        self.indicator_buttons: dict[str, QToolButton] = {}
        self.indicator_actions: dict[str, QAction] = {}
        self.indicator_menu = QMenu(self)
        self.indicator_menu_button = QToolButton(self)
        self.indicator_menu_button.setObjectName("indicatorMenuButton")
        self.indicator_menu_button.setText("Indicators ▾")
        self.indicator_menu_button.setAccessibleName("Indicators")
        self.indicator_menu_button.setToolTip("Indicators")
        self.indicator_menu_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.indicator_menu_button.setMenu(self.indicator_menu)
        bar.addWidget(self.indicator_menu_button)
        for name, ind in self.indicators.items.items():
            b = QToolButton(self)
            b.setText(ind.label)
            b.setCheckable(True)
            b.setChecked(ind.visible)
            b.setAccessibleName(f"Show {ind.label}")
            b.toggled.connect(lambda on, name=name: self.set_indicator_visible(name, on))
            self.indicator_buttons[name] = b
            bar.addWidget(b)
            action = QAction(ind.label, self.indicator_menu)
            action.setCheckable(True)
            action.setChecked(ind.visible)
            action.toggled.connect(lambda on, name=name: self.set_indicator_visible(name, on))
            self.indicator_menu.addAction(action)
            self.indicator_actions[name] = action
        bar.addStretch(1)
        self.follow_button = QToolButton(self)
        self.follow_button.setText("Follow ⇥")
        self.follow_button.setToolTip("Follow the newest candle (End)")
        self.follow_button.setCheckable(True)
        self.follow_button.setChecked(True)
        self.follow_button.clicked.connect(lambda on: self.set_follow(on))
        bar.addWidget(self.follow_button)
        self._bar = bar
        self._toolbar_form = -1
        self._set_toolbar_form(0)
        self.readout = QLabel(self)
        self.readout.setObjectName("chart_readout")
        self.readout.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.readout.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(0)
        box.addLayout(bar)
        box.addWidget(self.readout)
        self._box = box

    # ---- toolbar forms: 0 all buttons, 1 timeframe menu, 2 both menus -----------------
    def _toolbar_widgets(self, form: int) -> list[QWidget]:
        # the indicator toggles fold first: switching timeframes is the more frequent act
        tf: list[QWidget] = [self.tf_menu_button] if form >= 2 else list(self.tf_buttons.values())
        ind: list[QWidget] = (
            [self.indicator_menu_button] if form >= 1 else list(self.indicator_buttons.values())
        )
        return [*tf, self._gap, *ind, self.follow_button]

    def toolbar_width(self, form: int) -> int:
        """The toolbar row's width in `form` (0: every button, 1: the indicators in a
        menu, 2: the timeframes too): what the chart needs to show that form whole."""
        widgets = self._toolbar_widgets(form)
        m = self._bar.contentsMargins()
        # no spacing next to the stretch before Follow: one less than the widgets
        return (
            sum(max(w.sizeHint().width(), w.minimumWidth()) for w in widgets)
            + self._bar.spacing() * (len(widgets) - 1)
            + m.left()
            + m.right()
        )

    @property
    def toolbar_form(self) -> int:
        return self._toolbar_form

    def _set_toolbar_form(self, form: int) -> None:
        if form == self._toolbar_form:
            return
        self._toolbar_form = form
        shown = set(map(id, self._toolbar_widgets(form)))
        for w in (
            self.tf_menu_button,
            *self.tf_buttons.values(),
            self.indicator_menu_button,
            *self.indicator_buttons.values(),
        ):
            w.setVisible(id(w) in shown)
        self.updateGeometry()

    def _fit_toolbar(self) -> None:
        width = self.width()
        form = next((f for f in (0, 1) if self.toolbar_width(f) <= width), 2)
        self._set_toolbar_form(form)

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
                lambda ind=ind: ind.values,
                p.qcolor(ind.colour_field),
                lambda ind=ind: ind.breaks,
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

    def _apply_limits(self) -> None:
        n = len(self.series)
        self.price_vb.setLimits(
            xMin=-DEFAULT_VISIBLE_BARS,
            xMax=n + DEFAULT_VISIBLE_BARS,
            minXRange=MIN_VISIBLE_BARS,
            maxXRange=max(n + 2 * RIGHT_MARGIN_BARS, DEFAULT_VISIBLE_BARS),
        )

    def _show_last(self, width: float) -> None:
        n = len(self.series)
        x1 = n - 1 + RIGHT_MARGIN_BARS
        self._adjusting = True
        try:
            self.price_vb.setXRange(x1 - width, x1, padding=0)
        finally:
            self._adjusting = False

    # ---- visible range -------------------------------------------------------------
    def visible(self) -> VisibleSlice:
        """The slice every item paints (cached per range, width and data version)."""
        x0, x1 = self.price_vb.viewRange()[0]
        width = max(1.0, self.price_vb.width())
        key = (self.series.version, x0, x1, int(width))
        if key != self._slice_key or self._slice_cache is None:
            self._slice_cache = visible_slice(self.series, x0, x1, width)
            self._slice_key = key
        return self._slice_cache

    def visible_range(self) -> tuple[float, float]:
        x0, x1 = self.price_vb.viewRange()[0]
        return float(x0), float(x1)

    def _on_x_range(self, *_: object) -> None:
        self._prev_range, self._cur_range = self._cur_range, self.visible_range()
        self._fit_y()

    def _fit_y(self) -> None:
        sl = self.visible()
        pr = sl.price_range()
        if pr is None:
            return
        lo, hi = pr
        for ind in self.indicators.items.values():
            if ind.visible and len(ind.values) >= sl.i1:
                seg = ind.values[sl.i0 : sl.i1]
                finite = seg[np.isfinite(seg)]
                if len(finite):
                    lo, hi = min(lo, float(finite.min())), max(hi, float(finite.max()))
        pad = (hi - lo) * 0.06 or max(abs(hi) * 0.001, 1e-9)
        self.price_vb.setYRange(lo - pad, hi + pad, padding=0)
        self.volume_vb.setYRange(0.0, (sl.volume_max() or 1.0) * 1.08, padding=0)

    # ---- follow mode ---------------------------------------------------------------
    @property
    def follow(self) -> bool:
        return self._follow

    def set_follow(self, follow: bool) -> None:
        """Follow the newest candle (True jumps to the end now) or stay where the user is."""
        self._follow_set(follow)
        if follow and len(self.series):
            x0, x1 = self.price_vb.viewRange()[0]
            self._show_last(x1 - x0)

    def _follow_set(self, follow: bool) -> None:
        if follow != self._follow:
            self._follow = follow
            self.followChanged.emit(follow)
        if self.follow_button.isChecked() != follow:
            self.follow_button.setChecked(follow)

    def _on_user_range(self, *_: object) -> None:
        """A pan or zoom by the user: follow stops when the newest bar leaves the view,
        and resumes when the user scrolls back to it. A zoom while following keeps the
        right edge anchored at the newest bar."""
        if self._adjusting:
            return
        n = len(self.series)
        x0, x1 = self.price_vb.viewRange()[0]
        px0, px1 = self._prev_range
        zoomed = abs((x1 - x0) - (px1 - px0)) > 1e-6 * max(1.0, x1 - x0)
        if self._follow and (zoomed or x1 >= n - 1):
            self._show_last(x1 - x0)
            return
        self._follow_set(x1 >= n - 1)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """End: back to the newest candle and follow it; Escape: cancel a line drag."""
        if event.key() == Qt.Key.Key_Escape and self.cancel_drag():
            event.accept()
            return
        if event.key() == Qt.Key.Key_End:
            self.set_follow(True)
            event.accept()
            return
        super().keyPressEvent(event)

    def pan_by(self, bars: float) -> None:
        """Pan as the user would (positive = toward newer bars)."""
        self.price_vb.translateBy(x=bars)
        self._on_user_range()

    def zoom_by(self, factor: float) -> None:
        """Zoom around the view's centre as the user would (factor < 1 zooms in)."""
        self.price_vb.scaleBy(x=factor)
        self._on_user_range()

    # ---- crosshair and readout -----------------------------------------------------
    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Leave:
            self.hover_index(None)
        elif (
            event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() == Qt.Key.Key_Escape
        ):
            return self.cancel_drag()
        return False

    def _on_mouse_moved(self, pos: QPointF) -> None:
        in_price = self.price_vb.sceneBoundingRect().contains(pos)
        in_volume = self.volume_vb.sceneBoundingRect().contains(pos)
        if not (in_price or in_volume):
            self.hover_index(None)
            return
        vb = self.price_vb if in_price else self.volume_vb
        point = vb.mapSceneToView(pos)
        self.hover_index(round(point.x()), point.y() if in_price else None)

    def _on_mouse_clicked(self, event) -> None:  # pyqtgraph MouseClickEvent
        if not event.double() or event.button() != Qt.MouseButton.LeftButton:
            return
        pos = event.scenePos()
        if self.price_vb.sceneBoundingRect().contains(pos):
            text = self.price_text(self.price_vb.mapSceneToView(pos).y())
            if text is not None:
                self.priceClicked.emit(text)

    def price_text(self, y: float) -> str | None:
        """A chart y as exact price text on the market's tick grid (None without a tick)."""
        return price_on_tick(self._rules, y)

    def hover_index(self, index: int | None, price: float | None = None) -> None:
        """Put the crosshair on bar `index` (None hides it) and show that bar's OHLCV."""
        n = len(self.series)
        if index is None or n == 0:
            self._hover = None
            for line in (self.vline, self.hline, self.vline_volume):
                line.setVisible(False)
        else:
            index = max(0, min(n - 1, index))
            self._hover = index
            self.vline.setPos(index)
            self.vline_volume.setPos(index)
            self.vline.setVisible(True)
            self.vline_volume.setVisible(True)
            if price is not None:
                self.hline.setPos(price)
            self.hline.setVisible(price is not None)
        self._update_readout()

    @property
    def hovered_index(self) -> int | None:
        return self._hover

    def readout_text(self) -> str:
        return self.readout.text()

    def _update_readout(self) -> None:
        """The hovered (else the newest) bar; on a narrow chart a shorter form that fits,
        so the line is never cut off (one line always: the plots must not jump)."""
        n = len(self.series)
        stale = ""
        if self._stale:
            stale = f"STALE — {self._stale_reason}   " if self._stale_reason else "STALE   "
        text = stale
        if n:
            i = self._hover if self._hover is not None else n - 1
            room = self.readout.width() - 14  # the style sheet's padding, and a little
            fm = self.readout.fontMetrics()
            for compact in range(READOUT_FORMS):
                text = stale + self.describe(i, compact)
                if fm.horizontalAdvance(text) <= room:
                    break
        self.readout.setText(text)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._fit_toolbar()
        self._update_readout()

    def describe(self, index: int, compact: int = 0) -> str:
        """One bar as readout text: time, O H L C V and change, exact (from the Decimals).

        `compact` shortens it for a narrow chart: 1 drops the year, 2 also the volume,
        3 keeps only time, close and change."""
        k = self.series.candles[index]
        daily = self.series.span_ms >= 86_400_000
        if compact:
            fmt = "%m-%d" if daily else "%m-%d %H:%M"
        else:
            fmt = "%Y-%m-%d" if daily else "%Y-%m-%d %H:%M"
        change = (k.close - k.open) * 100 / k.open if k.open else Decimal(0)
        chg = f"{'+' if change >= 0 else ''}{format_decimal(change, 2)}%"
        fp, fa = self._fmt_price, self._fmt_amount
        when = format_time(k.open_time_ms, fmt)
        if compact >= 3:
            return f"{when}  C {fp(k.close)}  {chg}"
        ohlc = f"O {fp(k.open)}  H {fp(k.high)}  L {fp(k.low)}  C {fp(k.close)}"
        if compact == 2:
            return f"{when}  {ohlc}  {chg}"
        return f"{when}  {ohlc}  V {fa(k.volume)}  {chg}"

    def _fmt_price(self, value: Decimal) -> str:
        if self._rules is not None and self._rules.tick_size is not None:
            return self._rules.format_price(value)
        return format_decimal(value.normalize())

    def _fmt_amount(self, value: Decimal) -> str:
        if self._rules is not None and self._rules.step_size is not None:
            return self._rules.format_amount(value)
        return format_decimal(value.normalize())

    # ---- price lines: orders, alerts, drawings ---------------------------------------
    def line_layer(self, z: float = 42.0) -> PriceLineLayer:
        """A new layer of horizontal price lines on the price pane (alerts, drawings),
        snapped to the market's tick, cancelled by Escape while dragged, recoloured
        with the theme. See terminal.ui.widgets.price_lines for its API."""
        layer = PriceLineLayer(
            self.price_plot,
            self._snap,
            self._palette.background,
            z=z,
            drag_text=drag_text(self._fmt_price, self.last_price),
        )
        self._layers.append(layer)
        return layer

    def _legend_bottom(self) -> float:
        """Pixels from the price pane's top that the indicator legend covers."""
        legend = getattr(self, "legend", None)
        if legend is None or not legend.item.isVisible():
            return 0.0
        rect = legend.item.mapRectToParent(legend.item.boundingRect())
        return float(rect.bottom()) + 2.0

    def cancel_drag(self) -> bool:
        """Escape: a line being dragged goes back where it was. False: none was."""
        cancelled = False
        for layer in self._layers:
            cancelled = layer.cancel_drag() or cancelled
        return cancelled

    def _snap(self, y: float) -> Decimal | None:
        text = price_on_tick(self._rules, y)
        return Decimal(text) if text is not None else None

    def last_price(self) -> Decimal | None:
        """The newest candle's close (None without candles)."""
        return self.series.candles[-1].close if len(self.series) else None

    # ---- open orders -----------------------------------------------------------------
    def set_orders(
        self,
        orders: Iterable[Order],
        entry_prices: dict[str, Decimal] | None = None,
        planned: Iterable[PlannedLeg] = (),
        can_amend: bool = True,
        movable_lists: frozenset[str] = frozenset(),
    ) -> None:
        """Each working order of this market as a labelled price line (resting limits
        solid, pending triggers dashed, planned bracket legs dotted; see chart_orders),
        draggable where it can be amended, and an edge marker when it is out of view."""
        symbol = self._rules.symbol if self._rules is not None else None
        self.order_marks.set(
            order_marks(
                orders,
                symbol,
                self.last_price(),
                self._fmt_price,
                self._fmt_amount,
                entry_prices,
                planned,
                can_amend,
                movable_lists,
            )
        )

    def order_line_labels(self) -> dict[str, str]:
        """Client order id -> label text of the order lines shown."""
        return self.order_marks.labels()

    def edge_markers(self) -> list[EdgeMarker]:
        """The markers of orders outside the visible price range, top and bottom."""
        return self.order_marks.edge_markers()
