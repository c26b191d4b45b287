"""The order-book ladder: a custom-painted QWidget (painted in `orderbook_paint`).

Why custom painting: a QAbstractTableModel ladder cannot keep up (18.5 ms a repaint,
~900 data() calls for 40x4 cells). Here the rows are
formatted once per book version (`ladder.build_ladder`), texts are cached as
QStaticText with their widths, and a paint is fills + cached text draws.

Data flow: `set_book()` or a provider only store the latest book; nothing is painted
until `refresh()` (the FrameClock tick) sees a new version.
"""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QKeyEvent,
    QMouseEvent,
)
from PySide6.QtWidgets import QSizePolicy, QWidget

from terminal.domain.enums import Side
from terminal.domain.market import MarketRules
from terminal.domain.marketdata import BookView

from ..frame import FrameCounter, Provider, ProviderPoll
from .ladder import (
    DEFAULT_DEPTH,
    EMPTY_LADDER,
    Ladder,
    LadderRow,
    build_ladder,
)
from .orderbook_paint import SIZE_RIGHT, LadderPainting
from .palette import DARK, Palette
from .textcache import PAD, TextCache

COLUMN_GAP = 8.0  # the least room between two columns' texts
# The widest texts a row typically has (price, size, total): the minimum width shows them.
ROW_SAMPLE = ("000000.00", "00.00000", "000.00000")


