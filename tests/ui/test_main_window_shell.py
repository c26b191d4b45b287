"""The main window shell without the core: layout persistence, safety switches, hotkeys,
themes and notices. Real widgets, offscreen; no network."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QSignalSpy, QTest
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QToolButton

from terminal.core.safety.lock import confirmation_phrase
from terminal.ui import resources
from terminal.ui.layout import LAYOUT_FILE
from terminal.ui.main_window import DOCKS, HIDDEN_BY_DEFAULT, MainWindow
from terminal.ui.safety_dialogs import ResetStopDialog, UnlockDialog
from terminal.ui.shortcuts import ALL_HOTKEYS, HOTKEYS
from terminal.ui.shortcuts_dialog import ShortcutsDialog
from terminal.ui.theme import ThemeManager, icon


@pytest.fixture
def window(qtbot, tmp_path: Path) -> MainWindow:  # type: ignore[no-untyped-def]
    win = MainWindow(config_dir=tmp_path / "config")
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    return win


def test_every_panel_is_a_dock_and_the_title_names_venue_and_mode(window: MainWindow) -> None:
    assert set(window.docks) == {d.name for d in DOCKS}
    assert all(
        dock.isHidden() == (name in HIDDEN_BY_DEFAULT) for name, dock in window.docks.items()
    )
    assert {"dom"} == HIDDEN_BY_DEFAULT  # the price ladder opens from View > Panels
    window.set_context("binance", "Binance", "live", "ETH/USDT")
    title = window.windowTitle()
    assert "ETH/USDT" in title and "Binance" in title and "LIVE" in title
    assert window.mode_badge.text() == "LIVE"
    window.set_context("paper", "Paper exchange", "paper", "BTC/USDT")
    assert "PAPER" in window.windowTitle() and "Paper exchange" in window.windowTitle()


def test_layout_is_saved_on_close_and_restored_by_the_next_window(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    config = tmp_path / "config"
    first = MainWindow(config_dir=config)
    qtbot.addWidget(first)
    first.show()
    qtbot.waitExposed(first)
    first.docks["health"].hide()
    first.docks["logs"].setFloating(True)
    first.resize(760, 560)  # the offscreen screen is 800x600: restore clamps to it
    first.close()
    saved = json.loads((config / LAYOUT_FILE).read_text())
    assert saved["version"] == 1 and saved["state"] and saved["geometry"]

    second = MainWindow(config_dir=config)
    qtbot.addWidget(second)
    assert second.restore_layout()
    second.show()
    qtbot.waitExposed(second)
    assert second.docks["health"].isHidden()
    assert second.docks["logs"].isFloating()
    assert not second.docks["book"].isHidden()
    assert (second.width(), second.height()) == (760, 560)

    second.actions_by_id["reset_layout"].trigger()
    assert not second.docks["health"].isHidden() and not second.docks["logs"].isFloating()
    assert not (config / LAYOUT_FILE).exists()  # the default is not stored until exit
    second.docks["logs"].close()  # a floating dock is a top-level window of its own


def test_a_corrupt_layout_file_falls_back_to_the_default(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    config = tmp_path / "config"
    config.mkdir()
    (config / LAYOUT_FILE).write_text("{not json")
    win = MainWindow(config_dir=config)
    qtbot.addWidget(win)
    assert win.restore_layout() is False
    win.show()
    assert all(dock.isHidden() == (name in HIDDEN_BY_DEFAULT) for name, dock in win.docks.items())


def test_lock_switch_shows_testnet_or_live_and_one_click_asks_or_locks(
    window: MainWindow, qtbot
) -> None:  # type: ignore[no-untyped-def]
    switch = window.lock_switch
    assert switch.text() == "TESTNET" and switch.property("live") == "false"
    with qtbot.waitSignal(switch.unlock_requested, timeout=1000):
        QTest.mouseClick(switch, Qt.MouseButton.LeftButton)
    switch.set_state(False, (("binance", "main"),))
    assert "LIVE" in switch.text() and "binance/main" in switch.text()
    assert switch.property("live") == "true"
    with qtbot.waitSignal(switch.lock_requested, timeout=1000):
        QTest.mouseClick(switch, Qt.MouseButton.LeftButton)


def test_unlock_dialog_accepts_only_the_exact_phrase_naming_venue_and_account(
    window: MainWindow, qtbot
) -> None:  # type: ignore[no-untyped-def]
    dialog = UnlockDialog([("paperlive", "main", "Paper as live")], confirmation_phrase, window)
    dialog.show()
    assert not dialog.isModal()
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    phrase = confirmation_phrase("paperlive", "main")
    assert "paperlive" in phrase and "main" in phrase
    QTest.keyClicks(dialog.input, "UNLOCK LIVE paperlive")
    assert not ok.isEnabled()
    dialog.input.setText(phrase)
    assert ok.isEnabled()
    spy = QSignalSpy(dialog.unlock_confirmed)
    QTest.mouseClick(ok, Qt.MouseButton.LeftButton)
    assert spy.count() == 1
    assert [spy.at(0)[i] for i in range(3)] == ["paperlive", "main", phrase]
    dialog.close()


def test_reset_stop_dialog_needs_the_phrase(window: MainWindow) -> None:
    dialog = ResetStopDialog("Emergency stop ENGAGED", "RESET STOP", window)
    dialog.show()
    assert not dialog.ok_button.isEnabled()
    dialog.input.setText("RESET STOP")
    assert dialog.ok_button.isEnabled()
    dialog.close()


def test_stop_button_says_engaged_and_click_asks_to_reset(window: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
    button = window.stop_button
    assert "EMERGENCY STOP" in button.text() and "F12" in button.text()
    with qtbot.waitSignal(button.engage_requested, timeout=1000):
        QTest.mouseClick(button, Qt.MouseButton.LeftButton)
    button.set_state(True, "Emergency stop ENGAGED since ...")
    assert button.text() == "STOP ENGAGED" and button.property("engaged") == "true"
    with qtbot.waitSignal(button.reset_requested, timeout=1000):
        QTest.mouseClick(button, Qt.MouseButton.LeftButton)


def test_every_hotkey_is_bound_and_listed_in_help(window: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
    for hotkey in HOTKEYS:
        action = window.actions_by_id[hotkey.action]
        bound = {s.toString() for s in action.shortcuts()}
        assert bound == set(hotkey.keys), hotkey.action
    window.activateWindow()
    with qtbot.waitSignal(window.actions_by_id["emergency_stop"].triggered, timeout=1000):
        QTest.keyClick(window, Qt.Key.Key_F12)
    with qtbot.waitSignal(window.actions_by_id["buy"].triggered, timeout=1000):
        QTest.keyClick(window, Qt.Key.Key_B, Qt.KeyboardModifier.ControlModifier)
    dialog = window.show_shortcuts()
    assert isinstance(dialog, ShortcutsDialog) and not dialog.isModal()
    texts = [dialog.table.item(r, 1).text() for r in range(dialog.table.rowCount())]
    # every hotkey, the trading ones marked off until enabled, panel keys last
    assert [t.split(" (off:")[0] for t in texts] == [h.description for h in ALL_HOTKEYS]
    assert all(("(off:" in t) == h.trading for t, h in zip(texts, ALL_HOTKEYS, strict=True))
    dialog.close()


def test_themes_and_icons_load_from_the_package_resources(qapp) -> None:  # type: ignore[no-untyped-def]
    assert {"dark", "light"} <= set(resources.theme_names())
    for name in ("app", "stop", "lock", "unlock"):
        assert not icon(name).isNull(), name
    manager = ThemeManager(qapp)
    try:
        assert manager.apply("light") == "light"
        assert "Light theme" in QApplication.instance().styleSheet()
        assert manager.apply("no-such-theme") == "dark"
        assert "Dark theme" in QApplication.instance().styleSheet()
    finally:
        qapp.setStyleSheet("")


def test_a_notice_shows_a_visible_error_bar(window: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
    window.notice_requested.emit("ValueError: feed broke")
    qtbot.waitUntil(lambda: window.notice_bar.isVisible(), timeout=2000)
    assert "feed broke" in window.notice_bar.label.text()
    assert "feed broke" in window.statusBar().currentMessage()
    QTest.mouseClick(
        window.notice_bar.findChild(QToolButton, "noticeClose"), Qt.MouseButton.LeftButton
    )
    assert not window.notice_bar.isVisible()


def test_a_failing_gui_task_becomes_a_visible_notice(window: MainWindow, aloop) -> None:  # type: ignore[no-untyped-def]
    from terminal import crash
    from terminal.ui.tasks import gui_task_owner

    remove = crash.add_notice_callback(lambda r: window.notice_requested.emit(r.summary))
    owner = gui_task_owner("test")
    try:

        async def boom() -> None:
            raise ValueError("the order service said no")

        owner.spawn(boom(), "boom")
        aloop.until(lambda: window.notice_bar.isVisible(), 5, "the error bar")
        assert "the order service said no" in window.notice_bar.label.text()
    finally:
        remove()
        aloop.run(owner.close(1.0))


def test_bridge_queues_core_callbacks_onto_the_gui_thread(qtbot) -> None:  # type: ignore[no-untyped-def]
    import threading

    from terminal.ui.bridge import CoreBridge

    bridge = CoreBridge()
    hooks: list = []

    def subscribe(callback):  # type: ignore[no-untyped-def]
        hooks.append(callback)
        return lambda: hooks.remove(callback)

    got: list[tuple[str, str]] = []
    bridge.notices.forward(subscribe)
    bridge.notices.connect(lambda v: got.append((v[1], threading.current_thread().name)))
    hooks[0](("info", "from the loop"))
    assert got == []  # queued: never runs inside the core's own notify loop
    worker = threading.Thread(
        target=hooks[0], args=(("info", "from a worker"),), name="journal-writer"
    )
    worker.start()
    worker.join(5)
    qtbot.waitUntil(lambda: len(got) == 2, timeout=2000)
    assert {v for v, _ in got} == {"from the loop", "from a worker"}
    assert {name for _, name in got} == {threading.main_thread().name}
    bridge.close()
    assert hooks == []


def test_bridge_channels_carry_only_their_own_kind_and_nothing_after_close(qtbot) -> None:  # type: ignore[no-untyped-def]
    from terminal.core.callbacks import Callbacks
    from terminal.ui.bridge import CoreBridge

    bridge = CoreBridge()
    notices: Callbacks[tuple[str, str]] = Callbacks("notice")
    other: Callbacks[tuple[str, str]] = Callbacks("other")
    bridge.notices.forward(notices.add)
    seen_notices: list[tuple[str, str]] = []
    seen_orders: list[object] = []
    bridge.notices.connect(seen_notices.append)
    bridge.orders.connect(seen_orders.append)
    notices.emit(("warning", "one"))
    other.emit(("warning", "not forwarded"))
    qtbot.waitUntil(lambda: seen_notices == [("warning", "one")], timeout=2000)
    assert seen_orders == []
    notices.emit(("warning", "queued before close"))
    bridge.close()  # a value still queued is dropped, and the hook is removed
    assert len(notices) == 0
    qtbot.wait(50)
    assert seen_notices == [("warning", "one")]
