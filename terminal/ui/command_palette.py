"""Ctrl+K: jump to a symbol, a venue or any menu action by typing a few letters.

A frameless popup over the main window, non-modal (no nested event loop). Entries are
given by the caller as (text, callback); matching is case-insensitive on every word
typed, so "eth us" finds "Symbol ETH/USDT". Enter runs the first (or selected) entry,
Escape closes.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QFrame, QLineEdit, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

Entry = tuple[str, Callable[[], object]]
MAX_SHOWN = 200


def matches(text: str, query: str) -> bool:
    words = query.lower().split()
    hay = text.lower()
    return all(w in hay for w in words)


class CommandPalette(QFrame):
    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent, Qt.WindowType.Popup)
        self.setObjectName("commandPalette")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        self.input = QLineEdit()
        self.input.setPlaceholderText("Symbol, venue, timeframe or action…  (↑↓, Enter, Esc)")
        self.list = QListWidget()
        layout.addWidget(self.input)
        layout.addWidget(self.list)
        self._entries: list[Entry] = []
        self.input.textChanged.connect(self._filter)
        self.input.installEventFilter(self)
        self.list.itemActivated.connect(self._run_item)
        self.resize(480, 360)

    def open_with(self, entries: list[Entry]) -> None:
        self._entries = entries
        self.input.clear()
        self._filter("")
        parent = self.parentWidget()
        if parent is not None:
            top_left = parent.mapToGlobal(parent.rect().topLeft())
            self.move(top_left.x() + (parent.width() - self.width()) // 2, top_left.y() + 80)
        self.show()
        self.input.setFocus(Qt.FocusReason.PopupFocusReason)

    def shown_texts(self) -> list[str]:
        return [self.list.item(i).text() for i in range(self.list.count())]

    def _filter(self, query: str) -> None:
        self.list.clear()
        for i, (text, _) in enumerate(self._entries):
            if matches(text, query):
                item = QListWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, i)
                self.list.addItem(item)
                if self.list.count() >= MAX_SHOWN:
                    break
        if self.list.count():
            self.list.setCurrentRow(0)

    def run_current(self) -> bool:
        item = self.list.currentItem()
        if item is None:
            return False
        self._run_item(item)
        return True

    def _run_item(self, item: QListWidgetItem) -> None:
        index = item.data(Qt.ItemDataRole.UserRole)
        self.hide()
        self._entries[index][1]()

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if (
            obj is self.input
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
        ):
            key = event.key()
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self.run_current()
                return True
            if key in (Qt.Key.Key_Down, Qt.Key.Key_Up):
                row = self.list.currentRow() + (1 if key == Qt.Key.Key_Down else -1)
                self.list.setCurrentRow(max(0, min(self.list.count() - 1, row)))
                return True
            if key == Qt.Key.Key_Escape:
                self.hide()
                return True
        return False
