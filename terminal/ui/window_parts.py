"""Small widgets of the main window: the dock placeholder, the red notice bar, the
freshness label that elides instead of widening the status bar, and the toolbar row that
turns compact when the window is narrow."""

from __future__ import annotations

import logging

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import (
    QPainter,
    QPaintEvent,
    QResizeEvent,
)
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QToolButton,
    QWidget,
)

from terminal.ui.safety_controls import EmergencyStopButton, LockSwitch
from terminal.ui.status import DataFreshnessLabel

log = logging.getLogger(__name__)


def placeholder_label(text: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName("placeholder")
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    label.setMinimumSize(120, 60)
    return label


class NoticeBar(QFrame):
    """A red bar above the docks for errors the user must see (uncaught exceptions).

    It lives in its own toolbar row; `dismissed` tells the window to hide that row.
    """

    dismissed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("noticeBar")
        row = QHBoxLayout(self)
        row.setContentsMargins(8, 3, 4, 3)
        self.label = QLabel()
        self.label.setWordWrap(True)
        row.addWidget(self.label, 1)
        close = QToolButton()
        close.setObjectName("noticeClose")
        close.setText("✕")
        close.setAutoRaise(True)
        close.setToolTip("Dismiss (details are in the log)")
        close.clicked.connect(self.dismissed.emit)
        row.addWidget(close)


class ElidedFreshnessLabel(DataFreshnessLabel):
    """The data-freshness label of the toolbar: in a narrow window it shrinks and elides
    its text ("STALE — last upd…"); the whole text stays in `text()` and the tooltip."""

    MIN_TEXT = "● STALE —"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)

    def minimumSizeHint(self) -> QSize:
        hint = super().minimumSizeHint()
        m = self.contentsMargins()
        width = self.fontMetrics().horizontalAdvance(self.MIN_TEXT) + m.left() + m.right()
        return QSize(min(hint.width(), width), hint.height())

    def set_freshness(self, state: str, text: str, tooltip: str = "") -> None:
        super().set_freshness(state, text, tooltip)
        if not tooltip and self.toolTip() != text:
            self.setToolTip(text)  # the elided text is whole here

    def paintEvent(self, event: QPaintEvent) -> None:
        rect = self.contentsRect()
        text = self.text()
        fm = self.fontMetrics()
        if fm.horizontalAdvance(text) <= rect.width():
            super().paintEvent(event)
            return
        painter = QPainter(self)
        painter.setPen(self.palette().color(self.foregroundRole()))
        painter.drawText(
            rect,
            int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
            fm.elidedText(text, Qt.TextElideMode.ElideRight, rect.width()),
        )
        painter.end()


class ToolbarRow(QWidget):
    """The main toolbar's only widget: venue, mode, symbol and data state on the left,
    the testnet lock and the emergency stop on the right.

    Why one widget: a QToolBar hides the widgets that do not fit behind its extension
    arrow, and the lock switch and the stop button must be on screen at every width.
    A toolbar's minimum width is that of its first widget, and a main window's minimum
    includes its toolbars', so the window cannot get narrower than this row's minimum:
    its compact form (no "Venue"/"Symbol" captions, "STOP (F12)", the selectors and the
    data label at their narrowest), with the safety controls at full size. Between that
    and the full width the selectors and the data label give way first; the safety
    controls never shrink.
    """

    def __init__(
        self,
        *,
        venue_combo: QComboBox,
        mode_badge: QLabel,
        symbol_combo: QComboBox,
        data_label: QLabel,
        lock_switch: LockSwitch,
        stop_button: EmergencyStopButton,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("toolbarRow")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.venue_caption = QLabel("Venue")
        self.symbol_caption = QLabel("  Symbol")
        separator = QFrame()
        separator.setObjectName("toolbarSeparator")
        separator.setFrameShape(QFrame.Shape.NoFrame)
        separator.setFixedWidth(1)  # a line in the theme's colour (toolbarSeparator)
        self.lock_switch, self.stop_button = lock_switch, stop_button
        self._captions = (self.venue_caption, self.symbol_caption)
        self._shrinking = (venue_combo, mode_badge, symbol_combo, separator, data_label)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(6)
        for widget in (
            self.venue_caption,
            venue_combo,
            mode_badge,
            self.symbol_caption,
            symbol_combo,
            separator,
            data_label,
        ):
            row.addWidget(widget)
        row.addStretch(1)
        row.addSpacing(6)
        safety = QHBoxLayout()
        safety.setSpacing(6)
        safety.addWidget(lock_switch)
        safety.addWidget(stop_button)
        row.addLayout(safety)
        self._row = row
        self._compact = False

    @property
    def compact(self) -> bool:
        return self._compact

    def _width_of(self, widgets: tuple[QWidget, ...], *, minimum: bool) -> int:
        sizes = [(w.minimumSizeHint() if minimum else w.sizeHint()).width() for w in widgets]
        if minimum:
            sizes = [max(s, w.minimumWidth()) for s, w in zip(sizes, widgets, strict=False)]
        return sum(sizes) + self._row.spacing() * len(widgets)

    def _safety_width(self, *, compact: bool) -> int:
        if compact:
            lock, stop = self.lock_switch.compact_width(), self.stop_button.compact_width()
        else:
            lock, stop = self.lock_switch.full_width(), self.stop_button.full_width()
        return lock + self._row.spacing() + stop + 12

    def full_width(self) -> int:
        """Everything at its preferred size with the long stop text."""
        return (
            self._width_of(self._captions, minimum=False)
            + self._width_of(self._shrinking, minimum=False)
            + self._safety_width(compact=False)
        )

    def minimumSizeHint(self) -> QSize:
        return QSize(
            self._width_of(self._shrinking, minimum=True) + self._safety_width(compact=True),
            super().minimumSizeHint().height(),
        )

    def set_compact(self, compact: bool) -> None:
        if compact == self._compact:
            return
        self._compact = compact
        for caption in self._captions:
            caption.setVisible(not compact)
        self.stop_button.set_compact(compact)
        self.lock_switch.set_compact(compact)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.set_compact(event.size().width() < self.full_width())