class OrderBookLadder(LadderPainting):
    """Asks above, bids below, spread/mid row between; price / size / cumulative columns."""

    priceClicked = Signal(str)

    def __init__(
        self,
        rules: MarketRules | None = None,
        palette: Palette = DARK,
        depth: int = DEFAULT_DEPTH,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("orderbook")
        self.setAccessibleName("Order book")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMouseTracking(True)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.frames = FrameCounter()
        self._poll = ProviderPoll()
        self._rules = rules
        self._depth = depth
        self._step: Decimal | None = rules.tick_size if rules is not None else None
        self._view: BookView | None = None
        self._ladder: Ladder = EMPTY_LADDER
        self._layout_dirty = False
        self._paint_dirty = False
        self._stale = False
        self._stale_reason = ""
        self._placeholder = "Connecting…"
        self._hover: tuple[Side, int] | None = None
        self._selected: tuple[Side, int] | None = None
        self._texts = TextCache()
        self._big_font = QFont()
        self._row_h = 18.0
        self._ascent = 12.0
        self.set_palette(palette)
        self._apply_font()

    # ---- configuration -------------------------------------------------------------
    def set_palette(self, palette: Palette) -> None:
        self._palette = palette
        p = palette
        self._c = {
            name: QColor(getattr(p, name))
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
                "bid_cum_bar",
                "ask_cum_bar",
                "stale_veil",
                "stale_text",
                "warning",
            )
        }
        grey_bar = QColor(p.text_dim)
        grey_bar.setAlpha(60)
        grey_cum = QColor(p.text_dim)
        grey_cum.setAlpha(28)
        self._c["grey_bar"], self._c["grey_cum"] = grey_bar, grey_cum
        self.update()

    @property
    def palette_(self) -> Palette:
        return self._palette

    def set_market(self, rules: MarketRules | None) -> None:
        """A new market: tick-based formatting, grouping back to one tick, book cleared."""
        self._rules = rules
        self._step = rules.tick_size if rules is not None else None
        self._view = None
        self._ladder = EMPTY_LADDER
        self._poll.invalidate()
        self._hover = self._selected = None
        self._texts.set_font(self.font())
        self._layout_dirty = False
        self.update()

    def set_grouping(self, step: Decimal | None) -> None:
        if step is not None and step <= 0:
            raise ValueError("grouping step must be positive")
        self._step = step
        self._layout_dirty = True
        self.update()

    @property
    def grouping(self) -> Decimal | None:
        return self._step

    def set_depth(self, depth: int) -> None:
        self._depth = max(1, int(depth))
        self._layout_dirty = True
        self.updateGeometry()
        self.update()

    @property
    def depth(self) -> int:  # type: ignore[override]  # rows per side, not QPaintDevice.depth()
        return self._depth

    def set_stale(self, stale: bool, reason: str = "") -> None:
        """Grey the book and show STALE (feed silent, disconnected, resyncing)."""
        if stale == self._stale and reason == self._stale_reason:
            return
        self._stale, self._stale_reason = stale, reason
        self.update()

    @property
    def is_stale(self) -> bool:
        return self._stale

    def set_placeholder(self, text: str) -> None:
        """Text shown while there is no book ("Connecting…", "No market selected")."""
        self._placeholder = text
        self.update()

    def status_text(self) -> str:
        """What the panel tells the user besides the rows (for tests and accessibility)."""
        if self._stale:
            return f"STALE — {self._stale_reason}" if self._stale_reason else "STALE"
        if self.ladder().is_empty:
            return self._placeholder
        return ""

    # ---- data ----------------------------------------------------------------------
    def set_provider(self, provider: Provider | None) -> None:
        """`provider() -> (version, BookView | None)`, pulled on each frame tick."""
        self._poll.set(provider)

    def set_book(self, view: BookView | None) -> None:
        """Store the latest book; it is painted on the next frame tick (`refresh`)."""
        self._view = view
        self._layout_dirty = True
        self._paint_dirty = True

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

    def ladder(self) -> Ladder:
        """The rows as they are (or will be) painted."""
        if self._layout_dirty:
            self._ladder = build_ladder(self._view, self._depth, self._step, self._rules)
            self._layout_dirty = False
        return self._ladder

    # ---- geometry ------------------------------------------------------------------
    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        if event.type() == event.Type.FontChange:
            self._apply_font()

    def _apply_font(self) -> None:
        font = self.font()
        fm = QFontMetricsF(font)
        self._texts.set_font(font)
        self._row_h = float(round(fm.height() + 4))
        self._ascent = fm.ascent()
        self._big_font = QFont(font)
        self._big_font.setBold(True)
        self._big_font.setPointSizeF(max(font.pointSizeF(), 9.0) * 2.2)
        self.updateGeometry()

    def sizeHint(self) -> QSize:
        return QSize(300, int(self._row_h * (2 * min(self._depth, 20) + 2)))

    def minimumSizeHint(self) -> QSize:
        """Honest: wide enough for the short header (no units) and typical row texts
        without overlap (the header drops its units when they do not fit)."""
        need = max(self._width_for(*ROW_SAMPLE), self._width_for(*self.header_texts(False)))
        return QSize(max(180, need), int(self._row_h * 6))

    def _width_for(self, a: str, b: str, c: str) -> int:
        """The least width at which three texts, placed like the columns, do not touch."""
        fm = QFontMetricsF(self.font())
        wa, wb, wc = (fm.horizontalAdvance(t) for t in (a, b, c))
        # price | size: PAD + wa + GAP <= R*w - PAD - wb ; size | total: R*w - PAD + GAP
        # <= w - PAD - wc
        first = (2 * PAD + wa + wb + COLUMN_GAP) / SIZE_RIGHT
        second = (COLUMN_GAP + wc) / (1 - SIZE_RIGHT)
        return int(max(first, second)) + 1

    def header_texts(self, units: bool = True) -> tuple[str, str, str]:
        """The column titles; with units ("Price (USDT)") when a market is set."""
        rules = self._rules
        if not units or rules is None:
            return "Price", "Size", "Total"
        return f"Price ({rules.quote})", f"Size ({rules.base})", f"Total ({rules.base})"

    def shown_header(self) -> tuple[str, str, str]:
        """The titles painted at the current width: units only where they fit."""
        full = self.header_texts(True)
        return full if self._width_for(*full) <= self.width() else self.header_texts(False)

    def _spread_top(self) -> float:
        header = self._row_h
        area = self.height() - header
        return header + max(0.0, float(int((area - self._row_h) / 2)))

    def row_rect(self, side: Side, index: int) -> QRectF:
        """Where row `index` (0 = best) of `side` is painted."""
        y0 = self._spread_top()
        y = y0 - (index + 1) * self._row_h if side is Side.SELL else y0 + (index + 1) * self._row_h
        return QRectF(0.0, y, float(self.width()), self._row_h)

    def _row_fits(self, top: float) -> bool:
        """Whether a row starting at `top` is wholly between the header and the bottom:
        a row cut by an edge would show bars without their prices."""
        return top >= self._row_h - 0.5 and top + self._row_h <= self.height() + 0.5

    def row_at(self, y: float) -> tuple[Side, int] | None:
        """The (side, index) of the level row painted at widget y, if any."""
        ladder = self.ladder()
        y0 = self._spread_top()
        if y < self._row_h:
            return None
        key: tuple[Side, int] | None = None
        if y < y0:
            index = int((y0 - y) // self._row_h)
            key = (Side.SELL, index) if index < len(ladder.asks) else None
        elif y >= y0 + self._row_h:
            index = int((y - y0 - self._row_h) // self._row_h)
            key = (Side.BUY, index) if index < len(ladder.bids) else None
        if key is None or not self._row_fits(self.row_rect(*key).top()):
            return None
        return key

    def _row(self, key: tuple[Side, int] | None) -> LadderRow | None:
        if key is None:
            return None
        rows = self.ladder().asks if key[0] is Side.SELL else self.ladder().bids
        return rows[key[1]] if key[1] < len(rows) else None

    # ---- interaction ---------------------------------------------------------------
    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        hover = self.row_at(event.position().y())
        if hover != self._hover:
            self._hover = hover
            self.setCursor(
                Qt.CursorShape.PointingHandCursor if hover else Qt.CursorShape.ArrowCursor
            )
            self.update()

    def leaveEvent(self, event) -> None:
        if self._hover is not None:
            self._hover = None
            self.update()
        super().leaveEvent(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return super().mousePressEvent(event)
        key = self.row_at(event.position().y())
        row = self._row(key)
        if row is not None:
            self._selected = key
            self.update()
            self.priceClicked.emit(row.price_text)

    def _ordered_keys(self) -> list[tuple[Side, int]]:
        ladder = self.ladder()
        return [(Side.SELL, i) for i in reversed(range(len(ladder.asks)))] + [
            (Side.BUY, i) for i in range(len(ladder.bids))
        ]

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Up/Down pick a row, Enter/Space emit its price, Escape clears; Tab is left alone."""
        key = event.key()
        if key in (Qt.Key.Key_Up, Qt.Key.Key_Down):
            keys = self._ordered_keys()
            if not keys:
                return
            if self._selected in keys:
                i = keys.index(self._selected) + (1 if key == Qt.Key.Key_Down else -1)
            else:  # start at the best ask (up) or best bid (down)
                best = (Side.BUY, 0) if key == Qt.Key.Key_Down else (Side.SELL, 0)
                i = keys.index(best) if best in keys else 0
            self._selected = keys[max(0, min(len(keys) - 1, i))]
            self.update()
        elif key in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space):
            row = self._row(self._selected)
            if row is not None:
                self.priceClicked.emit(row.price_text)
        elif key == Qt.Key.Key_Escape and self._selected is not None:
            self._selected = None
            self.update()
        else:
            super().keyPressEvent(event)

    def focusInEvent(self, event) -> None:
        super().focusInEvent(event)
        self.update()

    def focusOutEvent(self, event) -> None:
        super().focusOutEvent(event)
        self.update()
