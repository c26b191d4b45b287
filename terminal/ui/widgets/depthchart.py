"""Depth chart: cumulative bids and asks as stepped filled areas around the mid.

Cheap by construction: the step outlines are built once per book version as two
QPainterPaths in price/amount coordinates; a paint is a transform and two fills.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFontMetricsF,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPaintEvent,
    QPen,
    QTransform,
)
from PySide6.QtWidgets import QSizePolicy, QWidget

from terminal.domain.market import MarketRules
from terminal.domain.marketdata import BookView
from terminal.domain.money import format_decimal

from ..frame import FrameCounter, Provider, ProviderPoll
from .palette import DARK, Palette
from .pricetext import price_on_tick

MARGIN_BOTTOM = 18.0
MARGIN_TOP = 6.0


@dataclass(frozen=True)
class DepthCurves:
    """Display geometry of one book: price and cumulative amount per step, best first."""

    bid_prices: np.ndarray
    bid_cum: np.ndarray
    ask_prices: np.ndarray
    ask_cum: np.ndarray
    mid: float
    x_min: float
    x_max: float
    y_max: float

    @property
    def is_empty(self) -> bool:
        return not len(self.bid_prices) and not len(self.ask_prices)

    def cumulative_at(self, price: float) -> tuple[str, float]:
        """('bid'|'ask'|'', amount available from the best level to `price`)."""
        if price <= self.mid and len(self.bid_prices):
            # bids descending: count levels with price >= `price`
            k = int(np.searchsorted(-self.bid_prices, -price, side="right"))
            return "bid", float(self.bid_cum[k - 1]) if k else 0.0
        if price > self.mid and len(self.ask_prices):
            k = int(np.searchsorted(self.ask_prices, price, side="right"))
            return "ask", float(self.ask_cum[k - 1]) if k else 0.0
        return "", 0.0


def depth_curves(view: BookView | None, max_levels: int = 200) -> DepthCurves | None:
    """Curves of `view`, both sides shown to the same distance from the mid."""
    if view is None or (not view.bids and not view.asks):
        return None
    bids = view.bids[:max_levels]
    asks = view.asks[:max_levels]
    bp = np.array([float(x.price) for x in bids])
    bc = np.cumsum([float(x.amount) for x in bids]) if bids else np.zeros(0)
    ap = np.array([float(x.price) for x in asks])
    ac = np.cumsum([float(x.amount) for x in asks]) if asks else np.zeros(0)
    if len(bp) and len(ap):
        mid = (bp[0] + ap[0]) / 2.0
        reach = min(mid - bp[-1], ap[-1] - mid)
        if reach <= 0:
            reach = max(mid - bp[-1], ap[-1] - mid, abs(mid) * 1e-4)
    elif len(bp):
        mid, reach = bp[0], max(bp[0] - bp[-1], abs(bp[0]) * 1e-4)
    else:
        mid, reach = ap[0], max(ap[-1] - ap[0], abs(ap[0]) * 1e-4)
    x_min, x_max = mid - reach, mid + reach
    in_b = bc[bp >= x_min] if len(bp) else bc
    in_a = ac[ap <= x_max] if len(ap) else ac
    y_max = max(float(in_b[-1]) if len(in_b) else 0.0, float(in_a[-1]) if len(in_a) else 0.0)
    return DepthCurves(bp, bc, ap, ac, float(mid), float(x_min), float(x_max), y_max * 1.08 or 1.0)


def _step_path(prices: np.ndarray, cum: np.ndarray, edge: float) -> QPainterPath:
    """Closed stepped area: from the best price outward to `edge`, down to zero."""
    path = QPainterPath()
    if not len(prices):
        return path
    path.moveTo(prices[0], 0.0)
    prev = 0.0
    for price, total in zip(prices.tolist(), cum.tolist(), strict=False):
        path.lineTo(price, prev)
        path.lineTo(price, total)
        prev = total
    path.lineTo(edge, prev)
    path.lineTo(edge, 0.0)
    path.closeSubpath()
    return path


class DepthChartWidget(QWidget):
    """Cumulative depth around the mid; hover shows the price under the cursor and the
    amount available up to it; a click emits `priceClicked(str)` with that price on the
    market's tick (exact text, like a click on the ladder), for the order ticket."""

    priceClicked = Signal(str)

    def __init__(
        self,
        rules: MarketRules | None = None,
        palette: Palette = DARK,
        max_levels: int = 200,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("depthchart")
        self.setAccessibleName("Depth chart")
        self.setMouseTracking(True)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.frames = FrameCounter()
        self._poll = ProviderPoll()
        self._rules = rules
        self.max_levels = max_levels
        self._view: BookView | None = None
        self._curves: DepthCurves | None = None
        self._paths: tuple[QPainterPath, QPainterPath] | None = None
        self._geometry_dirty = False
        self._paint_dirty = False
        self._hover_x: float | None = None
        self._stale = False
        self._stale_reason = ""
        self._placeholder = "Connecting…"
        self.set_palette(palette)

    def set_palette(self, palette: Palette) -> None:
        self._palette = palette
        self._c = {
            n: QColor(getattr(palette, n))
            for n in (
                "background",
                "text",
                "text_dim",
                "grid",
                "bid",
                "ask",
                "bid_area",
                "ask_area",
                "crosshair",
                "stale_veil",
                "stale_text",
            )
        }
        self.update()

    def set_market(self, rules: MarketRules | None) -> None:
        self._rules = rules
        self.set_book(None)
        self._poll.invalidate()
        self.update()

    def set_stale(self, stale: bool, reason: str = "") -> None:
        self._stale, self._stale_reason = stale, reason
        self.update()

    def set_placeholder(self, text: str) -> None:
        self._placeholder = text
        self.update()

    # ---- data ----------------------------------------------------------------------
    def set_book(self, view: BookView | None) -> None:
        """Store the latest book; painted on the next frame tick."""
        self._view = view
        self._geometry_dirty = True
        self._paint_dirty = True

    def set_provider(self, provider: Provider | None) -> None:
        """`provider() -> (version, BookView | None)`, pulled on each frame tick."""
        self._poll.set(provider)

    def refresh(self) -> bool:
        if not self.isVisible():
            return False
        changed, value = self._poll.poll()
        if changed:
            self.set_book(value)
        if not self._paint_dirty:
            return False
        self._paint_dirty = False
        self.update()
        return True

    def curves(self) -> DepthCurves | None:
        if self._geometry_dirty:
            self._geometry_dirty = False
            self._curves = depth_curves(self._view, self.max_levels)
            if self._curves is None:
                self._paths = None
            else:
                cv = self._curves
                self._paths = (
                    _step_path(cv.bid_prices, cv.bid_cum, cv.x_min),
                    _step_path(cv.ask_prices, cv.ask_cum, cv.x_max),
                )
        return self._curves

    # ---- painting ------------------------------------------------------------------
    def sizeHint(self) -> QSize:
        return QSize(300, 180)

    def _plot_rect(self) -> QRectF:
        return QRectF(
            0.0,
            MARGIN_TOP,
            float(self.width()),
            max(1.0, self.height() - MARGIN_TOP - MARGIN_BOTTOM),
        )

    def _transform(self, cv: DepthCurves) -> QTransform:
        r = self._plot_rect()
        sx = r.width() / (cv.x_max - cv.x_min)
        sy = -r.height() / cv.y_max
        return QTransform(sx, 0, 0, sy, -cv.x_min * sx + r.left(), r.bottom())

    def paintEvent(self, event: QPaintEvent) -> None:
        started = time.perf_counter()
        cv = self.curves()
        p = QPainter(self)
        c = self._c
        w, h = float(self.width()), float(self.height())
        p.fillRect(QRectF(0, 0, w, h), c["background"])
        if cv is None or self._paths is None:
            if not self._stale:
                p.setPen(c["text_dim"])
                p.drawText(QRectF(0, 0, w, h), Qt.AlignmentFlag.AlignCenter, self._placeholder)
        else:
            r = self._plot_rect()
            p.save()
            p.setClipRect(r)
            p.setTransform(self._transform(cv))
            for path, fill, line in (
                (self._paths[0], "bid_area", "bid"),
                (self._paths[1], "ask_area", "ask"),
            ):
                colour = c["text_dim"] if self._stale else c[line]
                pen = QPen(colour)
                pen.setCosmetic(True)
                pen.setWidthF(1.5)
                p.setPen(pen)
                area = QColor(colour)
                area.setAlpha(c[fill].alpha())
                p.setBrush(area)
                p.drawPath(path)
            p.restore()
            self._paint_labels(p, cv, r)
        if self._stale:
            p.fillRect(QRectF(0, 0, w, h), c["stale_veil"])
            font = self.font()
            font.setBold(True)
            font.setPointSizeF(max(font.pointSizeF(), 9.0) * 1.8)
            p.setFont(font)
            p.setPen(c["stale_text"])
            p.drawText(
                QRectF(0, 0, w, h),
                Qt.AlignmentFlag.AlignCenter,
                "STALE" + (f"\n{self._stale_reason}" if self._stale_reason else ""),
            )
        p.end()
        self.frames.mark(time.perf_counter() - started)

    def _fmt(self, price: float, extra_places: int = 0) -> str:
        """Display text of a float price (the mid may need one more place than the tick)."""
        places = self._rules.price_places() if self._rules is not None else None
        if places is None:  # plain digits, as every number is shown (never 1e+06)
            return format_decimal(Decimal(f"{price:.10g}"))
        text = f"{price:.{places + extra_places}f}"
        if extra_places and text.endswith("0"):
            text = text[:-1]
        return text

    def _paint_labels(self, p: QPainter, cv: DepthCurves, r: QRectF) -> None:
        c = self._c
        fm = QFontMetricsF(self.font())
        base = r.bottom() + fm.ascent() + 2
        mid_x = r.left() + r.width() / 2
        p.setPen(c["grid"])
        p.drawLine(QPointF(mid_x, r.top()), QPointF(mid_x, r.bottom()))
        p.setPen(c["text_dim"])
        left, right, mid = self._fmt(cv.x_min), self._fmt(cv.x_max), self._fmt(cv.mid, 1)
        p.drawText(QPointF(r.left() + 2, base), left)
        p.drawText(QPointF(r.right() - 2 - fm.horizontalAdvance(right), base), right)
        p.setPen(c["text"])
        p.drawText(QPointF(mid_x - fm.horizontalAdvance(mid) / 2, base), mid)
        label = self.hover_text()
        if label and self._hover_x is not None:
            price = self.price_at(self._hover_x)
            side, _ = cv.cumulative_at(price) if price is not None else ("", 0.0)
            pen = QPen(c["crosshair"])
            pen.setStyle(Qt.PenStyle.DashLine)
            p.setPen(pen)
            p.drawLine(QPointF(self._hover_x, r.top()), QPointF(self._hover_x, r.bottom()))
            tw = fm.horizontalAdvance(label)
            x = self._hover_x + 6  # right of the cursor line, else left of it
            if x + tw + 2 > r.right():
                x = self._hover_x - 6 - tw
            x = min(max(r.left() + 3, x), r.right() - tw - 3)
            back = QColor(c["background"])
            back.setAlpha(215)  # readable over the filled areas
            p.fillRect(QRectF(x - 3, r.top() + 1, tw + 6, fm.height() + 2), back)
            p.setPen(c["bid"] if side == "bid" else c["ask"] if side == "ask" else c["text"])
            p.drawText(QPointF(x, r.top() + fm.ascent() + 2), label)

    def hover_text(self) -> str:
        """The hover readout: the price a click would give and the cumulative size on
        that side of the book up to it ("" when the cursor is not over the plot)."""
        cv = self.curves()
        hover_x = self._hover_x
        price = self.price_at(hover_x) if hover_x is not None else None
        if cv is None or hover_x is None or price is None:
            return ""
        side, total = cv.cumulative_at(price)
        text = self.price_text_at(hover_x) or self._fmt(price)
        places = self._rules.amount_places() if self._rules is not None else None
        size = (
            f"{total:.{places}f}"
            if places is not None
            else format_decimal(Decimal(f"{total:.10g}"))
        )
        unit = f" {self._rules.base}" if self._rules is not None else ""
        name = {"bid": "bids", "ask": "asks"}.get(side, "")
        return f"{text}   Σ {name} {size}{unit}" if name else text

    # ---- interaction ---------------------------------------------------------------
    def price_at(self, x: float) -> float | None:
        """The price at widget x (None outside the plot or without a book)."""
        cv = self.curves()
        r = self._plot_rect()
        if cv is None or not r.left() <= x <= r.right() or r.width() <= 0:
            return None
        return cv.x_min + (x - r.left()) / r.width() * (cv.x_max - cv.x_min)

    def price_text_at(self, x: float) -> str | None:
        """The price at widget x on the tick grid, as the text a click emits."""
        price = self.price_at(x)
        return price_on_tick(self._rules, price) if price is not None else None

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        self._hover_x = event.position().x()
        clickable = self.price_text_at(self._hover_x) is not None
        self.setCursor(
            Qt.CursorShape.PointingHandCursor if clickable else Qt.CursorShape.ArrowCursor
        )
        self.update()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return super().mousePressEvent(event)
        text = self.price_text_at(event.position().x())
        if text is not None:
            self.priceClicked.emit(text)

    def leaveEvent(self, event) -> None:
        self._hover_x = None
        self.update()
        super().leaveEvent(event)
