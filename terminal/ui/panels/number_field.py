"""A price or amount input that never changes what the user typed.

A character filter (a QValidator that refuses keystrokes) turns "1,5" into "15" and
"1e-3" into "13": the keystrokes it drops leave another, valid-looking number. So these
fields take every keystroke and keep the text as typed; what the text means is decided
by `ticket.parse_positive` (`terminal.domain.money.parse_typed_number`: the same rules as
the command line), and
when it is not a number the field is marked and says why (`show_problem`), and the form
sends nothing. Up/Down and Page Up/Down ask the form to step the value
(`stepRequested(steps)`) instead of moving the cursor.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QLineEdit, QWidget

from ._style import ERROR, mono_font

STEP_KEYS = {Qt.Key.Key_Up: 1, Qt.Key.Key_Down: -1, Qt.Key.Key_PageUp: 10, Qt.Key.Key_PageDown: -10}


class NumberField(QLineEdit):
    """A QLineEdit for a price or an amount: no keystroke filter, a visible problem."""

    stepRequested = Signal(int)  # +1/-1 (Up/Down) or +10/-10 (Page Up/Down)

    def __init__(
        self, placeholder: str = "", parent: QWidget | None = None, *, steps: bool = True
    ) -> None:
        super().__init__(parent)
        self._steps = steps
        self._tip = ""
        self._problem: str | None = None
        self.setFont(mono_font())
        self.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.setPlaceholderText(placeholder)

    @property
    def problem(self) -> str | None:
        return self._problem

    def setToolTip(self, text: str) -> None:  # Qt's name
        """The field's own hint; while the text is not a number the problem leads it."""
        self._tip = text
        self._show_tip()

    def show_problem(self, problem: str | None) -> None:
        """Mark the field (red frame, the reason first in its tooltip) or clear it."""
        if problem == self._problem:
            return
        self._problem = problem
        self.setStyleSheet(f"QLineEdit {{ border: 1px solid {ERROR}; }}" if problem else "")
        self._show_tip()

    def _show_tip(self) -> None:
        text = "\n".join(t for t in (self._problem, self._tip) if t)
        super().setToolTip(text)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # Qt's name
        steps = STEP_KEYS.get(Qt.Key(event.key())) if self._steps else None
        if steps is not None:
            self.stepRequested.emit(steps)
            event.accept()
            return
        super().keyPressEvent(event)
