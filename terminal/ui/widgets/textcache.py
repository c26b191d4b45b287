"""Cached QStaticText per distinct string, with its width: the ladders and the tape draw
the same prices frame after frame."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QStaticText, QTransform

TEXT_CACHE_LIMIT = 4096
PAD = 6.0  # the room between a cell's text and its edge


class TextCache:
    """QStaticText per distinct string, with its width: prices repeat frame after frame."""

    def __init__(self) -> None:
        self._font = QFont()
        self._items: dict[str, tuple[QStaticText, float]] = {}

    def set_font(self, font: QFont) -> None:
        self._font = QFont(font)
        self._items.clear()

    def get(self, text: str) -> tuple[QStaticText, float]:
        item = self._items.get(text)
        if item is None:
            if len(self._items) >= TEXT_CACHE_LIMIT:
                self._items.clear()
            st = QStaticText(text)
            st.setTextFormat(Qt.TextFormat.PlainText)
            st.setPerformanceHint(QStaticText.PerformanceHint.AggressiveCaching)
            st.prepare(QTransform(), self._font)
            item = (st, st.size().width())
            self._items[text] = item
        return item
