"""Help > Shortcuts: the hotkey table as a dialog (built only when asked for)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from terminal.ui.shortcuts import HOTKEYS, PANEL_HOTKEYS, keys_text


class ShortcutsDialog(QDialog):
    """Help > Shortcuts: a read-only table of `HOTKEYS`, then the panels' own
    `PANEL_HOTKEYS` (non-modal)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts")
        self.setModal(False)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        self.resize(700, 440)
        layout = QVBoxLayout(self)
        table = QTableWidget(len(HOTKEYS + PANEL_HOTKEYS), 2, self)
        table.setObjectName("shortcutsTable")
        table.setHorizontalHeaderLabels(["Keys", "Action"])
        table.verticalHeader().setVisible(False)
        table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        table.horizontalHeader().setStretchLastSection(True)
        for row, hotkey in enumerate(HOTKEYS + PANEL_HOTKEYS):
            table.setItem(row, 0, QTableWidgetItem(keys_text(hotkey.action)))
            table.setItem(row, 1, QTableWidgetItem(hotkey.description))
        layout.addWidget(table)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.close)
        layout.addWidget(buttons)
        self.table = table
