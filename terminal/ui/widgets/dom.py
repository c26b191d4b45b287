"""The DOM ladder (price ladder): fixed price rows, custom-painted like the book ladder.

Columns: my working orders | bid size | price | ask size | traded volume. Rows are
built once per data change (`dom_rows.build_dom`) and painted from cached QStaticText,
so a frame is fills and text draws (the book ladder's recipe). Data arrives through a
provider pulled on the frame clock; nothing repaints per message.

The painting is in `dom_paint`. The widget only says what was clicked (typed signals);
what a click does (fill the ticket, send, cancel, amend) is decided by the wiring, which
knows whether the ladder is armed and whether entry is allowed.
"""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QContextMenuEvent,
    QFontMetricsF,
    QMouseEvent,
    QWheelEvent,
)
from PySide6.QtWidgets import QMenu, QSizePolicy, QWidget

from terminal.domain.enums import Side
from terminal.domain.market import MarketRules

from ..frame import FrameCounter, Provider, ProviderPoll
from ..session_style import short_label
from .dom_menu import alert_menu
from .dom_paint import EDGES, Column, DomPainting
from .dom_rows import (
    EMPTY_DOM,
    DomFeed,
    DomLadder,
    DomRow,
    bucket,
    build_dom,
    own_orders_by_row,
    snap_centre,
)
from .palette import DARK, Palette
from .textcache import PAD, TextCache


