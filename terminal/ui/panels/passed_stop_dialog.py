"""The question asked when a bracket's stop was passed while the terminal was away.

After a restart, a bracket held by this terminal whose entry filled meanwhile, with the
price already beyond its stop, gets no stop (it would fire at once) and nothing is sent.
This dialog puts the case and three choices to the user: close the filled amount at
market now, keep the bracket waiting (nothing sent; asked again at the next start), or
cancel the bracket. Closing the dialog sends nothing and is taken as "keep it waiting".
Opened with `open()`, never `exec()` (no nested event loop).
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QDialog, QLabel, QPushButton, QVBoxLayout, QWidget

from terminal.core.orders.bracket import CANCEL_IT, KEEP_WAITING, SEND_NOW, PassedStop
from terminal.domain.money import format_decimal

from ..session_style import PALETTE, short_label
from ._style import AMBER


class PassedStopDialog(QDialog):
    """One passed stop and the user's three choices; `chosen(list_id, choice)` once."""

    chosen = Signal(str, str)

    def __init__(self, case: PassedStop, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.case = case
        self._sent = False
        self.setObjectName("passedStopDialog")
        self.setWindowTitle("A bracket's stop was passed while the terminal was closed")
        self.setMinimumWidth(520)
        amount = f"{format_decimal(case.amount)} {case.symbol.split('/')[0]}"
        layout = QVBoxLayout(self)
        session = QLabel(short_label(case.session))
        session.setStyleSheet(PALETTE.chip_css(case.session))
        layout.addWidget(session)
        text = self.text_label = QLabel(
            f"Bracket {case.list_id} on {case.symbol}: its entry filled {amount} while the "
            f"terminal was closed, and the price {format_decimal(case.price)} is already past "
            f"its stop {format_decimal(case.stop)}. No stop or target was placed and nothing "
            "has been sent. What should happen?"
        )
        text.setWordWrap(True)
        text.setStyleSheet(f"color: {AMBER};")
        layout.addWidget(text)
        side = case.side.value.upper()
        self.send_button = QPushButton(f"Send the stop now: {side} {amount} at market")
        self.keep_button = QPushButton("Keep it waiting: send nothing, ask again at the next start")
        self.cancel_button = QPushButton("Cancel the bracket: no stop, the position stays open")
        for button, choice in (
            (self.send_button, SEND_NOW),
            (self.keep_button, KEEP_WAITING),
            (self.cancel_button, CANCEL_IT),
        ):
            button.setAutoDefault(False)
            button.clicked.connect(lambda _=False, c=choice: self.choose(c))
            layout.addWidget(button)
        note = QLabel("Closing this window sends nothing and keeps it waiting.")
        note.setWordWrap(True)
        layout.addWidget(note)

    def choose(self, choice: str) -> None:
        if not self._sent:
            self._sent = True
            self.chosen.emit(self.case.list_id, choice)
        self.accept()

    def reject(self) -> None:
        """Escape or the window's close button: nothing sent, the bracket keeps waiting."""
        if not self._sent:
            self._sent = True
            self.chosen.emit(self.case.list_id, KEEP_WAITING)
        super().reject()
