"""The Notifications dock: a bounded list of every notice, plus toasts for the urgent ones.

`add(level, text)` is what the main window calls for each notice ("fill", "error",
"warning", "info"). Every notice is listed (newest on top, with its time); fills,
errors and warnings also pop up as toasts over the main window (`ToastHost`), so the
user sees them even with the dock hidden behind another tab.
"""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ._style import AMBER, BUY, ERROR, MUTED, mono_font
from .notifications import ToastHost

LEVEL_COLOURS = {"fill": BUY, "error": ERROR, "warning": AMBER, "info": None}
LEVEL_TITLES = {"fill": "Fill", "error": "Error", "warning": "Warning", "info": "Info"}
TOAST_LEVELS = frozenset({"fill", "error", "warning"})
TOAST_KIND = {"fill": "fill", "error": "error", "warning": "warning", "info": "info"}


class NotificationsPanel(QWidget):
    """See the module docstring."""

    unreadChanged = Signal(int)  # notices added since the dock was last looked at

    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        toast_host: QWidget | None = None,
        max_items: int = 500,
        toasts: bool = True,
        sound: bool = False,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("NotificationsPanel")
        self.max_items = max_items
        self._toast_target = toast_host
        self._toasts: ToastHost | None = None
        self._sound = sound
        self._unread = 0
        root = QVBoxLayout(self)
        root.setContentsMargins(2, 2, 2, 2)
        root.setSpacing(2)
        bar = QHBoxLayout()
        self.toasts_check = QCheckBox("Pop-ups")
        self.toasts_check.setToolTip("Show fills, errors and warnings over the window")
        self.toasts_check.setChecked(toasts)
        self.sound_check = QCheckBox("Sound")
        self.sound_check.setChecked(sound)
        self.sound_check.toggled.connect(self.set_sound)
        self.count_label = QLabel("")
        self.count_label.setStyleSheet(f"color: {MUTED};")
        self.clear_button = QPushButton("Clear")
        self.clear_button.clicked.connect(self.clear)
        bar.addWidget(self.toasts_check)
        bar.addWidget(self.sound_check)
        bar.addStretch(1)
        bar.addWidget(self.count_label)
        bar.addWidget(self.clear_button)
        root.addLayout(bar)
        self.list = QListWidget()
        self.list.setFont(mono_font(-1))
        self.list.setWordWrap(True)
        self.list.setUniformItemSizes(False)
        self.list.setSelectionMode(QListWidget.SelectionMode.ExtendedSelection)
        root.addWidget(self.list, 1)

    # ---------------------------------------------------------------- public
    def set_toast_host(self, host: QWidget | None) -> None:
        """The widget toasts float over (the main window). Default: this panel's window."""
        if self._toasts is not None:
            self._toasts.clear()
            self._toasts.deleteLater()
            self._toasts = None
        self._toast_target = host

    def set_sound(self, enabled: bool) -> None:
        self._sound = enabled
        if self.sound_check.isChecked() != enabled:
            self.sound_check.setChecked(enabled)
        if self._toasts is not None:
            self._toasts.set_sound(enabled)

    @property
    def toast_host(self) -> ToastHost | None:
        return self._toasts

    def add(self, level: str, text: str, title: str | None = None) -> None:
        """One notice: listed here, and popped up when urgent (fill, error, warning)."""
        level = level if level in LEVEL_COLOURS else "info"
        stamp = datetime.now().strftime("%H:%M:%S")
        item = QListWidgetItem(f"{stamp}  {LEVEL_TITLES[level]:<7}  {text}")
        colour = LEVEL_COLOURS[level]
        if colour:
            item.setForeground(QColor(colour))
        item.setData(Qt.ItemDataRole.UserRole, level)
        item.setToolTip(text)
        self.list.insertItem(0, item)
        while self.list.count() > self.max_items:
            self.list.takeItem(self.list.count() - 1)
        self._unread += 1
        self.count_label.setText(f"{self.list.count()} notices")
        self.unreadChanged.emit(self._unread)
        if self.toasts_check.isChecked() and level in TOAST_LEVELS:
            host = self._host()
            if host is not None:
                host.notify(title or LEVEL_TITLES[level], text, TOAST_KIND[level])

    def entries(self) -> list[tuple[str, str]]:
        """(level, line) newest first."""
        return [
            (self.list.item(i).data(Qt.ItemDataRole.UserRole), self.list.item(i).text())
            for i in range(self.list.count())
        ]

    def mark_read(self) -> None:
        self._unread = 0
        self.unreadChanged.emit(0)

    def clear(self) -> None:
        self.list.clear()
        self.count_label.setText("")
        self.mark_read()

    # ---------------------------------------------------------------- internals
    def _host(self) -> ToastHost | None:
        if self._toasts is None:
            target = self._toast_target or self.window()
            if target is None or (target is self and not self.isVisible()):
                return None
            self._toasts = ToastHost(target, sound=self._sound)
        return self._toasts

    def showEvent(self, event) -> None:
        self.mark_read()
        super().showEvent(event)
