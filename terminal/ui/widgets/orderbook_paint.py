"""The painting of the order-book ladder: fills and cached texts, nothing formatted here
(the rows come formatted from `ladder.build_ladder`)."""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QPainter,
    QPaintEvent,
)
from PySide6.QtWidgets import QWidget

from terminal.domain.enums import Side

from ..frame import FrameCounter
from .ladder import (
    Ladder,
    LadderRow,
)
from .textcache import PAD, TextCache

SIZE_RIGHT = 0.68  # the size column's right edge, as a fraction of the width


class LadderPainting(QWidget):
    """The paint of `OrderBookLadder` (its base class; the ladder owns the state)."""

    frames: FrameCounter
    _texts: TextCache
    _c: dict[str, QColor]
    _row_h: float
    _stale: bool
    _stale_reason: str
    _placeholder: str
    _big_font: QFont
    _hover: tuple[Side, int] | None
    _selected: tuple[Side, int] | None
    ladder: Callable[[], Ladder]
    shown_header: Callable[[], tuple[str, str, str]]
    _spread_top: Callable[[], float]
    _row_fits: Callable[[float], bool]

    def paintEvent(self, event: QPaintEvent) -> None:
        started = time.perf_counter()
        ladder = self.ladder()
        p = QPainter(self)
        c = self._c
        w, h, rh = float(self.width()), float(self.height()), self._row_h
        p.fillRect(QRectF(0, 0, w, h), c["background"])
        self._paint_header(p, w)
        if ladder.is_empty:
            if not self._stale:
                self._paint_centered(p, self._placeholder, c["text_dim"], self.font())
        else:
            y0 = self._spread_top()
            stale = self._stale
            col_price = c["text_dim"]
            for side, rows, sign in ((Side.SELL, ladder.asks, -1), (Side.BUY, ladder.bids, 1)):
                if stale:
                    bar, cum_bar, price_c = c["grey_bar"], c["grey_cum"], col_price
                elif side is Side.SELL:
                    bar, cum_bar, price_c = c["ask_bar"], c["ask_cum_bar"], c["ask"]
                else:
                    bar, cum_bar, price_c = c["bid_bar"], c["bid_cum_bar"], c["bid"]
                for i, row in enumerate(rows):
                    y = y0 + sign * (i + 1) * rh
                    if not self._row_fits(y):  # whole rows only: no sliver of bars
                        break
                    if self._hover == (side, i) or self._selected == (side, i):
                        p.fillRect(QRectF(0, y, w, rh), c["hover"])
                    p.fillRect(QRectF(w - w * row.cum_frac, y, w * row.cum_frac, rh), cum_bar)
                    p.fillRect(QRectF(w - w * row.size_frac, y + 2, w * row.size_frac, rh - 4), bar)
                    self._paint_cells(p, y, w, row, price_c)
            self._paint_spread(p, y0, w, ladder)
            self._paint_header(p, w)  # over ask rows scrolled under it
        if self._stale:
            p.fillRect(QRectF(0, 0, w, h), c["stale_veil"])
            self._paint_stale(p, w, h)
        if self.hasFocus():
            p.setPen(c["grid"])
            p.drawRect(QRectF(0.5, 0.5, w - 1, h - 1))
        p.end()
        self.frames.mark(time.perf_counter() - started)

    def _paint_header(self, p: QPainter, w: float) -> None:
        c = self._c
        p.fillRect(QRectF(0, 0, w, self._row_h), c["background_alt"])
        p.setPen(c["text_dim"])
        self._cells(p, 0.0, w, *self.shown_header())

    def _paint_cells(
        self, p: QPainter, y: float, w: float, row: LadderRow, price_c: QColor
    ) -> None:
        p.setPen(price_c)
        st, _ = self._texts.get(row.price_text)
        p.drawStaticText(QPointF(PAD, y + 2), st)
        p.setPen(self._c["text_dim"] if self._stale else self._c["text"])
        st, sw = self._texts.get(row.size_text)
        p.drawStaticText(QPointF(w * SIZE_RIGHT - PAD - sw, y + 2), st)
        st, sw = self._texts.get(row.cum_text)
        p.drawStaticText(QPointF(w - PAD - sw, y + 2), st)

    def _cells(self, p: QPainter, y: float, w: float, a: str, b: str, c3: str) -> None:
        st, _ = self._texts.get(a)
        p.drawStaticText(QPointF(PAD, y + 2), st)
        st, sw = self._texts.get(b)
        p.drawStaticText(QPointF(w * SIZE_RIGHT - PAD - sw, y + 2), st)
        st, sw = self._texts.get(c3)
        p.drawStaticText(QPointF(w - PAD - sw, y + 2), st)

    def _paint_spread(self, p: QPainter, y: float, w: float, ladder: Ladder) -> None:
        c = self._c
        p.fillRect(QRectF(0, y, w, self._row_h), c["background_alt"])
        if not ladder.mid_text:
            return
        p.setPen(c["warning"] if ladder.crossed and not self._stale else c["text"])
        st, _ = self._texts.get(ladder.mid_text)
        p.drawStaticText(QPointF(PAD, y + 2), st)
        p.setPen(c["text_dim"])
        label = ("CROSSED " if ladder.crossed else "Spread ") + ladder.spread_text
        st, sw = self._texts.get(label)
        p.drawStaticText(QPointF(w - PAD - sw, y + 2), st)

    def _paint_centered(
        self, p: QPainter, text: str, colour: QColor, font: QFont, dy: float = 0.0
    ) -> None:
        p.setFont(font)
        p.setPen(colour)
        rect = QRectF(0, dy, float(self.width()), float(self.height()))
        p.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)
        p.setFont(self.font())

    def _paint_stale(self, p: QPainter, w: float, h: float) -> None:
        big = QFontMetricsF(self._big_font)
        band_h = big.height() + self._row_h * (2 if self._stale_reason else 1)
        band = QRectF(0, (h - band_h) / 2, w, band_h)
        p.fillRect(band, self._c["background_alt"])
        self._paint_centered(
            p,
            "STALE",
            self._c["stale_text"],
            self._big_font,
            dy=-self._row_h / 2 if self._stale_reason else 0.0,
        )
        if self._stale_reason:
            self._paint_centered(
                p, self._stale_reason, self._c["text"], self.font(), dy=big.height() / 2 + 2
            )
