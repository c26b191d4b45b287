"""Confirmation of an amend made by dragging an order line: one sentence saying exactly
what will be sent, an Amend button that arms after a moment, and a box to stop asking
for chart amends for the rest of this run.

Non-blocking (opened with `open()`, answers through signals), like the order
confirmation: a modal `exec()` would nest an event loop inside the qasync loop.
"""

from __future__ import annotations

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

DEFAULT_ARM_MS = 350


class AmendConfirmDialog(QDialog):
    confirmed = Signal(bool)  # True: do not ask again this run

    def __init__(self, text: str, parent: QWidget | None = None, arm_ms: int = DEFAULT_ARM_MS):
        super().__init__(parent)
        self.setWindowTitle("Amend order")
        self.text = text
        self.armed = False
        self._sent = False
        box = QVBoxLayout(self)
        label = QLabel(text)
        label.setWordWrap(True)
        label.setObjectName("amendText")
        box.addWidget(label)
        self.skip_box = QCheckBox("Do not confirm amends from the chart again (this run)")
        box.addWidget(self.skip_box)
        row = QHBoxLayout()
        row.addStretch(1)
        self.cancel_button = QPushButton("Cancel")
        self.amend_button = QPushButton("Amend")
        self.amend_button.setEnabled(False)
        row.addWidget(self.cancel_button)
        row.addWidget(self.amend_button)
        box.addLayout(row)
        self.cancel_button.clicked.connect(self.reject)
        self.amend_button.clicked.connect(self._amend)
        QTimer.singleShot(arm_ms, self._arm)

    def _arm(self) -> None:
        self.armed = True
        self.amend_button.setEnabled(True)
        self.amend_button.setDefault(True)

    def _amend(self) -> None:
        if not self.armed or self._sent:
            return
        self._sent = True
        self.confirmed.emit(self.skip_box.isChecked())
        self.accept()
