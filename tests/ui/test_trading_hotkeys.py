"""Hotkeys on the whole main window against a real paper exchange.

Settings > Hotkeys lists every action, refuses a key bound twice or an emergency stop
without a key, resets to the defaults, and binds what it saves at once. Trading hotkeys
are off until enabled; enabled, they act only while a trading panel has the focus and
go through the ticket's confirmation; while the emergency stop or the testnet lock
forbids orders they send nothing and arm nothing (the venue is read back to be sure);
the emergency stop's key works whatever else is set. Real widgets offscreen.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from terminal.domain.enums import VenueMode
from terminal.ui.shortcuts import ALL_HOTKEYS, BY_ACTION, set_overrides

pytestmark = pytest.mark.timeout(300)
CTRL_ALT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier


@pytest.fixture(autouse=True)
def default_keys():  # type: ignore[no-untyped-def]
    yield
    set_overrides({})  # the key table is process-wide: leave the defaults for others


def _press(run: Any, key: Qt.Key, mods: Any = CTRL_ALT) -> None:
    run.window.activateWindow()
    run.driver.until(run.window.isActiveWindow, 5, "the main window to be active")
    run.driver.do(lambda: QTest.keyClick(run.window, key, mods))


def _focus_ticket(run: Any) -> None:
    run.window.activateWindow()
    amount = run.panels.entry.amount_edit
    run.driver.do(amount.setFocus)
    run.driver.until(amount.hasFocus, 5, "the ticket's amount to have the focus")


def _open_ids(run: Any, paper: Any) -> set[str]:
    orders = run.driver.run(asyncio.to_thread(paper.control.open_orders, paper.api_key), 15)
    return {o["clientOrderId"] for o in orders}


def _enable_trading_hotkeys(run: Any) -> Any:
    editor = run.driver.do(run.controller.hotkeys.open_editor)
    assert editor.table.rowCount() == len(ALL_HOTKEYS)
    editor.trading_box.setChecked(True)
    run.driver.do(lambda: QTest.mouseClick(editor.save_button, Qt.MouseButton.LeftButton))
    assert run.window.trading_hotkeys and run.controller.settings.ui.trading_hotkeys
    return editor


def test_editor_conflicts_reset_and_trading_hotkeys_obey_focus_and_the_stop(
    make_main_window, paper_for_ui
) -> None:  # type: ignore[no-untyped-def]
    run = make_main_window(paper_for_ui)
    c, drv, w, entry = run.controller, run.driver, run.window, run.panels.entry
    hk = c.hotkeys
    drv.until(lambda: entry.blocked_reason is None, 30, "order entry to open")
    entry.set_amount("0.01")

    # off by default: the key does nothing at all
    _focus_ticket(run)
    _press(run, Qt.Key.Key_1)
    assert entry.confirmation is None and not w.actions_by_id["buy_bid"].isEnabled()

    # the editor: a conflict and a stop without a key are refused; reset brings defaults
    editor = drv.do(hk.open_editor)
    editor.set_keys("buy_bid", "Ctrl+B")
    assert editor.problem_label.text().startswith(
        'Ctrl+B is bound to "Buy" and "buy limit at the bid"'
    )
    assert not editor.save_button.isEnabled()
    editor.set_keys("buy_bid", "")
    editor.set_keys("emergency_stop", "")
    assert "emergency stop must keep a key" in editor.problem_label.text()
    editor.reset_defaults()
    assert editor.problem_label.text() == "" and editor.save_button.isEnabled()
    editor.set_keys("buy_bid", "Ctrl+Alt+7")  # a key of the user's choice
    editor.set_keys("emergency_stop", "F11 / F12")
    editor.trading_box.setChecked(True)
    drv.do(lambda: QTest.mouseClick(editor.save_button, Qt.MouseButton.LeftButton))
    assert c.settings.ui.hotkeys == {
        "emergency_stop": ["F11", "F12"],
        "buy_bid": ["Ctrl+Alt+7"],
    }
    assert w.trading_hotkeys and "(F11)" in w.stop_button.text()
    assert {s.toString() for s in w.actions_by_id["buy_bid"].shortcuts()} == {"Ctrl+Alt+7"}
    help_dialog = w.show_shortcuts()
    row = [h.action for h in ALL_HOTKEYS].index("buy_bid")
    assert help_dialog.table.item(row, 0).text().endswith("7")
    help_dialog.close()

    # enabled, focus in the ticket: the ticket's confirmation opens at the bid
    _focus_ticket(run)
    _press(run, Qt.Key.Key_7)
    dialog = drv.until(lambda: entry.confirmation, 5, "the ticket's confirmation")
    bid = c.state.book_view(
        c.market.active.key(
            __import__("terminal.core.marketstate", fromlist=["FeedKind"]).FeedKind.BOOK
        ),
        1,
    ).best_bid.price
    assert abs(entry.state.price - bid) <= bid / 100
    drv.do(lambda: QTest.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton))
    drv.until(lambda: entry.confirmation is None, 5, "the dialog to close")

    # focus outside the trading panels: nothing
    logs = c.panels.logs
    c.window.docks["logs"].raise_()
    drv.do(lambda: logs.setFocus())
    focus_widget = drv.until(
        lambda: (
            logs.hasFocus()
            or logs.isAncestorOf(
                __import__(
                    "PySide6.QtWidgets", fromlist=["QApplication"]
                ).QApplication.focusWidget()
            )
        ),
        5,
        "the logs panel to have the focus",
    )
    assert focus_widget
    _press(run, Qt.Key.Key_7)
    assert entry.confirmation is None and "trading panel has the focus" in hk.last_message

    # the emergency stop by its key (always bound), then a trading key sends nothing
    before = _open_ids(run, paper_for_ui)
    _press(run, Qt.Key.Key_F12, Qt.KeyboardModifier.NoModifier)
    drv.until(lambda: c.services.safety.stop.engaged, 5, "the stop by F12")
    drv.until(lambda: entry.blocked_reason is not None, 10, "entry blocked by the stop")
    _focus_ticket(run)
    for key in (Qt.Key.Key_7, Qt.Key.Key_3, Qt.Key.Key_F, Qt.Key.Key_D):
        _press(run, key)
        assert entry.confirmation is None, key
    assert "order entry disabled" in hk.last_message
    assert not c.panels.dom.armed
    drv.sleep(1.0)
    assert _open_ids(run, paper_for_ui) <= before  # nothing new reached the venue
    reset = c.safety.ask_reset()
    reset.input.setText("RESET STOP")
    drv.do(lambda: QTest.mouseClick(reset.ok_button, Qt.MouseButton.LeftButton))
    drv.until(lambda: not c.services.safety.stop.engaged, 10, "the reset")

    # entry open again: flatten puts the whole free base balance in a market sell; here
    # 1 BTC (about 60,000 USDT) is over the 50,000 USDT order-size precaution: the
    # ticket's check refuses it and nothing opens or is sent (the gate is the ticket's)
    drv.until(lambda: entry.blocked_reason is None, 20, "entry open again")
    rules = entry.rules
    free = c.state.balances(c.trading.session).free(rules.base)
    _focus_ticket(run)
    _press(run, Qt.Key.Key_F)
    assert entry.state.amount == rules.round_amount(free) and entry.state.amount > 0
    assert entry.current_kind().value == "market" and entry.current_side().value == "sell"
    assert entry.confirmation is None and "Flatten: not sent" in hk.last_message
    assert "50000" in hk.last_message.replace(",", ""), hk.last_message
    _focus_ticket(run)
    _press(run, Qt.Key.Key_D)
    assert c.panels.dom.armed, hk.last_message
    _press(run, Qt.Key.Key_D)
    assert not c.panels.dom.armed


def test_trading_hotkeys_send_nothing_while_the_testnet_lock_forbids_it(
    make_main_window, paper_for_ui, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    from terminal.exchange.catalogue import paper_live_info

    key, secret = paper_for_ui.accounts[0]
    monkeypatch.setenv("TT_PAPERLIVE_LIVE_API_KEY", key)
    monkeypatch.setenv("TT_PAPERLIVE_LIVE_SECRET", secret)
    run = make_main_window(paper_for_ui, extra_venues=[paper_live_info("paperlive")])
    c, drv, entry, hk = run.controller, run.driver, run.panels.entry, run.controller.hotkeys
    _enable_trading_hotkeys(run)
    drv.run(c.connect_venue("paperlive", VenueMode.LIVE, "default"), 30)
    drv.run(c.switch_venue("paperlive"), 10)
    drv.until(
        lambda: entry.blocked_reason and "Testnet lock is ON" in entry.blocked_reason,
        20,
        "entry on the live venue blocked by the lock",
    )
    entry.set_amount("0.01")
    before = _open_ids(run, paper_for_ui)
    _focus_ticket(run)
    for key in (Qt.Key.Key_1, Qt.Key.Key_2, Qt.Key.Key_3, Qt.Key.Key_6, Qt.Key.Key_D):
        _press(run, key)
        assert entry.confirmation is None, key
    assert "Testnet lock" in hk.last_message or "armed" in hk.last_message.lower()
    assert not c.panels.dom.armed
    drv.sleep(1.0)
    assert _open_ids(run, paper_for_ui) <= before
    assert BY_ACTION["emergency_stop"].keys[0] == "F12"
