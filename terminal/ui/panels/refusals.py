"""The gate's refusals shown inline, one widget each (the order ticket and the amend
dialog show them the same way)."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence

from PySide6.QtWidgets import QCheckBox, QLabel, QLayout, QWidget

from terminal.core.ports import Refusal

from ._style import AMBER, ERROR


def show_refusals(layout: QLayout, refusals: Sequence[Refusal],
                  on_toggled: Callable[[str, bool], None],
                  checked: Collection[str] = ()) -> dict[str, QCheckBox]:
    """Replace what `layout` holds with `refusals`: an "Override: ..." checkbox for an
    overridable one (ticked when its rule is in `checked`; `on_toggled(rule, on)` on a
    change), a red line for a hard one. Returns the checkboxes by rule."""
    while layout.count():
        item = layout.takeAt(0)
        if item.widget() is not None:
            item.widget().deleteLater()
    checks: dict[str, QCheckBox] = {}
    for refusal in refusals:
        widget: QWidget
        if refusal.overridable:
            box = QCheckBox(f"Override: {refusal.message}")
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
