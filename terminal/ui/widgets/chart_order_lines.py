"""The candle chart's price lines: working orders (and planned bracket legs) as
labelled, draggable lines, and `line_layer()` for alerts and drawings (a mixin of
`CandleChartWidget`; see price_lines for the layer's API)."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from terminal.domain.order import Order

from .chart_host import ChartHost
from .chart_orders import PlannedLeg, drag_text, order_marks
from .order_marks import EdgeMarker
from .price_lines import PriceLineLayer
from .pricetext import price_on_tick


class ChartOrderLines(ChartHost):
    """Order lines, edge markers and the line layers of the price pane."""

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
