"""Logs panel: the application's recent log lines, read from the in-memory ring.

`terminal.logsetup.RingHandler` keeps the last records, already formatted and with
secrets masked. The panel polls `ring.since(seq)` on the frame clock (a cheap
`last_seq` compare first), so a burst of DEBUG lines costs one append per frame, not one
per record; the text view is bounded to `max_lines` blocks.
"""

from __future__ import annotations

import logging

from PySide6.QtGui import QColor, QTextCharFormat, QTextCursor
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from terminal.logsetup import LogEntry, RingHandler, current_setup
from terminal.ui.frame import FrameClock

from ._driven import DrivenPanel, attach_frames
from ._style import AMBER, ERROR, MUTED, mono_font

LEVELS = (
    ("Debug", logging.DEBUG),
    ("Info", logging.INFO),
    ("Warning", logging.WARNING),
    ("Error", logging.ERROR),
)
LEVEL_COLOURS: dict[int, str | None] = {
    logging.DEBUG: MUTED,
    logging.INFO: None,
    logging.WARNING: AMBER,
    logging.ERROR: ERROR,
    logging.CRITICAL: ERROR,
}
MAX_PER_FRAME = 500  # lines appended per frame; the rest wait for the next frame


class LogsPanel(DrivenPanel):
    """See the module docstring. `ring` defaults to the active logging setup's ring."""

    def __init__(
        self,
        ring: RingHandler | None = None,
        parent: QWidget | None = None,
        *,
        frame_clock: FrameClock | None = None,
        max_lines: int = 5000,
        level: int = logging.INFO,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("LogsPanel")
        if ring is None:
            setup = current_setup()
            ring = setup.ring if setup is not None else None
        self._ring = ring
        self._seq = 0
        self._backlog: list[LogEntry] = []
        self._formats: dict[int, QTextCharFormat] = {}
        self._build(max_lines, level)
        attach_frames(self, frame_clock, interval_ms=200)

    def _build(self, max_lines: int, level: int) -> None:
        root = QVBoxLayout(self)
        root.setContentsMargins(2, 2, 2, 2)
        root.setSpacing(2)
        bar = QHBoxLayout()
        self.level_combo = QComboBox()
        self._levels = [lv for _, lv in LEVELS]
        self.level_combo.addItems([name for name, _ in LEVELS])
        self.level_combo.setCurrentIndex(
            max(i for i, lv in enumerate(self._levels) if lv <= level) if level >= 10 else 0
        )
        self.level_combo.currentIndexChanged.connect(self.reload)
        self.filter_edit = QLineEdit()
        self.filter_edit.setPlaceholderText("Filter text…")
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.textChanged.connect(self.reload)
        self.follow = QCheckBox("Follow")
        self.follow.setChecked(True)
        self.clear_button = QPushButton("Clear")
        self.clear_button.clicked.connect(self.clear)
        self.info_label = QLabel("")
        self.info_label.setStyleSheet(f"color: {MUTED};")
        bar.addWidget(QLabel("Level"))
        bar.addWidget(self.level_combo)
        bar.addWidget(self.filter_edit, 1)
        bar.addWidget(self.follow)
        bar.addWidget(self.clear_button)
        root.addLayout(bar)
        self.view = QPlainTextEdit()
        self.view.setReadOnly(True)
        self.view.setMaximumBlockCount(max_lines)
        self.view.setFont(mono_font(-1))
        self.view.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.view.setUndoRedoEnabled(False)
        root.addWidget(self.view, 1)
        root.addWidget(self.info_label)
        if self._ring is None:
            self.info_label.setText("Logging is not set up: no log lines to show")

    # ---------------------------------------------------------------- public
    def set_ring(self, ring: RingHandler | None) -> None:
        self._ring = ring
        self.reload()

    def min_level(self) -> int:
        return self._levels[self.level_combo.currentIndex()]

    def set_level(self, level: int) -> None:
        for i, lv in enumerate(self._levels):
            if lv == level:
                self.level_combo.setCurrentIndex(i)

    def reload(self, *_: object) -> None:
        """Re-read everything the ring still holds (after a filter change)."""
        self.view.clear()
        self._backlog = []
        self._seq = 0
        self.refresh()

    def clear(self) -> None:
        """Empty the view; only newer lines will show."""
        self.view.clear()
        self._backlog = []
        if self._ring is not None:
            self._seq = self._ring.last_seq

    def text(self) -> str:
        return self.view.toPlainText()

    # ---------------------------------------------------------------- frame
    def refresh(self) -> bool:
        ring = self._ring
        if ring is not None and ring.last_seq != self._seq:
            level = self.min_level()
            needle = self.filter_edit.text().strip().lower()
            new = ring.since(self._seq, level)
            self._seq = ring.last_seq
            if needle:
                new = [e for e in new if needle in e.text.lower()]
            self._backlog.extend(new)
        if not self._backlog:
            return False
        batch, self._backlog = self._backlog[:MAX_PER_FRAME], self._backlog[MAX_PER_FRAME:]
        self._append(batch)
        self.frames.mark()
        return True

    def _append(self, entries: list[LogEntry]) -> None:
        bar = self.view.verticalScrollBar()
        at_bottom = bar.value() >= bar.maximum() - 2
        cursor = QTextCursor(self.view.document())
        cursor.movePosition(QTextCursor.MoveOperation.End)
        cursor.beginEditBlock()
        empty = self.view.document().isEmpty()
        for e in entries:
            if not empty:
                cursor.insertBlock()
            empty = False
            cursor.insertText(e.text, self._format(e.levelno))
        cursor.endEditBlock()
        if self.follow.isChecked() and at_bottom:
            bar.setValue(bar.maximum())

    def _format(self, levelno: int) -> QTextCharFormat:
        key = max((lv for lv in LEVEL_COLOURS if lv <= levelno), default=0)
        fmt = self._formats.get(key)
        if fmt is None:
            fmt = QTextCharFormat()
            colour = LEVEL_COLOURS.get(key)
            if colour:
                fmt.setForeground(QColor(colour))
            self._formats[key] = fmt
        return fmt
