"""Settings > Hotkeys: every action with its keys, editable, with conflict detection and
a reset to the defaults; the switch that enables the trading hotkeys.

Keys are typed as Qt spells them ("Ctrl+Alt+1"); several keys for one action are
separated by " / ". Save is refused, with one line saying why, while a key is not
readable, a key is bound to two actions, or the emergency stop has no key (its hotkey
must always work). Non-modal (`open()`): never a nested event loop.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from terminal.ui.shortcuts import ALL_HOTKEYS, BY_ACTION, conflicts, keys_of, normal

SEPARATOR = " / "
ALWAYS_BOUND = "emergency_stop"


def short_name(action: str) -> str:
    """'Buy', 'buy limit at the bid': the description up to its first ':' or ','."""
    text = BY_ACTION[action].description.removeprefix("Trading: ")
    return text.split(":")[0].split(",")[0]


class HotkeyEditor(QDialog):
    saved = Signal(object, bool)  # {action: (keys...)} differing from the defaults, trading

    def __init__(self, trading_enabled: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("hotkeyEditor")
        self.setWindowTitle("Hotkeys")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        self.resize(760, 560)
        layout = QVBoxLayout(self)
        self.trading_box = QCheckBox(
            "Enable trading hotkeys (they act only while a trading panel has the focus, "
            "and every order still has its checks and confirmation)"
        )
        self.trading_box.setObjectName("tradingHotkeys")
        self.trading_box.setChecked(trading_enabled)
        layout.addWidget(self.trading_box)
        table = self.table = QTableWidget(len(ALL_HOTKEYS), 2, self)
        table.setObjectName("hotkeyTable")
        table.setHorizontalHeaderLabels(["Action", "Keys"])
        table.verticalHeader().setVisible(False)
        header = table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Interactive)
        table.setColumnWidth(1, 190)
        for row, hotkey in enumerate(ALL_HOTKEYS):
            name = QTableWidgetItem(hotkey.description)
            name.setFlags(name.flags() & ~Qt.ItemFlag.ItemIsEditable)
            table.setItem(row, 0, name)
            table.setItem(row, 1, QTableWidgetItem(SEPARATOR.join(keys_of(hotkey.action))))
        table.itemChanged.connect(lambda *_: self.check())
        layout.addWidget(table, 1)
        self.problem_label = QLabel("")
        self.problem_label.setObjectName("hotkeyProblem")
        self.problem_label.setWordWrap(True)
        self.problem_label.setTextFormat(Qt.TextFormat.PlainText)
        self.problem_label.setStyleSheet("color: #f6465d;")
        layout.addWidget(self.problem_label)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.reset_button = QPushButton("Reset to defaults")
        self.reset_button.setObjectName("hotkeyReset")
        buttons.addButton(self.reset_button, QDialogButtonBox.ButtonRole.ResetRole)
        self.reset_button.clicked.connect(self.reset_defaults)
        self.save_button = buttons.button(QDialogButtonBox.StandardButton.Save)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.check()

    # -- reading the table -----------------------------------------------------------------
    def _keys_item(self, row: int) -> QTableWidgetItem:
        item = self.table.item(row, 1)
        if item is None:  # not reached: every row gets its items when the table is built
            raise LookupError(f"no keys cell in row {row}")
        return item

    def set_keys(self, action: str, text: str) -> None:
        row = [h.action for h in ALL_HOTKEYS].index(action)
        self._keys_item(row).setText(text)

    def mapping(self) -> tuple[dict[str, tuple[str, ...]], list[str]]:
        """(action -> keys in Qt's portable spelling, the texts Qt cannot read)."""
        out: dict[str, tuple[str, ...]] = {}
        unreadable: list[str] = []
        for row, hotkey in enumerate(ALL_HOTKEYS):
            parts = [p.strip() for p in self._keys_item(row).text().split("/")]
            keys = []
            for part in parts:
                if not part:
                    continue
                key = normal(part)
                if not key or key.count(",") or key != normal(key):
                    unreadable.append(part)
                else:
                    keys.append(key)
            out[hotkey.action] = tuple(keys)
        return out, unreadable

    def problem(self) -> str:
        mapping, unreadable = self.mapping()
        if unreadable:
            return f"Not a key Qt can read: {unreadable[0]!r} (write it like Ctrl+Alt+1)"
        if not mapping[ALWAYS_BOUND]:
            return "The emergency stop must keep a key: its hotkey always works"
        clash = conflicts(mapping)
        if clash:
            key, actions = next(iter(clash.items()))
            names = " and ".join(f'"{short_name(a)}"' for a in actions)
            return f"{key} is bound to {names}: give one of them another key"
        return ""

    def check(self) -> str:
        text = self.problem()
        self.problem_label.setText(text)
        self.save_button.setEnabled(not text)
        return text

    # -- buttons ----------------------------------------------------------------------------
    def reset_defaults(self) -> None:
        self.table.blockSignals(True)
        for row, hotkey in enumerate(ALL_HOTKEYS):
            self._keys_item(row).setText(SEPARATOR.join(hotkey.keys))
        self.table.blockSignals(False)
        self.check()

    def save(self) -> None:
        if self.check():
            return
        mapping, _ = self.mapping()
        changed = {a: keys for a, keys in mapping.items() if keys != BY_ACTION[a].keys}
        self.saved.emit(changed, self.trading_box.isChecked())
        self.accept()
