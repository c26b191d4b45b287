"""Help > About, and bringing the window to the front when another launch asks for it."""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from terminal.paths import AppPaths

log = logging.getLogger(__name__)


def show_about(window: QWidget, paths: AppPaths) -> QMessageBox:
    """The version and where data, settings and logs are (non-modal)."""
    from terminal import __version__

    box = QMessageBox(
        QMessageBox.Icon.Information,
        "About Trading Terminal",
        f"Trading Terminal {__version__}\n\n"
        "A desktop trading terminal for crypto exchanges, with a built-in "
        "paper exchange.\n\n"
        f"Data: {paths.data}\nSettings: {paths.config}\n"
        f"Logs: {paths.logs}",
        parent=window,
    )
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
    box.open()  # non-modal: never a nested event loop inside the qasync loop
    return box


def bring_to_front(window: QWidget) -> None:
    """Show, raise and activate `window`; where the window manager refuses focus, flash
    it instead."""
    if window.isMinimized():
        window.showNormal()
    window.show()
    window.raise_()
    window.activateWindow()
    QApplication.alert(window)
    log.info("window brought to the front at another launch's request")
