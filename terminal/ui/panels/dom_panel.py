"""The price-ladder panel: grouping, auto-centre and the one-click arming above the ladder.

A view: it shows the armed state it is given (`set_armed`) and asks for a change with
`armToggled(bool)`; the wiring decides (it refuses to arm while entry is blocked and
disarms on a symbol, session or lock change). "Send without confirmation" only takes
effect while armed and is cleared whenever the ladder disarms, so it is chosen again
for every arming.
"""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from terminal.domain.market import MarketRules
from terminal.ui.frame import Provider
from terminal.ui.widgets.dom import DomLadderView
from terminal.ui.widgets.ladder import format_step, grouping_steps
from terminal.ui.widgets.palette import DARK, Palette

from ._style import AMBER, ERROR, MUTED

ARMED_TEXT = "ARMED — bid/ask clicks send orders"
DISARMED_TEXT = "Disarmed — clicks fill the ticket"


class DomPanel(QWidget):
    """Selectors and arming bar above a DomLadderView (`self.view`)."""

    armToggled = Signal(bool)

    def __init__(
        self,
        rules: MarketRules | None = None,
        palette: Palette = DARK,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("dom_panel")
        self.view = DomLadderView(rules, palette, self)
        self.frames = self.view.frames
        self.grouping_box = QComboBox(self)
        self.grouping_box.setAccessibleName("Ladder price grouping")
        self.grouping_box.setToolTip("Price step of one row (multiples of the tick)")
        self.auto_box = QCheckBox("Auto-centre", self)
        self.auto_box.setChecked(True)
        self.auto_box.setToolTip("Keep the last price near the middle row; scrolling pauses it")
        self.centre_button = QPushButton("Centre", self)
        self.centre_button.setToolTip("Put the last price in the middle row now")
        self.arm_button = QPushButton("Arm one-click", self)
        self.arm_button.setObjectName("domArmButton")
        self.arm_button.setCheckable(True)
        self.arm_button.setToolTip(
            "While armed, a click on a bid or ask cell sends a limit order with the ticket's amount"
        )
        self.skip_confirm_box = QCheckBox("Send without confirmation", self)
        self.skip_confirm_box.setObjectName("domSkipConfirm")
        self.skip_confirm_box.setToolTip("Only while armed; cleared when the ladder disarms")
        self.skip_confirm_box.setEnabled(False)
        self.state_label = QLabel(DISARMED_TEXT, self)
        self.state_label.setObjectName("domStateLabel")
        self.status_label = QLabel("", self)
        self.status_label.setObjectName("domStatusLabel")
        self.status_label.setWordWrap(True)
        # Fixed heights: a message appearing must never move the rows under the cursor
        # (a click aimed at one price would land on another).
        line = self.fontMetrics().lineSpacing()
        self.state_label.setFixedHeight(line + 6)
        self.status_label.setFixedHeight(2 * line + 4)
        self.status_label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        for label in (self.state_label, self.status_label):
            label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)

        top = QHBoxLayout()
        top.setContentsMargins(4, 2, 4, 2)
        top.addWidget(QLabel("Group"))
        top.addWidget(self.grouping_box, 1)
        top.addWidget(self.auto_box)
        top.addWidget(self.centre_button)
        arm = QHBoxLayout()
        arm.setContentsMargins(4, 0, 4, 2)
        arm.addWidget(self.arm_button)
        arm.addWidget(self.skip_confirm_box, 1)
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(0)
        box.addLayout(top)
        box.addLayout(arm)
        box.addWidget(self.state_label)
        box.addWidget(self.status_label)
        box.addWidget(self.view, 1)

        self._fill_grouping(rules)
        self.grouping_box.currentIndexChanged.connect(self._on_grouping)
        self.auto_box.toggled.connect(self.view.set_auto_centre)
        self.view.autoCentreChanged.connect(self._auto_changed)
        self.centre_button.clicked.connect(self.view.centre_now)
        self.arm_button.clicked.connect(self._arm_clicked)
        self.set_armed(False)

    # ---- pass-throughs ---------------------------------------------------------------
    def set_market(self, rules: MarketRules | None) -> None:
        self.view.set_market(rules)
        self.grouping_box.blockSignals(True)
        self._fill_grouping(rules)
        self.grouping_box.blockSignals(False)

    def set_provider(self, provider: Provider | None) -> None:
        self.view.set_provider(provider)

    def refresh(self) -> bool:
        return self.view.refresh()

    def set_stale(self, stale: bool, reason: str = "") -> None:
        self.view.set_stale(stale, reason)

    def set_placeholder(self, text: str) -> None:
        self.view.set_placeholder(text)

    def set_palette(self, palette: Palette) -> None:
        self.view.set_palette(palette)

    def set_grouping(self, step: Decimal) -> None:
        options = [self.grouping_box.itemData(i) for i in range(self.grouping_box.count())]
        index = options.index(step) if step in options else -1
        if index < 0:
            raise ValueError(f"grouping {step} is not offered for this market")
        self.grouping_box.setCurrentIndex(index)

    # ---- arming ----------------------------------------------------------------------
    @property
    def armed(self) -> bool:
        return self.view.armed

    @property
    def skip_confirm(self) -> bool:
        """True only while armed and the user ticked it."""
        return self.view.armed and self.skip_confirm_box.isChecked()

    def set_armed(self, armed: bool, why: str = "") -> None:
        """Show the armed state; disarming clears "send without confirmation" and says why."""
        self.view.set_armed(armed)
        self.arm_button.setChecked(armed)
        self.arm_button.setText("Disarm" if armed else "Arm one-click")
        self.skip_confirm_box.setEnabled(armed)
        if not armed:
            self.skip_confirm_box.setChecked(False)
        if armed:
            self.state_label.setText(ARMED_TEXT)
            self.state_label.setStyleSheet(
                f"background: {AMBER}; color: #0b0e11; font-weight: 700; padding: 2px 4px;"
            )
        else:
            self.state_label.setText(f"Disarmed: {why}" if why else DISARMED_TEXT)
            self.state_label.setStyleSheet(f"color: {MUTED}; padding: 2px 4px;")

    def say(self, text: str, error: bool = False) -> None:
        """One line about the last click (sent, refused, cancelled)."""
        self.status_label.setStyleSheet(f"color: {ERROR if error else MUTED}; padding: 0 4px;")
        self.status_label.setText(text)
        self.status_label.setToolTip(text)

    # ---- internals -------------------------------------------------------------------
    def _arm_clicked(self, checked: bool) -> None:
        self.arm_button.setChecked(self.view.armed)  # the wiring decides
        self.armToggled.emit(checked)

    def _auto_changed(self, on: bool) -> None:
        if self.auto_box.isChecked() != on:
            self.auto_box.blockSignals(True)
            self.auto_box.setChecked(on)
            self.auto_box.blockSignals(False)

    def _fill_grouping(self, rules: MarketRules | None) -> None:
        self.grouping_box.clear()
        steps = grouping_steps(rules.tick_size if rules is not None else None)
        for step in steps:
            self.grouping_box.addItem(format_step(step), step)
        self.grouping_box.setEnabled(bool(steps))

    def _on_grouping(self, index: int) -> None:
        step = self.grouping_box.itemData(index)
        if step is not None:
            self.view.set_grouping(step)
