"""The trades tape: recent public trades, newest on top, coloured by the taker's side.

Custom-painted: each trade's strings are formatted once when it arrives and kept as
cached QStaticText; a paint draws at most the visible rows. Trades are stored (bounded)
on arrival and painted only on the frame tick.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFontMetricsF, QPainter, QPaintEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

from terminal.domain.enums import Side
from terminal.domain.market import MarketRules
from terminal.domain.marketdata import Trade
from terminal.domain.money import format_decimal

from ..frame import FrameCounter, Provider, ProviderPoll
from .chart_items import format_time
from .palette import DARK, Palette
from .textcache import PAD, TextCache

DEFAULT_MAX_ROWS = 200


@dataclass(frozen=True, slots=True)
class TapeRow:
    side: Side | None
    time_text: str
    price_text: str
    size_text: str
    key: tuple  # identity of the trade, to skip ones already shown


class TradesTapeWidget(QWidget):
    """Time / price / size of the last `max_rows` trades (taker buy green, sell red)."""

    def __init__(
        self,
        rules: MarketRules | None = None,
        palette: Palette = DARK,
        max_rows: int = DEFAULT_MAX_ROWS,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("tape")
        self.setAccessibleName("Trades")
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.frames = FrameCounter()
        self._poll = ProviderPoll()
        self._rules = rules
        self.max_rows = max_rows
        self._rows: deque[TapeRow] = deque(maxlen=max_rows)  # oldest left, newest right
        self._seen: set[tuple] = set()
        self._dirty = False
        self._stale = False
        self._stale_reason = ""
        self._placeholder = "Waiting for trades…"
        self._texts = TextCache()
        self.set_palette(palette)
        self._apply_font()

    # ---- configuration -------------------------------------------------------------
    def set_palette(self, palette: Palette) -> None:
        self._palette = palette
        self._c = {
            name: QColor(getattr(palette, name))
            for name in (
                "background",
                "background_alt",
                "text",
                "text_dim",
                "bid",
                "ask",
                "stale_veil",
                "stale_text",
            )
        }
        self.update()

    def set_market(self, rules: MarketRules | None) -> None:
        self._rules = rules
        self.clear()

    def clear(self) -> None:
        """Drop the rows; the provider's current trades are applied again on the next tick."""
        self._rows.clear()
        self._seen.clear()
        self._poll.invalidate()
        self.update()

    def set_stale(self, stale: bool, reason: str = "") -> None:
        """Grey the rows and show STALE with the reason (and age) while not live."""
        if (stale, reason) == (self._stale, self._stale_reason):
            return
        self._stale, self._stale_reason = stale, reason
        self.update()

    @property
    def is_stale(self) -> bool:
        return self._stale

    def status_text(self) -> str:
        """What the panel says besides the rows (for tests and accessibility)."""
        if not self._stale:
            return ""
        return f"STALE — {self._stale_reason}" if self._stale_reason else "STALE"

    def set_placeholder(self, text: str) -> None:
        self._placeholder = text
        self.update()

    # ---- data ----------------------------------------------------------------------
    def add_trades(self, trades: Iterable[Trade]) -> int:
        """Append trades (oldest first); duplicates (same id or same values) are skipped.

        Stored now, painted on the next frame tick. Returns how many were new.
        """
        added = 0
        for t in trades:
            key = (
                ("id", t.trade_id)
                if t.trade_id is not None
                else (t.timestamp_ms, t.price, t.amount, t.side)
            )
            if key in self._seen:
                continue
            if len(self._rows) == self._rows.maxlen:
                self._seen.discard(self._rows[0].key)
            self._rows.append(self._format(t, key))
            self._seen.add(key)
            added += 1
        if added:
            self._dirty = True
        return added

    def set_trades(self, trades: Sequence[Trade]) -> None:
        """Replace the tape with `trades` (oldest first)."""
        self._rows.clear()
        self._seen.clear()
        self.add_trades(trades[-self.max_rows :])
        self._dirty = True

    def set_provider(self, provider: Provider | None) -> None:
        """`provider() -> (version, Sequence[Trade])` of recent trades, oldest first.

        Each tick only trades not yet shown are added, so the provider may hand out a
        rolling window."""
        self._poll.set(provider)

    def refresh(self) -> bool:
        if not self.isVisible():
            return False
        changed, value = self._poll.poll()
        if changed and value:
            self.add_trades(value[-self.max_rows :])
        if not self._dirty:
            return False
        self._dirty = False
        self.update()
        return True

    def rows(self) -> list[TapeRow]:
        """Rows newest first, as painted."""
        return list(reversed(self._rows))

    def _format(self, t: Trade, key: tuple) -> TapeRow:
        rules = self._rules
        if rules is not None and rules.tick_size is not None:
            price = rules.format_price(t.price)
        else:
            price = format_decimal(t.price.normalize())
        if rules is not None and rules.step_size is not None:
            size = rules.format_amount(t.amount)
        else:
            size = format_decimal(t.amount.normalize())
        return TapeRow(t.side, format_time(t.timestamp_ms, "%H:%M:%S"), price, size, key)

    # ---- painting ------------------------------------------------------------------
    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        if event.type() == event.Type.FontChange:
            self._apply_font()

    def _apply_font(self) -> None:
        fm = QFontMetricsF(self.font())
        self._texts.set_font(self.font())
        self._row_h = float(round(fm.height() + 3))

    def sizeHint(self) -> QSize:
        return QSize(260, 400)

    def row_capacity(self) -> int:
        return max(0, int((self.height() - self._row_h) // self._row_h))

    def paintEvent(self, event: QPaintEvent) -> None:
        started = time.perf_counter()
        p = QPainter(self)
        c = self._c
        w, h, rh = float(self.width()), float(self.height()), self._row_h
        p.fillRect(QRectF(0, 0, w, h), c["background"])
        p.fillRect(QRectF(0, 0, w, rh), c["background_alt"])
        p.setPen(c["text_dim"])
        rules = self._rules
        self._cells(
            p,
            0.0,
            w,
            "Time",
            "Price" + (f" ({rules.quote})" if rules else ""),
            "Size" + (f" ({rules.base})" if rules else ""),
        )
        if not self._rows:
            p.setPen(c["text_dim"])
            p.drawText(QRectF(0, rh, w, h - rh), Qt.AlignmentFlag.AlignCenter, self._placeholder)
        y = rh
        text_c = c["text_dim"] if self._stale else c["text"]
        for row in reversed(self._rows):
            if y >= h:
                break
            if self._stale or row.side is None:
                side_c = c["text_dim"] if self._stale else c["text"]
            else:
                side_c = c["bid"] if row.side is Side.BUY else c["ask"]
            p.setPen(c["text_dim"])
            st, _ = self._texts.get(row.time_text)
            p.drawStaticText(QPointF(PAD, y + 1), st)
            p.setPen(side_c)
            st, sw = self._texts.get(row.price_text)
            p.drawStaticText(QPointF(w * 0.66 - PAD - sw, y + 1), st)
            p.setPen(text_c)
            st, sw = self._texts.get(row.size_text)
            p.drawStaticText(QPointF(w - PAD - sw, y + 1), st)
            y += rh
        if self._stale:
            p.fillRect(QRectF(0, 0, w, h), c["stale_veil"])
            font = self.font()
            font.setBold(True)
            font.setPointSizeF(max(font.pointSizeF(), 9.0) * 1.8)
            p.setFont(font)
            p.setPen(c["stale_text"])
            big = QFontMetricsF(font).height()
            p.drawText(
                QRectF(0, 0, w, h / 2 + big / 2),
                Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignBottom,
                "STALE",
            )
            if self._stale_reason:  # the reason in the panel's font, wrapped to its width
                p.setFont(self.font())
                p.drawText(
                    QRectF(PAD, h / 2 + big / 2 + 2, w - 2 * PAD, h / 2),
                    int(
                        Qt.AlignmentFlag.AlignHCenter
                        | Qt.AlignmentFlag.AlignTop
                        | Qt.TextFlag.TextWordWrap
                    ),
                    self._stale_reason,
                )
        p.end()
        self.frames.mark(time.perf_counter() - started)

    def _cells(self, p: QPainter, y: float, w: float, a: str, b: str, c3: str) -> None:
        st, _ = self._texts.get(a)
        p.drawStaticText(QPointF(PAD, y + 1), st)
        st, sw = self._texts.get(b)
        p.drawStaticText(QPointF(w * 0.66 - PAD - sw, y + 1), st)
        st, sw = self._texts.get(c3)
        p.drawStaticText(QPointF(w - PAD - sw, y + 1), st)
