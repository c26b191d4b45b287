"""Desktop notifications for alerts, through Qt's system tray (QSystemTrayIcon).

Qt shows the message through the desktop's own notification service (the freedesktop
notifications on Linux, Notification Center on macOS, toast notifications on Windows);
no extra library and no hand-written D-Bus client. Where the desktop has no system
tray (and on an offscreen test platform) Qt cannot show one: the in-window
notification (the notifications panel and its toast) is then the only one, and
`sent` says so with the backend "window".
"""

from __future__ import annotations

from PySide6.QtCore import QObject
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QSystemTrayIcon

MESSAGE_MS = 10_000


class DesktopNotifier(QObject):
    def __init__(self, icon: QIcon, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._icon = icon
        self._tray: QSystemTrayIcon | None = None
        self.sent: list[tuple[str, str, str]] = []  # backend, title, text

    @property
    def available(self) -> bool:
        return QSystemTrayIcon.isSystemTrayAvailable() and QSystemTrayIcon.supportsMessages()

    def notify(self, title: str, text: str) -> str:
        """Show `title`/`text` on the desktop; returns the backend used ("tray"/"window")."""
        if not self.available:
            self.sent.append(("window", title, text))
            return "window"
        if self._tray is None:
            self._tray = QSystemTrayIcon(self._icon, self)
            self._tray.setToolTip("Trading Terminal")
            self._tray.show()
        self._tray.showMessage(title, text, QSystemTrayIcon.MessageIcon.Information, MESSAGE_MS)
        self.sent.append(("tray", title, text))
        return "tray"

    def close(self) -> None:
        if self._tray is not None:
            self._tray.hide()
            self._tray.deleteLater()
            self._tray = None
