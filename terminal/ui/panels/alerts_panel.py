"""The alerts panel (dock "Alerts"): create price alerts for the active market, list
them, delete them, and read the alerts history.

The panel only says what the user asked for (`add_requested(AlertDraft)`,
`delete_requested(alert_id)`); the wiring checks the draft, creates the alert in the
engine and the journal, and tells the panel what is (`set_alerts`, `add_history`).
Tables here hold a handful of rows and change only when an alert is added, deleted or
fires: plain QTableWidgets, never repainted per market message.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from terminal.core.alerts.model import Alert, AlertFiring, AlertKind, Direction, PriceSource

from ._style import AMBER, ERROR, MUTED

SOURCES: tuple[tuple[PriceSource, str], ...] = (
    (PriceSource.LAST, "Last"),
    (PriceSource.BID, "Bid"),
    (PriceSource.ASK, "Ask"),
    (PriceSource.MARK, "Mark"),
)
CONDITIONS: tuple[tuple[AlertKind, Direction, str], ...] = (
    (AlertKind.CROSS, Direction.UP, "crosses above"),
    (AlertKind.CROSS, Direction.DOWN, "crosses below"),
    (AlertKind.CROSS, Direction.EITHER, "crosses"),
    (AlertKind.CHANGE, Direction.UP, "rises by %"),
    (AlertKind.CHANGE, Direction.DOWN, "falls by %"),
    (AlertKind.CHANGE, Direction.EITHER, "moves by %"),
)
HISTORY_LIMIT = 500
STATUS_FADE_MS = 8000


@dataclass(frozen=True)
class AlertDraft:
    """What the form holds: the value is text, checked by the wiring."""

    kind: AlertKind
    source: PriceSource
    direction: Direction
    value_text: str
    window_s: int
    repeat: bool


def _time_text(ms: int | None) -> str:
    if ms is None:
        return ""
    return datetime.fromtimestamp(ms / 1000).strftime("%Y-%m-%d %H:%M:%S")


def _table(headers: list[str], name: str) -> QTableWidget:
    table = QTableWidget(0, len(headers))
    table.setObjectName(name)
    table.setHorizontalHeaderLabels(headers)
    table.verticalHeader().setVisible(False)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setMinimumHeight(48)
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setStretchLastSection(True)
    return table


class AlertsPanel(QWidget):
    add_requested = Signal(object)  # AlertDraft
    delete_requested = Signal(str)  # alert id
    sound_toggled = Signal(bool)

    def __init__(self, sound: bool = True, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("alertsPanel")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.setSpacing(4)

        self.market_label = QLabel("No market")
        self.market_label.setStyleSheet("font-weight: 600;")
        self.sound_box = QCheckBox("Sound")
        self.sound_box.setObjectName("alertSound")
        self.sound_box.setChecked(sound)
        self.sound_box.setToolTip("Play the alert sound when an alert fires")
        self.sound_box.toggled.connect(self.sound_toggled)

        form = QHBoxLayout()
        form.addWidget(self.market_label)
        self.source_box = QComboBox()
        self.source_box.setObjectName("alertSource")
        for _, label in SOURCES:  # item data would turn the enums into plain str
            self.source_box.addItem(label)
        self.condition_box = QComboBox()
        self.condition_box.setObjectName("alertCondition")
        for _, _, label in CONDITIONS:
            self.condition_box.addItem(label)
        self.value_edit = QLineEdit()
        self.value_edit.setObjectName("alertValue")
        self.value_edit.setPlaceholderText("price")
        self.value_edit.setMinimumWidth(80)
        self.value_edit.returnPressed.connect(self._add)
        self.window_box = QSpinBox()
        self.window_box.setObjectName("alertWindow")
        self.window_box.setRange(1, 86_400)
        self.window_box.setValue(300)
        self.window_box.setSuffix(" s")
        self.window_box.setPrefix("within ")
        self.window_box.setToolTip("The time window the % move must happen in")
        self.repeat_box = QCheckBox("Repeat")
        self.repeat_box.setObjectName("alertRepeat")
        self.repeat_box.setToolTip(
            "Fire again on each new crossing or move (at most once a minute); "
            "otherwise the alert fires once"
        )
        self.add_button = QPushButton("Add alert")
        self.add_button.setObjectName("alertAdd")
        self.add_button.clicked.connect(self._add)
        # one row: the dock sits in the short bottom area, its table needs the height
        for w in (self.source_box, self.condition_box, self.value_edit, self.window_box):
            form.addWidget(w)
        form.addWidget(self.repeat_box)
        form.addWidget(self.sound_box)
        form.addStretch(1)
        form.addWidget(self.add_button)
        layout.addLayout(form)
        self.condition_box.currentIndexChanged.connect(self._condition_changed)
        self._condition_changed()

        self.status_label = QLabel("")
        self.status_label.setObjectName("alertStatus")
        self.status_label.setTextFormat(Qt.TextFormat.PlainText)
        layout.addWidget(self.status_label)
        self.status_label.hide()  # shown with a message only (news fades after a while)
        self._fade = QTimer(self)
        self._fade.setSingleShot(True)
        self._fade.timeout.connect(lambda: self.status_label.setVisible(False))

        self.tabs = QTabWidget()
        self.alerts_table = _table(["Alert", "State", "Fired", "Last fired"], "alertsTable")
        self.history_table = _table(["Time", "Alert", "Price"], "alertHistory")
        self.delete_button = QPushButton("Delete alert")
        self.delete_button.setObjectName("alertDelete")
        self.delete_button.clicked.connect(self._delete)
        self.tabs.setCornerWidget(self.delete_button)  # beside the tabs: no extra row
        self.tabs.addTab(self.alerts_table, "Alerts")
        self.tabs.addTab(self.history_table, "History")
        layout.addWidget(self.tabs, 1)
        self._alert_ids: list[str] = []

    # -- the form -------------------------------------------------------------------------
    def _condition_changed(self) -> None:
        kind = CONDITIONS[self.condition_box.currentIndex()][0]
        change = kind is AlertKind.CHANGE
        self.window_box.setEnabled(change)
        self.value_edit.setPlaceholderText("%" if change else "price")

    def draft(self) -> AlertDraft:
        kind, direction, _ = CONDITIONS[self.condition_box.currentIndex()]
        return AlertDraft(
            kind,
            SOURCES[self.source_box.currentIndex()][0],
            direction,
            self.value_edit.text().strip(),
            self.window_box.value(),
            self.repeat_box.isChecked(),
        )

    def set_condition(self, kind: AlertKind, direction: Direction) -> None:
        for i, (k, d, _) in enumerate(CONDITIONS):
            if (k, d) == (kind, direction):
                self.condition_box.setCurrentIndex(i)
                return

    def set_source(self, source: PriceSource) -> None:
        self.source_box.setCurrentIndex([s for s, _ in SOURCES].index(source))

    def _add(self) -> None:
        self.add_requested.emit(self.draft())

    def _delete(self) -> None:
        row = self.alerts_table.currentRow()
        if 0 <= row < len(self._alert_ids):
            self.delete_requested.emit(self._alert_ids[row])
        else:
            self.say("Select an alert to delete", error=True)

    # -- what the wiring tells ----------------------------------------------------------------
    def set_market(self, text: str) -> None:
        self.market_label.setText(text)

    def say(self, text: str, error: bool = False) -> None:
        self.status_label.setText(text)
        self.status_label.setVisible(bool(text))
        self._fade.stop()
        if text and not error:  # a refusal stays until the next action
            self._fade.start(STATUS_FADE_MS)
        self.status_label.setStyleSheet(f"color: {ERROR if error else MUTED};")

    def set_sound(self, enabled: bool) -> None:
        self.sound_box.blockSignals(True)
        self.sound_box.setChecked(enabled)
        self.sound_box.blockSignals(False)

    def set_alerts(self, alerts: list[Alert]) -> None:
        table = self.alerts_table
        selected = table.currentRow()
        keep = self._alert_ids[selected] if 0 <= selected < len(self._alert_ids) else None
        table.setRowCount(len(alerts))
        self._alert_ids = [a.alert_id for a in alerts]
        for row, alert in enumerate(alerts):
            text = alert.describe() + (" (repeats)" if alert.repeat else "")
            cells = (
                f"{alert.market.venue}  {text}",
                alert.state.value,
                str(alert.fired_count),
                _time_text(alert.last_fired_ms),
            )
            for col, cell in enumerate(cells):
                item = QTableWidgetItem(cell)
                if col == 1:
                    item.setForeground(QColor(AMBER if alert.active else MUTED))
                table.setItem(row, col, item)
        if keep in self._alert_ids:
            table.selectRow(self._alert_ids.index(keep))

    def add_history(self, firings: list[AlertFiring]) -> None:
        """Newest first: each firing goes on top."""
        table = self.history_table
        for firing in firings:
            table.insertRow(0)
            for col, cell in enumerate(
                (
                    _time_text(firing.at_ms),
                    f"{firing.market.venue}  {firing.text}",
                    str(firing.price),
                )
            ):
                table.setItem(0, col, QTableWidgetItem(cell))
        while table.rowCount() > HISTORY_LIMIT:
            table.removeRow(table.rowCount() - 1)

    def alert_ids(self) -> list[str]:
        return list(self._alert_ids)
