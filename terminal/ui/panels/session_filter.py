"""A drop-down that shows every session or one: open orders, history and balances."""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QComboBox, QWidget

from terminal.domain.session import SessionKey
from terminal.ui.session_style import long_label, qcolor_of, short_label

ALL_SESSIONS = "All sessions"


class SessionFilter(QComboBox):
    """'All sessions' and each session seen so far, in its colour; picks one or all."""

    sessionChanged = Signal(object)  # SessionKey or None (= all)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sessionFilter")
        self.setToolTip("Show the rows of every session, or of one session only")
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.addItem(ALL_SESSIONS, None)
        self._keys: set[SessionKey] = set()
        self.currentIndexChanged.connect(lambda _i: self.sessionChanged.emit(self.selected()))

    def add_sessions(self, keys: Iterable[SessionKey]) -> None:
        """Offer these sessions too (kept once offered, sorted by label)."""
        new = [k for k in keys if k not in self._keys]
        if not new:
            return
        current = self.selected()
        self._keys.update(new)
        self.blockSignals(True)
        try:
            while self.count() > 1:
                self.removeItem(1)
            for key in sorted(self._keys, key=short_label):
                self.addItem(short_label(key), key)
                i = self.count() - 1
                self.setItemData(i, qcolor_of(key), Qt.ItemDataRole.ForegroundRole)
                self.setItemData(i, long_label(key), Qt.ItemDataRole.ToolTipRole)
            self._select(current)
        finally:
            self.blockSignals(False)

    def selected(self) -> SessionKey | None:
        data = self.currentData()
        return data if isinstance(data, SessionKey) else None

    def select(self, key: SessionKey | None) -> None:
        if key is not None:
            self.add_sessions([key])
        self._select(key)

    def _select(self, key: SessionKey | None) -> None:
        for i in range(self.count()):
            if self.itemData(i) == key:
                self.setCurrentIndex(i)
                return
        self.setCurrentIndex(0)

    def accepts(self, key: SessionKey) -> bool:
        chosen = self.selected()
        return chosen is None or chosen == key


__all__ = ["ALL_SESSIONS", "SessionFilter"]
