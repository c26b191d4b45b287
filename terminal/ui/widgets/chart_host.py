"""What the candle chart widget gives the parts it is assembled from.

`CandleChartWidget` (chart.py) is one QWidget built from parts that each own one job:
the toolbar (chart_toolbar.py), the crosshair readout (chart_readout.py), the order
lines (chart_order_lines.py) and the navigation (chart_navigation.py). Each part uses
attributes and methods of the whole; this class names them for the type checker. At run
time it is plain `object`.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pyqtgraph as pg
    from PySide6.QtCore import SignalInstance
    from PySide6.QtWidgets import QLabel, QWidget

    from terminal.domain.market import MarketRules

    from .candles import CandleSeries
    from .indicators import IndicatorSet
    from .order_marks import OrderMarks
    from .palette import Palette
    from .price_lines import PriceLineLayer

    class ChartHost(QWidget):
        priceClicked: SignalInstance
        series: CandleSeries
        indicators: IndicatorSet
        order_marks: OrderMarks
        readout: QLabel
        price_plot: pg.PlotItem
        price_vb: pg.ViewBox
        volume_vb: pg.ViewBox
        hline: pg.InfiniteLine
        vline: pg.InfiniteLine
        vline_volume: pg.InfiniteLine
        _rules: MarketRules | None
        _palette: Palette
        _stale: bool
        _stale_reason: str
        _layers: list[PriceLineLayer]

        def set_follow(self, follow: bool) -> None: ...
        def set_indicator_visible(self, name: str, visible: bool) -> None: ...
        def _on_timeframe_clicked(self, timeframe: str) -> None: ...
        def cancel_drag(self) -> bool: ...
        def _fmt_price(self, value: Decimal) -> str: ...
        def _fmt_amount(self, value: Decimal) -> str: ...

else:
    ChartHost = object
