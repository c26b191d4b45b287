"""The testnet-lock switch and the emergency-stop button are on screen at every width the
main window allows: never behind the toolbar's extension arrow, never cut off, always
clickable. Real widgets offscreen, in both themes; one test drives the whole window
against the paper exchange and engages the stop at the narrowest width."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QToolButton, QWidget

from terminal.ui.main_window import MainWindow
from terminal.ui.theme import ThemeManager

WIDTHS = (1440, 1024, 800, 760, 640, 1)  # below the minimum: the window stops at it


@pytest.fixture(params=["dark", "light"])
def themed(request, qapp) -> Iterator[str]:  # type: ignore[no-untyped-def]
    before_sheet, before_palette = qapp.styleSheet(), qapp.palette()
    ThemeManager(qapp).apply(request.param)
    yield request.param
    qapp.setStyleSheet(before_sheet)
    qapp.setPalette(before_palette)


def _extension_button(window: MainWindow) -> QToolButton | None:
    return window.toolbar.findChild(QToolButton, "qt_toolbar_ext_button")


def _rect_in_window(widget: QWidget, window: MainWindow) -> QRect:
    return QRect(widget.mapTo(window, QPoint(0, 0)), widget.size())


def _settle(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    """A text change re-lays the toolbar out over a few event-loop turns."""

    def settled() -> bool:
        return window.width() >= window.minimumSizeHint().width() and all(
            w.width() >= w.sizeHint().width() for w in (window.lock_switch, window.stop_button)
        )

    QApplication.processEvents()
    qtbot.waitUntil(settled, timeout=3000)


def _assert_on_screen(window: MainWindow, what: str) -> None:
    ext = _extension_button(window)
    assert ext is None or not ext.isVisible(), f"{what}: the toolbar overflows"
    for widget in (window.lock_switch, window.stop_button):
        name = widget.objectName()
        assert widget.isVisible(), f"{what}: {name} hidden"
        rect = _rect_in_window(widget, window)
        assert window.rect().contains(rect), f"{what}: {name} at {rect} outside {window.rect()}"
        assert widget.width() >= widget.sizeHint().width(), f"{what}: {name} squeezed"
        assert widget.height() >= 30 if widget is window.stop_button else True
        # what a click at its centre hits is the control itself
        centre = rect.center()
        assert window.childAt(centre) is widget, f"{what}: {name} covered at {centre}"
    stop, lock = (_rect_in_window(w, window) for w in (window.stop_button, window.lock_switch))
    assert not stop.intersects(lock)


def _resize(qtbot, window: MainWindow, width: int) -> int:  # type: ignore[no-untyped-def]
    # the window's minimum follows its toolbar's a few event-loop turns later
    qtbot.waitUntil(lambda: window.minimumWidth() == window.minimumSizeHint().width(), timeout=3000)
    expected = max(width, window.minimumWidth())
    window.resize(width, 600)
    qtbot.waitUntil(lambda: window.width() == expected, timeout=3000)
    _settle(qtbot, window)
    return expected


def test_lock_and_stop_are_visible_and_clickable_at_every_width(qtbot, themed) -> None:  # type: ignore[no-untyped-def]
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    # the narrowest window still fits on an 800x600 screen
    assert window.minimumSizeHint().width() <= 760
    window.lock_switch.set_state(False, (("binance", "a-rather-long-account-label"),))
    _settle(qtbot, window)
    assert window.minimumSizeHint().width() <= 780  # even unlocked for a long name
    window.lock_switch.set_state(True, ())
    widths = []
    for width in WIDTHS:
        actual = _resize(qtbot, window, width)
        widths.append(actual)
        _assert_on_screen(window, f"{themed} {actual} px")
        # the hardest texts: engaged, and unlocked for a venue with a long account name
        window.stop_button.set_state(True, "engaged by the test")
        window.lock_switch.set_state(
            False, (("binance", "a-rather-long-account-label"), ("bybit", "main"))
        )
        _settle(qtbot, window)
        _assert_on_screen(window, f"{themed} {window.width()} px, engaged and unlocked")
        assert window.stop_button.text() == "STOP ENGAGED"
        assert window.lock_switch.text().startswith("LIVE: binance/")
        assert "bybit/main" in window.lock_switch.full_text
        window.stop_button.set_state(False, "")
        window.lock_switch.set_state(True, ())
        _settle(qtbot, window)
        with qtbot.waitSignal(window.stop_button.engage_requested, timeout=2000):
            QTest.mouseClick(window.stop_button, Qt.MouseButton.LeftButton)
    assert widths[0] == 1440 and widths[-1] < 760  # it did go down to the minimum
    # wide: the long text; at the minimum: the short one, still red and large
    assert window.toolbar_row.compact and window.stop_button.text().startswith("STOP (")
    _resize(qtbot, window, 1440)
    assert not window.toolbar_row.compact
    assert window.stop_button.text().startswith("EMERGENCY STOP (")
    assert window.toolbar_row.venue_caption.isVisible()
    window.close()


def test_the_window_minimum_keeps_the_safety_controls_whatever_the_data_label_says(qtbot) -> None:  # type: ignore[no-untyped-def]
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    long_text = "STALE — last update 1234 s ago (reconnecting to the very long venue)"
    window.data_label.set_freshness("stale", long_text)
    width = _resize(qtbot, window, 1)
    _assert_on_screen(window, f"{width} px with a long data label")
    assert window.data_label.text() == long_text  # elided on screen only
    assert long_text in window.data_label.toolTip()
    window.close()


@pytest.fixture(scope="module")
def paper(paper_for_ui):  # type: ignore[no-untyped-def]
    return paper_for_ui


def test_clicking_stop_at_the_narrowest_window_engages_it(make_main_window, paper) -> None:  # type: ignore[no-untyped-def]
    run = make_main_window(paper)
    w, drv = run.window, run.driver
    minimum = w.minimumSizeHint().width()
    w.resize(1, 600)
    drv.until(lambda: w.width() == minimum, 5, "the window at its minimum width")
    drv.until(lambda: w.panels.get("book") is not None, 10, "the panels")
    _assert_on_screen(w, f"whole window at {minimum} px")
    drv.do(lambda: QTest.mouseClick(w.stop_button, Qt.MouseButton.LeftButton))
    drv.until(lambda: w.stop_button.text() == "STOP ENGAGED", 10, "the stop to engage")
    assert w.stop_button.engaged and w.stop_button.property("engaged") == "true"
    _assert_on_screen(w, f"whole window at {minimum} px, engaged")
    run.close()
