"""The confirmation of a protective ticket: one row per order, exactly as it will be sent.

Non-blocking like the order confirmation (opened with `open()`, answers by signal); its
Send button arms after a short delay and it emits at most once.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from .order_confirm import DEFAULT_ARM_MS
from .risk import LegRow

HEADERS = ("Leg", "Type", "Side", "Amount", "Trigger", "Limit", "TIF", "Held by")


class LegsConfirmDialog(QDialog):
    confirmed = Signal(object, object)  # request, frozenset of overrides

    def __init__(
        self,
        request: Any,
        overrides: frozenset[str],
        title: str,
        rows: list[LegRow],
        summary: list[str],
        parent: QWidget | None = None,
        *,
        arm_ms: int = DEFAULT_ARM_MS,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self._request = request
        self._overrides = overrides
        self._sent = False
        lay = QVBoxLayout(self)
        head = QLabel(title)
        head.setStyleSheet("font-weight: 600;")
        lay.addWidget(head)
        self.table = QTableWidget(len(rows), len(HEADERS))
        self.table.setHorizontalHeaderLabels(list(HEADERS))
        self.table.verticalHeader().setVisible(False)
        for r, row in enumerate(rows):
            for c, text in enumerate(row.cells()):
                self.table.setItem(r, c, QTableWidgetItem(text))
        self.table.resizeColumnsToContents()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        height = (
            self.table.horizontalHeader().height()
            + sum(self.table.rowHeight(i) for i in range(len(rows)))
            + 6
        )
        self.table.setFixedHeight(height)
        lay.addWidget(self.table)
        for line in summary:
            label = QLabel(line)
            label.setWordWrap(True)
            lay.addWidget(label)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.cancel_button = QPushButton("Cancel")
        self.send_button = QPushButton("Send")
        self.send_button.setEnabled(False)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.send_button)
        lay.addLayout(buttons)
        self.cancel_button.clicked.connect(self.reject)
        self.send_button.clicked.connect(self._send)
        QTimer.singleShot(max(0, arm_ms), lambda: self.send_button.setEnabled(True))
        self.setMinimumWidth(min(1100, self.table.horizontalHeader().length() + 40))

    def rows_text(self) -> list[tuple[str, ...]]:
        return [
            tuple(_text(self.table.item(r, c)) for c in range(self.table.columnCount()))
            for r in range(self.table.rowCount())
        ]

    def _send(self) -> None:
        if self._sent:
            return
        self._sent = True
        self.confirmed.emit(self._request, self._overrides)
        self.accept()


def _text(item: QTableWidgetItem | None) -> str:
    return item.text() if item is not None else ""
