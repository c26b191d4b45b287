"""Dialogs that grow to show what they hold.

Qt sets a dialog's minimum size from its layout's minimum, and that minimum ignores
word-wrapped labels (their height depends on the width): when a long result or warning
appeared, the dialog kept its size and squeezed its input fields to a few pixels. A
dialog that calls `grow_to_fit` on each layout request is made tall enough for every
row at its preferred height for the current width (never shrunk: the user's size is
kept when it is already enough)."""

from __future__ import annotations

from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QWidget


def needed_height(widget: QWidget) -> int:
    """The height at which every row of `widget`'s layout gets its preferred height."""
    layout = widget.layout()
    if layout is None:
        return widget.sizeHint().height()
    if layout.hasHeightForWidth():
        return layout.totalHeightForWidth(widget.width())
    return layout.totalSizeHint().height()


def grow_to_fit(widget: QWidget) -> None:
    need = needed_height(widget)
    if widget.height() < need:
        widget.resize(widget.width(), need)


def is_layout_request(event: QEvent) -> bool:
    return event.type() == QEvent.Type.LayoutRequest
