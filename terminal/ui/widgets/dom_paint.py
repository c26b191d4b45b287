"""The painting of the price ladder (DOM): its columns, fills, session bars and cached
texts; the rows come formatted from `dom_rows.build_dom`."""

from __future__ import annotations

import time
from collections.abc import Callable
from enum import Enum

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import (
    QColor,
    QPainter,
    QPaintEvent,
    QPen,
)
from PySide6.QtWidgets import QWidget

from terminal.domain.session import SessionKey

from ..frame import FrameCounter
from ..session_style import qcolor_of
from .dom_rows import (
    DomFeed,
    DomLadder,
    DomRow,
)
from .textcache import PAD, TextCache

# Column edges as fractions of the width: orders | bid | price | ask | volume
EDGES = (0.0, 0.22, 0.41, 0.60, 0.80, 1.0)
HEADERS = ("My orders", "Bid", "Price", "Ask", "Volume")
HEADERS_SHORT = ("Mine", "Bid", "Price", "Ask", "Vol")  # when the full title does not fit
FRAME_W = 3.0  # the armed frame's width
# The user's orders at a row: one bar per session in the session's own colour (the same
# as the ticket's and the open-orders panel's), the active session's first
SESSION_BAR_W, SESSION_BARS = 3.0, 3


class Column(int, Enum):
    ORDERS = 0
    BID = 1
    PRICE = 2
    ASK = 3
    VOLUME = 4


class DomPainting(QWidget):
    """The paint of `DomLadderView` (its base class; the view owns the state)."""

    frames: FrameCounter
    _texts: TextCache
    _c: dict[str, QColor]
    _row_h: float
    _stale: bool
    _armed: bool
    _placeholder: str
    _hover: int | None
    _drag_to: int | None
    _feed: DomFeed
    ladder: Callable[[], DomLadder]

    def paintEvent(self, event: QPaintEvent) -> None:
        started = time.perf_counter()
        ladder = self.ladder()
        p = QPainter(self)
        c = self._c
        w, h, rh = float(self.width()), float(self.height()), self._row_h
        p.fillRect(QRectF(0, 0, w, h), c["background"])
        p.fillRect(QRectF(0, 0, w, rh), c["background_alt"])
        p.setPen(c["text_dim"])
        for col, title, short in zip(Column, HEADERS, HEADERS_SHORT, strict=False):
            room = (EDGES[col + 1] - EDGES[col]) * w - 2 * PAD
            self._text(p, title if self._texts.get(title)[1] <= room else short, col, 0.0, w)
        if ladder.is_empty:
            p.drawText(QRectF(0, rh, w, h - rh), Qt.AlignmentFlag.AlignCenter, self._placeholder)
        else:
            self._paint_rows(p, ladder, w, rh)
        if self._stale:
            p.fillRect(QRectF(0, rh, w, h - rh), c["stale_veil"])
            p.setPen(c["stale_text"])
            p.drawText(QRectF(0, rh, w, h - rh), Qt.AlignmentFlag.AlignCenter, "STALE")
        if self._armed:
            pen = QPen(c["warning"])
            pen.setWidthF(FRAME_W)
            p.setPen(pen)
            half = FRAME_W / 2
            p.drawRect(QRectF(half, half, w - FRAME_W, h - FRAME_W))
        p.end()
        self.frames.mark(time.perf_counter() - started)

    def _paint_rows(self, p: QPainter, ladder: DomLadder, w: float, rh: float) -> None:
        """Fills first, then the texts column by column (one pen per column): fewer
        state changes and Python calls than row by row."""
        c = self._c
        e = [x * w for x in EDGES]
        stale = self._stale
        rows = ladder.rows
        fill = p.fillRect
        bid_w, ask_w, vol_w = e[2] - e[1], e[4] - e[3], e[5] - e[4]
        for i, row in enumerate(rows):
            y = rh * (i + 1)
            if i == self._hover or i == self._drag_to:
                fill(QRectF(0, y, w, rh), c["hover"])
            if row.is_last:
                fill(QRectF(e[2], y, e[3] - e[2], rh), c["background_alt"])
            if row.bid_frac:
                bw = bid_w * row.bid_frac
                fill(QRectF(e[2] - bw, y + 2, bw, rh - 4), c["bid_bar"])
            if row.ask_frac:
                fill(QRectF(e[3], y + 2, ask_w * row.ask_frac, rh - 4), c["ask_bar"])
            if row.volume_frac:
                fill(QRectF(e[4], y + 2, vol_w * row.volume_frac, rh - 4), c["volume_bar"])
            if row.orders is not None:
                for k, session in enumerate(self.row_sessions(row)[:SESSION_BARS]):
                    x = e[0] + 2 + k * (SESSION_BAR_W + 1)
                    fill(QRectF(x, y + 2, SESSION_BAR_W, rh - 4), qcolor_of(session))
        get, draw = self._texts.get, p.drawStaticText
        size_pen = c["text_dim"] if stale else c["text"]
        for pen, attr, column in (
            (c["text"], "orders_text", Column.ORDERS),
            (size_pen, "bid_text", Column.BID),
            (size_pen, "ask_text", Column.ASK),
            (c["text_dim"], "volume_text", Column.VOLUME),
            (c["text_dim"], "price_text", Column.PRICE),
        ):
            p.setPen(pen)
            x0, x1 = e[column], e[column + 1]
            p.setClipRect(QRectF(x0, rh, x1 - x0, rh * len(rows)))  # never over a neighbour
            for i, row in enumerate(rows):
                text = getattr(row, attr)
                if not text:
                    continue
                st, tw = get(text)
                if column is Column.PRICE:
                    if row.is_last and not stale:
                        p.setPen(c["last_price"])
                        draw(QPointF((x0 + x1 - tw) / 2, rh * (i + 1) + 2), st)
                        p.setPen(pen)
                        continue
                    x = (x0 + x1 - tw) / 2
                elif column is Column.ORDERS:
                    x = x0 + PAD + self._bars_w(row)
                    if x + tw > x1 - 2:  # too narrow for the amount: the count (tooltip)
                        st, tw = get(text.split(" ")[0])
                else:
                    x = x1 - PAD - tw
                draw(QPointF(x, rh * (i + 1) + 2), st)
        p.setClipping(False)
        p.setPen(c["grid"])
        for x in e[1:5]:
            p.drawLine(QPointF(x, rh), QPointF(x, rh * (len(rows) + 1)))

    def row_sessions(self, row: DomRow) -> tuple[SessionKey, ...]:
        """The sessions with orders at a row, the active session first."""
        sessions = row.orders.sessions if row.orders else ()
        active = self._feed.active_session
        if active in sessions:
            return (active, *(k for k in sessions if k != active))
        return sessions

    def _bars_w(self, row: DomRow) -> float:
        bars = min(SESSION_BARS, len(row.orders.sessions)) if row.orders else 1
        return 2 + bars * (SESSION_BAR_W + 1)

    def _text(self, p: QPainter, text: str, col: Column, y: float, w: float) -> None:
        st, tw = self._texts.get(text)
        x0, x1 = EDGES[col] * w, EDGES[col + 1] * w
        if col is Column.PRICE:
            x = (x0 + x1 - tw) / 2
        elif col is Column.ORDERS:
            x = x0 + PAD + 6
        else:
            x = x1 - PAD - tw
        p.drawStaticText(QPointF(x, y + 2), st)
