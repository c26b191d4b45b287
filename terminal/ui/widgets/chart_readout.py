"""The candle chart's crosshair and readout line: the hovered (else newest) bar's time,
OHLCV and change, exact, shortened to fit (a mixin of `CandleChartWidget`)."""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import QEvent, QObject, QPointF, Qt
from PySide6.QtGui import QKeyEvent

from terminal.domain.money import format_decimal

from .chart_host import ChartHost
from .chart_items import format_time
from .pricetext import price_on_tick

READOUT_FORMS = 4  # full, no year, no volume, time + close + change


class ChartReadout(ChartHost):
    """Crosshair, readout and the chart's price and amount formats."""

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
