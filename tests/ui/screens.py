"""Screenshots of panels under a dark palette: the helpers behind the `shot` fixture
(tests/ui/conftest.py).

Each screenshot test grabs the panel and checks the picture is not blank (a panel that renders
nothing is a bug even if its logic tests pass). Set PANEL_SHOTS=/some/dir to keep the
PNGs for a human to look at; by default they go to pytest's tmp_path.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


import pytest
from PySide6.QtCore import QCoreApplication, QTimer
from PySide6.QtGui import QColor, QImage, QPalette


@pytest.fixture(autouse=True)
def qt_exec_usable(qapp):
    """Undo a stale QCoreApplication.exit() left by an earlier test.

    qasync's QEventLoop.stop() calls QCoreApplication.exit(); with no exec() running,
    that leaves the thread's quit flag set, and every later QEventLoop.exec() returns at
    once, so qtbot.waitUntil, waitSignal and timers in these tests would never run.
    QCoreApplication.exec() clears the flag when it starts and when it returns.
    (Imported into every screenshot test module; a no-op cost of one empty exec.)
    """
    QTimer.singleShot(0, QCoreApplication.quit)
    QCoreApplication.exec()
    yield


def dark_palette() -> QPalette:
    pal = QPalette()
    roles = {
        QPalette.ColorRole.Window: "#181a20",
        QPalette.ColorRole.WindowText: "#eaecef",
        QPalette.ColorRole.Base: "#1e2329",
        QPalette.ColorRole.AlternateBase: "#242a31",
        QPalette.ColorRole.Text: "#eaecef",
        QPalette.ColorRole.Button: "#2b3139",
        QPalette.ColorRole.ButtonText: "#eaecef",
        QPalette.ColorRole.Highlight: "#3c4654",
        QPalette.ColorRole.HighlightedText: "#ffffff",
        QPalette.ColorRole.ToolTipBase: "#2b3139",
        QPalette.ColorRole.ToolTipText: "#eaecef",
        QPalette.ColorRole.PlaceholderText: "#5e6673",
    }
    for role, colour in roles.items():
        pal.setColor(role, QColor(colour))
    pal.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.ButtonText, QColor("#5e6673"))
    pal.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text, QColor("#5e6673"))
    pal.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.WindowText, QColor("#5e6673"))
    return pal


def assert_not_blank(image: QImage) -> None:
    assert image.width() > 50 and image.height() > 50
    colours = {
        image.pixel(x, y) for x in range(0, image.width(), 7) for y in range(0, image.height(), 7)
    }
    assert len(colours) > 5, "the panel rendered as a flat picture"
