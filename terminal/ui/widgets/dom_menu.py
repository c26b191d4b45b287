"""The price ladder's right-click menu: an alert at the row's price."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QMenu, QWidget


def alert_menu(parent: QWidget, price_text: str, chosen: Callable[[str], None]) -> QMenu:
    menu = QMenu(parent)
    menu.setObjectName("domAlertMenu")
    action = menu.addAction(f"Alert at {price_text} (last price crosses)")
    action.setObjectName("alert")
    action.triggered.connect(lambda _=False: chosen(price_text))
    return menu
