"""The gate's refusals shown inline, one widget each (the order ticket and the amend
dialog show them the same way)."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence

from PySide6.QtCore import QPoint, QRect, QSize, Qt
from PySide6.QtGui import QPaintEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QLabel,
    QLayout,
    QSizePolicy,
    QStyle,
    QStyleOptionButton,
    QStylePainter,
    QWidget,
)

from terminal.core.ports import Refusal

from ._style import AMBER, ERROR

# The narrowest a wrapping checkbox asks for: its text wraps below this, never clips.
MIN_TEXT_WIDTH = 120
WRAP = Qt.TextFlag.TextWordWrap


class WrapCheckBox(QCheckBox):
    """A checkbox whose text wraps to the width it is given.

    Qt's own QCheckBox asks for its whole text on one line: a long refusal made the
    ticket's form wider than its scroll area, and the form's right side was clipped.
    This one paints the indicator and the wrapped text itself and reports its height for
    a width; a click anywhere on it toggles it, as on a plain checkbox."""

    def __init__(self, text: str, parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        policy = QSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)

    def _indicator(self) -> QRect:
        opt = QStyleOptionButton()
        self.initStyleOption(opt)
        return self.style().subElementRect(QStyle.SubElement.SE_CheckBoxIndicator, opt, self)

    def _text_left(self) -> int:
        spacing = self.style().pixelMetric(QStyle.PixelMetric.PM_CheckBoxLabelSpacing, None, self)
        return self._indicator().right() + 1 + spacing

    def _text_rect(self, width: int) -> QRect:
        left = self._text_left()
        room = max(1, width - left)
        return self.fontMetrics().boundingRect(QRect(0, 0, room, 100_000), WRAP, self.text())

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return max(self._indicator().height(), self._text_rect(width).height()) + 2

    def sizeHint(self) -> QSize:
        one_line = self.fontMetrics().horizontalAdvance(self.text())
        width = self._text_left() + min(one_line, 3 * MIN_TEXT_WIDTH) + 2
        return QSize(width, self.heightForWidth(width))

    def minimumSizeHint(self) -> QSize:
        width = self._text_left() + MIN_TEXT_WIDTH
        return QSize(width, self.heightForWidth(width))

    def hitButton(self, pos: QPoint) -> bool:
        return self.rect().contains(pos)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QStylePainter(self)
        opt = QStyleOptionButton()
        self.initStyleOption(opt)
        indicator = self._indicator()
        indicator.moveTop(1)
        opt.rect = indicator
        painter.drawPrimitive(QStyle.PrimitiveElement.PE_IndicatorCheckBox, opt)
        left = self._text_left()
        text = QRect(left, 1, max(1, self.width() - left), self.height() - 1)
        painter.setPen(self.palette().color(self.foregroundRole()))
        painter.drawText(
            text, int(WRAP | Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop), self.text()
        )
        if self.hasFocus():
            focus = QStyleOptionButton()
            focus.initFrom(self)
            focus.rect = self.rect()
            painter.drawPrimitive(QStyle.PrimitiveElement.PE_FrameFocusRect, focus)


def show_refusals(
    layout: QLayout,
    refusals: Sequence[Refusal],
    on_toggled: Callable[[str, bool], None],
    checked: Collection[str] = (),
) -> dict[str, QCheckBox]:
    """Replace what `layout` holds with `refusals`: an "Override: ..." checkbox for an
    overridable one (ticked when its rule is in `checked`; `on_toggled(rule, on)` on a
    change), a red line for a hard one. Both wrap to the width they are given. Returns
    the checkboxes by rule."""
    while layout.count():
        item = layout.takeAt(0)
        old = item.widget() if item is not None else None
        if old is not None:
            old.deleteLater()
    checks: dict[str, QCheckBox] = {}
    for refusal in refusals:
        widget: QWidget
        if refusal.overridable:
            box = WrapCheckBox(f"Override: {refusal.message}")
            box.setObjectName(f"override_{refusal.rule}")
            box.setStyleSheet(f"color: {AMBER};")
            box.setChecked(refusal.rule in checked)
            box.toggled.connect(lambda on, rule=refusal.rule: on_toggled(rule, on))
            checks[refusal.rule] = widget = box
        else:
            widget = QLabel(f"✖ {refusal.message}")
            widget.setObjectName(f"refusal_{refusal.rule}")
            widget.setWordWrap(True)
            widget.setStyleSheet(f"color: {ERROR};")
        layout.addWidget(widget)
        widget.show()
    return checks
