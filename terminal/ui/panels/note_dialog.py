"""The text of a chart note: typed when the note is placed and when it is edited.

The dialog checks the text itself (`terminal.core.drawings.note_problem`) when OK is
pressed: a text that cannot be a note (empty, too long, a control character) is refused
on one line under the field and the dialog stays open with the text as typed, so the
user can correct it. Opened with `open()`, never `exec()` (no nested event loop).
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from terminal.core.drawings import NOTE_MAX_CHARS, note_problem

from ._style import ERROR


class NoteDialog(QDialog):
    """One line of text for a note; `submitted(text)` once the text is acceptable."""

    submitted = Signal(str)

    def __init__(self, title: str, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("noteDialog")
        self.setWindowTitle(title)
        self.setMinimumWidth(420)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(f"Note (one line, up to {NOTE_MAX_CHARS} characters):"))
        self.edit = QLineEdit(text)
        self.edit.setObjectName("noteText")
        self.edit.selectAll()
        layout.addWidget(self.edit)
        self.error_label = QLabel("")
        self.error_label.setObjectName("noteError")
        self.error_label.setStyleSheet(f"color: {ERROR};")
        self.error_label.setWordWrap(True)  # a long reason wraps rather than being cut off
        self.error_label.setVisible(False)
        layout.addWidget(self.error_label)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.submit)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.edit.textEdited.connect(lambda _text: self.error_label.setVisible(False))

    def submit(self) -> bool:
        """OK: the text goes out if it can be a note, else the reason shows and it stays."""
        text = self.edit.text()
        problem = note_problem(text)
        if problem is not None:
            self.error_label.setText(f"Not saved: {problem}")
            self.error_label.setVisible(True)
            return False
        self.accept()
        self.submitted.emit(text)
        return True
