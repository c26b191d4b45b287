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

from terminal.ui.shortcuts import ALL_HOTKEYS, keys_text


class ShortcutsDialog(QDialog):
    """Help > Shortcuts: a read-only table of every hotkey with the keys in use (the
    user's, from Settings > Hotkeys), the trading ones marked off while disabled
    (non-modal)."""

    def __init__(self, parent: QWidget | None = None, trading_enabled: bool = False) -> None:
        super().__init__(parent)
        self.trading_enabled = trading_enabled
        self.setWindowTitle("Keyboard shortcuts")
        self.setModal(False)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        self.resize(700, 440)
        layout = QVBoxLayout(self)
        table = QTableWidget(len(ALL_HOTKEYS), 2, self)
        table.setObjectName("shortcutsTable")
        table.setHorizontalHeaderLabels(["Keys", "Action"])
        table.verticalHeader().setVisible(False)
        table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        table.horizontalHeader().setStretchLastSection(True)
        for row, hotkey in enumerate(ALL_HOTKEYS):
            table.setItem(row, 0, QTableWidgetItem(keys_text(hotkey.action)))
            off = hotkey.trading and not self.trading_enabled
            text = hotkey.description + (" (off: Settings > Hotkeys enables it)" if off else "")
            table.setItem(row, 1, QTableWidgetItem(text))
        layout.addWidget(table)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.close)
        layout.addWidget(buttons)
        self.table = table
