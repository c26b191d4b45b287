"""The main window. For now a placeholder with the docks the terminal will have.

Notices (uncaught errors routed by `terminal.crash`) arrive through the
`notice_requested` signal, which any thread may emit: Qt queues the delivery onto the
GUI thread, so the callback never touches a widget from a worker thread.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import QDockWidget, QLabel, QMainWindow, QWidget

WINDOW_TITLE = "Trading Terminal — Paper"
NOTICE_MS = 15_000

_DOCKS: tuple[tuple[str, Qt.DockWidgetArea], ...] = (
    ("Order book", Qt.DockWidgetArea.RightDockWidgetArea),
    ("Order ticket", Qt.DockWidgetArea.RightDockWidgetArea),
    ("Orders", Qt.DockWidgetArea.BottomDockWidgetArea),
    ("Log", Qt.DockWidgetArea.BottomDockWidgetArea),
)


def _placeholder(text: str) -> QLabel:
    label = QLabel(text)
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    label.setMinimumSize(160, 80)
    label.setStyleSheet("QLabel { background: #1e2329; color: #b7bdc6; font-size: 14px; }")
    return label


class MainWindow(QMainWindow):
    notice_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(WINDOW_TITLE)
        self.setObjectName("MainWindow")
        self.resize(1200, 760)
        self.setCentralWidget(_placeholder("Chart"))
        self.docks: dict[str, QDockWidget] = {}
        for title, area in _DOCKS:
            dock = QDockWidget(title, self)
            dock.setObjectName(f"dock_{title.lower().replace(' ', '_')}")
            dock.setWidget(_placeholder(title))
            self.addDockWidget(area, dock)
            self.docks[title] = dock
        self.statusBar().showMessage("Paper mode — not connected")
        self.notice_requested.connect(self.show_notice)

    @Slot(str)
    def show_notice(self, text: str) -> None:
        """Show an error notice in the status bar (the notices panel comes later)."""
        self.statusBar().showMessage(f"Error: {text}", NOTICE_MS)
