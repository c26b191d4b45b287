"""The ticket's "Send to" drop-down: which session of the venue an order goes to.

Shown only while the venue has more than one connected session (other accounts or
environments); each is listed by its short label in its colour.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QComboBox, QWidget

from terminal.domain.session import SessionKey
from terminal.ui.session_style import long_label, qcolor_of, short_label


class SessionPicker(QComboBox):
    """Picks the session the ticket sends to; `sessionPicked(SessionKey)` on a change."""

    sessionPicked = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sessionPicker")
        self.setToolTip("The session (account and environment) this ticket sends to")
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self._keys: list[SessionKey] = []
        self.setVisible(False)
        self.activated.connect(self._picked)

    def set_sessions(self, keys: Sequence[SessionKey], current: SessionKey | None) -> None:
        """The venue's connected sessions and the one the ticket sends to now."""
        keys = sorted(set(keys), key=short_label)
        if keys != self._keys:
            self._keys = keys
            self.blockSignals(True)
            self.clear()
            for i, key in enumerate(keys):
                self.addItem(short_label(key), key)
                self.setItemData(i, qcolor_of(key), Qt.ItemDataRole.ForegroundRole)
                self.setItemData(i, long_label(key), Qt.ItemDataRole.ToolTipRole)
            self.blockSignals(False)
        if current is not None and current in keys:
            self.blockSignals(True)
            self.setCurrentIndex(keys.index(current))
            self.blockSignals(False)
        self.setVisible(len(keys) > 1)

    def pick(self, key: SessionKey) -> None:
        """Choose `key` as the user would (emits sessionPicked)."""
        if key in self._keys:
            self.setCurrentIndex(self._keys.index(key))
            self._picked(self.currentIndex())

    def _picked(self, index: int) -> None:
        key = self.itemData(index)
        if isinstance(key, SessionKey):
            self.sessionPicked.emit(key)


__all__ = ["SessionPicker"]