class DomLadderView(DomPainting):
    """The painted ladder. See the module docstring."""

    limitClicked = Signal(object, str)  # Side, price text
    stopClicked = Signal(object, str)  # Side, price text (modifier click on a size cell)
    priceClicked = Signal(str)
    ordersClicked = Signal(str)  # price text of a row holding my orders
    ordersDragged = Signal(str, str)  # from price text, to price text
    autoCentreChanged = Signal(bool)
    alertRequested = Signal(str)  # price text: right-click menu "Alert at <price>"

    def __init__(
        self,
        rules: MarketRules | None = None,
        palette: Palette = DARK,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("dom_ladder")
        self.setAccessibleName("Price ladder")
        self.setMouseTracking(True)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.frames = FrameCounter()
        self._poll = ProviderPoll()
        self._texts = TextCache()
        self._formatted: dict[tuple[Decimal, int | None], str] = {}  # Decimal -> text
        self._rules = rules
        self._step: Decimal | None = rules.tick_size if rules is not None else None
        self._feed = DomFeed(None)
        self._centre: Decimal | None = None
        self._auto = True
        self._armed = False
        self._dirty = True
        self._paint_dirty = False
        self._ladder: DomLadder = EMPTY_DOM
        self._stale = False
        self._placeholder = "No market"
        self._press: tuple[int, Column] | None = None
        self._press_shift = False
        self._drag_to: int | None = None
        self._hover: int | None = None
        self.alert_menu: QMenu | None = None
        self._row_h = 18.0
        self.set_palette(palette)
        self._apply_font()

    # ---- configuration -------------------------------------------------------------
    def set_palette(self, palette: Palette) -> None:
        self._c = {
            name: QColor(getattr(palette, name))
            for name in (
                "background",
                "background_alt",
                "text",
                "text_dim",
                "grid",
                "hover",
                "bid",
                "ask",
                "bid_bar",
                "ask_bar",
                "stale_veil",
                "stale_text",
                "warning",
                "last_price",
            )
        }
        vol = QColor(palette.text_dim)
        vol.setAlpha(70)
        self._c["volume_bar"] = vol
        self.update()

    def set_market(self, rules: MarketRules | None) -> None:
        self._rules = rules
        self._step = rules.tick_size if rules is not None else None
        self._feed = DomFeed(None)
        self._centre = None
        self._poll.invalidate()
        self._texts.set_font(self.font())
        self._press = self._drag_to = self._hover = None
        self._dirty = True
        self.update()

    @property
    def rules(self) -> MarketRules | None:
        return self._rules

    def set_grouping(self, step: Decimal | None) -> None:
        if step is not None and step <= 0:
            raise ValueError("grouping step must be positive")
        self._step = step
        self._centre = None  # recentre on the new grid
        self._dirty = True
        self.update()

    @property
    def grouping(self) -> Decimal | None:
        return self._step

    def set_auto_centre(self, on: bool) -> None:
        if on != self._auto:
            self._auto = on
            if on:
                self._centre = None
                self._dirty = True
                self.update()
            self.autoCentreChanged.emit(on)

    @property
    def auto_centre(self) -> bool:
        return self._auto

    def centre_now(self) -> None:
        """Put the last price in the middle row once (auto-centre unchanged)."""
        self._centre = None
        self._dirty = True
        self.update()

    def scroll_rows(self, rows: int) -> None:
        """Move the view by whole rows (up = higher prices); pauses auto-centre."""
        if self._centre is None or self._step is None:
            return
        self.set_auto_centre(False)
        self._centre = max(self._step, self._centre + self._step * rows)
        self._dirty = True
        self.update()

    def last_price(self) -> Decimal | None:
        """The price stops are placed against: the last trade, else the book's mid."""
        feed = self._feed
        if feed.last is not None:
            return feed.last
        return feed.view.mid if feed.view is not None else None

    @property
    def centre(self) -> Decimal | None:
        return self._centre

    def set_armed(self, armed: bool) -> None:
        if armed != self._armed:
            self._armed = armed
            self.update()

    @property
    def armed(self) -> bool:
        return self._armed

    def set_stale(self, stale: bool, reason: str = "") -> None:
        if stale != self._stale:
            self._stale = stale
            self.update()

    @property
    def is_stale(self) -> bool:
        return self._stale

    def set_placeholder(self, text: str) -> None:
        self._placeholder = text
        self.update()

    # ---- data ----------------------------------------------------------------------
    def set_provider(self, provider: Provider | None) -> None:
        """`provider() -> (version, DomFeed)`, pulled on each frame tick."""
        self._poll.set(provider)

    def set_feed(self, feed: DomFeed | None) -> None:
        self._feed = feed or DomFeed(None)
        self._dirty = True
        self._paint_dirty = True

    def refresh(self) -> bool:
        if not self.isVisible():
            return False
        changed, value = self._poll.poll()
        if changed:
            self.set_feed(value)
        if not self._paint_dirty:
            return False
        self._paint_dirty = False
        self.update()
        return True

    def visible_rows(self) -> int:
        return max(0, int((self.height() - self._row_h) // self._row_h))

    def ladder(self) -> DomLadder:
        """The rows as they are (or will be) painted."""
        if not self._dirty:
            return self._ladder
        self._dirty = False
        feed, step, n = self._feed, self._step, self.visible_rows()
        view = feed.view
        anchor = feed.last
        if anchor is None and view is not None:
            anchor = view.mid
        if step is None or step <= 0 or (view is None and anchor is None):
            self._ladder = EMPTY_DOM
            return self._ladder
        if anchor is not None and (
            self._centre is None
            or (self._auto and abs(bucket(anchor, step) - self._centre) > step * max(1, n // 4))
        ):
            self._centre = snap_centre(anchor, step)
        symbol = str(self._rules.symbol) if self._rules is not None else ""
        own = own_orders_by_row(feed.orders, symbol, step) if feed.orders else {}
        volume: dict[Decimal, Decimal] = {}
        for price, amount in feed.volume.items():
            b = bucket(price, step)
            volume[b] = volume.get(b, Decimal(0)) + amount
        self._ladder = build_dom(
            view,
            step=step,
            centre=self._centre,
            rows=n,
            rules=self._rules,
            own=own,
            volume=volume,
            last=feed.last,
            texts=self._formatted,
        )
        return self._ladder

    # ---- geometry ------------------------------------------------------------------
    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        if event.type() == event.Type.FontChange:
            self._apply_font()

    def resizeEvent(self, event) -> None:
        self._dirty = True
        super().resizeEvent(event)

    def _apply_font(self) -> None:
        fm = QFontMetricsF(self.font())
        self._texts.set_font(self.font())
        self._row_h = float(round(fm.height() + 4))
        self._dirty = True
        self.updateGeometry()

    def sizeHint(self) -> QSize:
        return QSize(380, int(self._row_h * 30))

    def minimumSizeHint(self) -> QSize:
        fm = QFontMetricsF(self.font())
        need = fm.horizontalAdvance("00000.00") / (EDGES[3] - EDGES[2]) + 2 * PAD
        return QSize(max(260, int(need)), int(self._row_h * 8))

    def row_rect(self, index: int) -> QRectF:
        return QRectF(0.0, self._row_h * (index + 1), float(self.width()), self._row_h)

    def cell_rect(self, index: int, column: Column) -> QRectF:
        w = float(self.width())
        x0, x1 = EDGES[column] * w, EDGES[column + 1] * w
        return QRectF(x0, self._row_h * (index + 1), x1 - x0, self._row_h)

    def hit(self, pos: QPointF) -> tuple[int, Column] | None:
        """(row index, column) under `pos`, if a row is painted there."""
        y = pos.y()
        if y < self._row_h:
            return None
        index = int((y - self._row_h) // self._row_h)
        if index >= len(self.ladder().rows):
            return None
        frac = pos.x() / max(1.0, float(self.width()))
        column = next(c for c in Column if frac < EDGES[c + 1] or c is Column.VOLUME)
        return index, column

    def row(self, index: int) -> DomRow | None:
        rows = self.ladder().rows
        return rows[index] if 0 <= index < len(rows) else None

    # ---- interaction ---------------------------------------------------------------
    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return super().mousePressEvent(event)
        self._press = self.hit(event.position())
        self._press_shift = bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
        self._drag_to = None

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        hit = self.hit(event.position())
        index = hit[0] if hit else None
        self.setToolTip(self._orders_tip(hit))
        if self._press is not None and self._press[1] is Column.ORDERS:
            target = index if index != self._press[0] else None
            if target != self._drag_to:
                self._drag_to = target
                self.update()
        elif index != self._hover:
            self._hover = index
            self.update()

    def _orders_tip(self, hit: tuple[int, Column] | None) -> str:
        row = self.row(hit[0]) if hit is not None and hit[1] is Column.ORDERS else None
        if row is None or row.orders is None:
            return ""
        mine = row.orders
        base = self._rules.base if self._rules is not None else ""
        return (
            f"{mine.count} working order(s) at {row.price_text}: {mine.amount.normalize():f}"
            f" {base} left ({', '.join(short_label(k) for k in self.row_sessions(row))})."
            " Armed: click cancels, drag amends."
        )

    def leaveEvent(self, event) -> None:
        self._hover = None
        self.update()
        super().leaveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        press, self._press = self._press, None
        self._drag_to = None
        self.update()
        if event.button() != Qt.MouseButton.LeftButton or press is None:
            return
        index, column = press
        row = self.row(index)
        if row is None:
            return
        hit = self.hit(event.position())
        if column is Column.ORDERS and row.orders is not None:
            target = self.row(hit[0]) if hit is not None else None
            if target is not None and target.price != row.price:
                self.ordersDragged.emit(row.price_text, target.price_text)
            elif hit is not None and hit[0] == index:
                self.ordersClicked.emit(row.price_text)
            return
        if hit is None or hit != press:
            return  # pressed on one cell, released on another: not a click
        modifier = self._press_shift or bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
        if column in (Column.BID, Column.ASK):
            side = Side.BUY if column is Column.BID else Side.SELL
            (self.stopClicked if modifier else self.limitClicked).emit(side, row.price_text)
        elif column is Column.PRICE:
            self.priceClicked.emit(row.price_text)

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        hit = self.hit(QPointF(event.pos()))
        row = self.row(hit[0]) if hit is not None else None
        if row is None:
            return
        self.open_alert_menu(row.price_text).popup(event.globalPos())
        event.accept()

    def open_alert_menu(self, price_text: str) -> QMenu:
        """The right-click menu of a row (built, not shown: `popup`, never `exec`)."""
        if self.alert_menu is not None:
            self.alert_menu.deleteLater()
        self.alert_menu = alert_menu(self, price_text, self.alertRequested.emit)
        return self.alert_menu

    def wheelEvent(self, event: QWheelEvent) -> None:
        notches = event.angleDelta().y() // 120
        if notches:
            self.scroll_rows(int(notches) * 3)
