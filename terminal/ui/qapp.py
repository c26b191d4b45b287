"""The process's one QApplication, typed as the widgets application it is."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication


def application(argv: list[str]) -> QApplication:
    """The QApplication that exists, else a new one started with `argv`."""
    app = QApplication.instance()
    if app is None:
        return QApplication(argv)
    if not isinstance(app, QApplication):
        raise RuntimeError("a Qt application without widgets is already running")
    return app
