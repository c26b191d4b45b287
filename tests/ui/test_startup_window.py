"""The pieces of the cheap first paint, on real widgets offscreen: the main window
without docks until `build_docks`, the layout restored in two steps around it, the
wait for the first paint that runs no timer, and `repolish` before a widget's first
polish."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QLabel

from terminal.ui import probe
from terminal.ui.layout import LAYOUT_FILE
from terminal.ui.main_window import DOCKS, MainWindow
from terminal.ui.theme import repolish


def _saved_layout(qtbot, config: Path) -> None:  # type: ignore[no-untyped-def]
    first = MainWindow(config_dir=config)
    qtbot.addWidget(first)
    first.show()
    qtbot.waitExposed(first)
    first.docks["health"].hide()
    first.docks["history"].hide()
    first.resize(760, 560)  # the offscreen screen is 800x600: restore clamps to it
    first.close()
    assert json.loads((config / LAYOUT_FILE).read_text())["state"]


def test_window_paints_first_and_gets_its_docks_and_saved_layout_after(
    qtbot, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    config = tmp_path / "config"
    _saved_layout(qtbot, config)

    win = MainWindow(config_dir=config, docks=False)
    qtbot.addWidget(win)
    assert win.docks == {} and not win.docks_built
    assert win.restore_layout()  # geometry now, dock state later
    win.show()
    assert probe.wait_first_paint(win, 10.0)
    assert "first_paint" in probe.marks()
    assert (win.width(), win.height()) == (760, 560)
    assert win.toolbar.isVisible() and "PAPER" in win.windowTitle()

    win.build_docks()
    win.build_docks()  # idempotent
    assert set(win.docks) == {d.name for d in DOCKS}
    assert win.docks["health"].isHidden() and win.docks["history"].isHidden()
    assert not win.docks["book"].isHidden() and not win.docks["chart"].isHidden()
    assert len(win.panels_menu.actions()) == len(DOCKS)
    win.close()


def test_a_window_closed_before_its_docks_keeps_the_saved_layout(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    config = tmp_path / "config"
    _saved_layout(qtbot, config)
    before = (config / LAYOUT_FILE).read_text()

    win = MainWindow(config_dir=config, docks=False)
    qtbot.addWidget(win)
    win.restore_layout()
    win.show()
    qtbot.waitExposed(win)
    win.close()  # e.g. Ctrl+C during start-up: a layout without docks is not saved
    assert (config / LAYOUT_FILE).read_text() == before


def test_default_layout_without_a_saved_one_is_arranged_when_the_docks_come(
    qtbot, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    win = MainWindow(config_dir=tmp_path / "config", docks=False)
    qtbot.addWidget(win)
    assert win.restore_layout() is False
    win.show()
    qtbot.waitExposed(win)
    win.build_docks()
    qtbot.waitUntil(lambda: win.docks["chart"].width() > win.docks["book"].width(), timeout=5000)
    assert all(not dock.isFloating() for dock in win.docks.values())
    assert not win.docks["open_orders"].isHidden()
    win.close()
    assert (tmp_path / "config" / LAYOUT_FILE).is_file()


def test_wait_first_paint_runs_no_timer_and_stops_when_asked(qtbot) -> None:  # type: ignore[no-untyped-def]
    fired: list[str] = []
    label = QLabel("first paint")
    qtbot.addWidget(label)
    QTimer.singleShot(1, lambda: fired.append("timer"))
    label.show()
    assert probe.wait_first_paint(label, 10.0)
    assert fired == []  # Qt timers wait for the real loop
    qtbot.waitUntil(lambda: fired == ["timer"], timeout=5000)

    hidden = QLabel("never shown")
    qtbot.addWidget(hidden)
    assert probe.wait_first_paint(hidden, 10.0, stop=lambda: True) is False


def test_wait_first_paint_is_bounded_for_a_window_that_never_paints(qtbot) -> None:  # type: ignore[no-untyped-def]
    hidden = QLabel("never shown")
    qtbot.addWidget(hidden)
    assert probe.wait_first_paint(hidden, 0.05) is False


@pytest.mark.parametrize("state,colour", [("live", "#00ff00"), ("down", "#ff0000")])
def test_repolish_before_the_first_polish_still_styles_by_the_property(
    qtbot, state: str, colour: str
) -> None:  # type: ignore[no-untyped-def]
    app = QApplication.instance()
    assert app is not None
    previous = app.styleSheet()
    app.setStyleSheet('QLabel[st="live"] { color: #00ff00; } QLabel[st="down"] { color: #ff0000; }')
    try:
        label = QLabel("state")
        qtbot.addWidget(label)
        label.setProperty("st", "down" if state == "live" else "live")
        repolish(label)  # not polished yet: nothing to do now
        label.setProperty("st", state)
        repolish(label)
        label.show()
        qtbot.waitExposed(label)
        assert label.palette().color(label.foregroundRole()).name() == colour
        other = "down" if state == "live" else "live"
        label.setProperty("st", other)
        repolish(label)  # polished now: restyled at once
        assert label.palette().color(label.foregroundRole()).name() != colour
    finally:
        app.setStyleSheet(previous)
