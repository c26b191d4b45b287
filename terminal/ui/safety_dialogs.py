"""Confirmation dialogs of the safety controls: unlock live trading, reset the stop.

Non-modal and opened with `show()`, never `exec()`: a nested event loop inside a running
qasync coroutine breaks it (qasync #59, #174). Each accepts only an exact typed phrase;
the core checks the phrase again.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLayout,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from terminal.ui.panels._fit import grow_to_fit, is_layout_request

MIN_WIDTH = 460


class PhraseDialog(QDialog):
    """Non-modal dialog that accepts only when an exact phrase is typed.

    Subclasses set the texts; `confirmed(str)` carries what was typed (the core checks
    it again: this dialog only keeps the button disabled until the text matches).
    """

    confirmed = Signal(str)

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setModal(False)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        layout = QVBoxLayout(self)
        # the layout sets the minimum size (see grow_to_fit): nothing is squeezed
        layout.addStrut(MIN_WIDTH)
        layout.setSizeConstraint(QLayout.SizeConstraint.SetMinimumSize)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setTextFormat(Qt.TextFormat.RichText)
        layout.addWidget(self.message)
        self.extra_row = QVBoxLayout()
        layout.addLayout(self.extra_row)
        self.phrase_label = QLabel()
        self.phrase_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.phrase_label)
        self.input = QLineEdit()
        self.input.setObjectName("phraseInput")
        layout.addWidget(self.input)
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #f6465d;")
        layout.addWidget(self.error)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setEnabled(False)
        self.buttons.accepted.connect(self._accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self._phrase = ""
        self.input.textChanged.connect(self._check)

    def event(self, event: QEvent) -> bool:
        handled = super().event(event)
        if is_layout_request(event):
            grow_to_fit(self)
        return handled

    def set_phrase(self, phrase: str) -> None:
        self._phrase = phrase
        self.phrase_label.setText(f"Type exactly:  <b>{phrase}</b>")
        self.phrase_label.setTextFormat(Qt.TextFormat.RichText)
        self._check(self.input.text())

    def _check(self, text: str) -> None:
        self.ok_button.setEnabled(bool(self._phrase) and text.strip() == self._phrase)

    def _accept(self) -> None:
        if self.ok_button.isEnabled():
            self.confirmed.emit(self.input.text())

    def show_error(self, text: str) -> None:
        self.error.setText(text)


class UnlockDialog(PhraseDialog):
    """Unlock live orders for one venue + account, by typing the phrase naming both."""

    unlock_confirmed = Signal(str, str, str)  # venue, account, typed phrase
    connect_requested = Signal()  # no live venue yet: the user chose to connect one

    def __init__(
        self,
        candidates: list[tuple[str, str, str]],
        phrase_for,
        parent: QWidget | None = None,
    ) -> None:
        """`candidates`: (venue, account, display name) of connected LIVE sessions."""
        super().__init__("Unlock live trading", parent)
        self._phrase_for = phrase_for
        self.target = QComboBox()
        self.target.setObjectName("unlockTarget")
        for venue, account, name in candidates:
            self.target.addItem(f"{name} — account {account}", (venue, account))
        self.extra_row.addWidget(self.target)
        if candidates:
            self.message.setText(
                "<b>Real money.</b> While the testnet lock is on, only paper and testnet "
                "venues accept orders. Unlocking allows live orders on the chosen venue and "
                "account for <b>this run only</b>; one click on the red LIVE switch locks again."
            )
        self.connect_button: QPushButton | None = None
        if not candidates:
            self._nothing_to_unlock()
        self.target.currentIndexChanged.connect(self._target_changed)
        self.confirmed.connect(self._emit_unlock)
        self._target_changed()
        if self.connect_button is not None:
            self.connect_button.setFocus()

    def _nothing_to_unlock(self) -> None:
        """No live venue is connected: there is no phrase to type. Say so and offer to
        connect one instead of showing an empty phrase and a dead OK button."""
        self.message.setText(
            "<b>There is no live venue to unlock.</b> The testnet lock only holds back "
            "live venues, and none is connected. Paper and testnet venues accept orders "
            "while it is on. To trade live, connect a venue in live mode first "
            "(Venue &gt; Connect a venue…), then unlock it here."
        )
        for widget in (self.target, self.phrase_label, self.input, self.error):
            widget.hide()
        self.buttons.removeButton(self.ok_button)
        self.ok_button.hide()
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("Close")
        button = self.buttons.addButton("Connect a venue…", QDialogButtonBox.ButtonRole.ActionRole)
        button.setObjectName("unlockConnect")
        button.setDefault(True)
        button.clicked.connect(self._connect_clicked)
        self.connect_button = button

    def _connect_clicked(self) -> None:
        self.connect_requested.emit()
        self.close()

    def _target_changed(self) -> None:
        data = self.target.currentData()
        self.set_phrase(self._phrase_for(*data) if data else "")

    def _emit_unlock(self, typed: str) -> None:
        data = self.target.currentData()
        if data:
            self.unlock_confirmed.emit(data[0], data[1], typed)


class ResetStopDialog(PhraseDialog):
    def __init__(self, description: str, phrase: str, parent: QWidget | None = None) -> None:
        super().__init__("Reset the emergency stop", parent)
        self.message.setText(
            f"{description}<br><br>Resetting allows new orders again. Open orders that the "
            "stop cancelled stay cancelled."
        )
        self.set_phrase(phrase)
