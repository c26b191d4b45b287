"""Three sessions in ONE main window, against two real paper exchanges on loopback.

Two accounts of paper exchange A (created by its admin API) are connected as two sessions
of the `paper` venue, and the default account of paper exchange B as the session of the
venue `paper2` (declared in settings.json, `paper.others`, as a user does, and connected
through Venue > Connect, whose Test reaches exchange B). An order is placed in each
through the ticket (its Send-to list picks the paper account). The open-orders panel's
session filter shows each order only under its session. The emergency stop of the
Trading menu, scoped to the active session, cancels only that session's order at the
venue; the other sessions' orders stay open there and their sessions still take orders.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest

from terminal.core.safety.targets import StopTarget
from terminal.domain.enums import Side
from terminal.domain.ids import AccountLabel, VenueId
from terminal.domain.order import OrderStatus
from terminal.paths import AppPaths
from terminal.ui.panels.order_entry import EntryKind
from tests.ui.test_main_window_trading import _mid

pytestmark = pytest.mark.timeout(300)


def _open_at(handle: Any, api_key: str) -> set[str]:
    return {o["clientOrderId"] for o in handle.control.open_orders(api_key)}


def _place(run: Any, price: Decimal, amount: str = "0.001") -> Any:
    """Fill the active ticket like a user and send it through its confirmation dialog."""
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    entry, drv, c = run.panels.entry, run.driver, run.controller
    drv.until(lambda: entry.blocked_reason is None, 30, "order entry to open")
    rules = c.services.by_key[c.trading.session].markets[c.market.active.symbol]
    entry.set_kind(EntryKind.LIMIT)
    entry.set_side(Side.BUY)
    entry.set_price(rules.format_price(rules.round_price(price)))
    entry.set_amount(amount)
    before = c.trading.last_submit
    drv.until(entry.can_submit, 5, "a complete ticket")
    drv.do(entry.request_submit)
    dialog = drv.until(lambda: entry.confirmation, 5, "the confirmation dialog")
    drv.until(lambda: dialog.armed, 5, "the Send button to arm")
    drv.do(lambda: QTest.mouseClick(dialog.send_button, Qt.MouseButton.LeftButton))
    drv.until(lambda: not entry.pending and entry.confirmation is None, 20, "the submit")
    order = c.trading.last_submit
    assert order is not None and order is not before
    assert order.status is OrderStatus.OPEN, (order.status, order.reason)
    return order


def _shown_ids(panel: Any) -> set[str]:
    model = panel.model
    return {str(model.row_at(r).key) for r in range(model.rowCount())}


def test_three_sessions_in_one_window(  # type: ignore[no-untyped-def]
    paper_exchange_factory, make_main_window, ui_memory_keyring, tmp_path
) -> None:
    paper_a = paper_exchange_factory(faults=False)
    paper_b = paper_exchange_factory(faults=False)
    alice = paper_a.control.create_account({"USDT": "5000"})
    bob = paper_a.control.create_account({"USDT": "5000"})
    b_key, b_secret = paper_b.accounts[0]

    data = tmp_path / "app"
    config = AppPaths.from_override(data).config
    config.mkdir(parents=True, exist_ok=True)
    (config / "settings.json").write_text(
        json.dumps({"paper": {"others": {"paper2": paper_b.url}}}), encoding="utf-8"
    )
    run = make_main_window(paper_a, data_dir=data)
    drv, c, w = run.driver, run.controller, run.window
    assert "paper2" in c.services.exchange.catalogue

    mode = c.trading.session.mode
    s_alice = drv.run(c.connect_venue("paper", mode, "alice", credentials=alice), 60)
    s_bob = drv.run(c.connect_venue("paper", mode, "bob", credentials=bob), 60)
    keys = {"alice": s_alice.key, "bob": s_bob.key}
    for key in keys.values():
        drv.until(lambda k=key: c.services.orders.entry_ready(k), 30, f"{key} reconciled")
    at_venue = {
        "alice": (paper_a, alice["apiKey"]),
        "bob": (paper_a, bob["apiKey"]),
        "b": (paper_b, b_key),
    }
    for handle, api_key in at_venue.values():
        assert _open_at(handle, api_key) == set()

    # one order per paper account, each through the ticket's Send-to list
    price = _mid(run) * Decimal("0.96")
    placed: dict[str, str] = {}
    picker = run.panels.entry.session_picker
    drv.until(lambda: picker.isVisible() and picker.count() == 3, 10, "the Send-to list")
    for name in ("alice", "bob"):
        drv.do(lambda n=name: picker.pick(keys[n]))
        assert c.trading.session == keys[name]
        order = _place(run, price)
        assert order.session == keys[name]
        placed[name] = str(order.client_order_id)

    # paper exchange B through Venue > Connect: its Test reaches B (not A), Save connects
    w.actions_by_id["connect"].trigger()
    dialog = drv.until(lambda: c.connect.dialog, 5, "the connect dialog")
    dialog.set_venue("paper2")
    dialog.set_mode(mode)
    dialog.secret_edits["apiKey"].setText(b_key)
    dialog.secret_edits["secret"].setText(b_secret)
    drv.do(dialog.request_test)
    drv.until(lambda: "markets loaded" in dialog.result_label.text(), 30, "the test result")
    assert "✔ balance read" in dialog.result_label.text(), dialog.result_label.text()
    drv.until(dialog.save_button.isEnabled, 5, "Save to enable after a passing test")
    drv.do(dialog.request_save)
    drv.until(lambda: c.venue == "paper2", 30, "paper2 to become the active venue")
    keys["b"] = c.trading.session
    assert keys["b"].venue == VenueId("paper2") and keys["b"].account == AccountLabel("default")
    assert keys["b"] in c.services.by_key and len(set(keys.values())) == 3
    drv.until(lambda: c.services.orders.entry_ready(keys["b"]), 30, "paper2 reconciled")
    order = _place(run, _mid(run) * Decimal("0.96"))
    assert order.session == keys["b"]
    placed["b"] = str(order.client_order_id)

    # each order rests on its own account only
    for name, (handle, api_key) in at_venue.items():
        assert _open_at(handle, api_key) == {placed[name]}, name
    assert not set(placed.values()) & _open_at(paper_a, paper_a.accounts[0][0])

    # the open-orders panel: all sessions show all three; one session shows only its own
    panel = run.panels.open_orders
    panel.only_symbol.setChecked(False)
    drv.until(lambda: set(placed.values()) <= _shown_ids(panel), 10, "every order in Open orders")
    for name, key in keys.items():
        drv.do(lambda k=key: panel.session_filter.select(k))
        drv.until(lambda n=name: _shown_ids(panel) == {placed[n]}, 10, f"only {name}'s order")
    drv.do(lambda: panel.session_filter.select(None))

    # the stop on bob's session, from the Trading menu, with bob's session active
    drv.run(c.switch_venue("paper"), 30)
    drv.do(lambda: picker.pick(keys["bob"]))
    assert c.trading.session == keys["bob"]
    drv.do(w.actions_by_id["stop_session"].trigger)
    stop = c.services.safety.stop
    assert [s.target for s in stop.states] == [StopTarget(session=keys["bob"])]
    drv.until(lambda: _open_at(paper_a, bob["apiKey"]) == set(), 20, "bob's order cancelled")
    drv.until(lambda: c.safety.last_sweep is not None, 20, "the sweep result")
    assert c.safety.last_sweep.ok
    assert [v.account for v in c.safety.last_sweep.venues] == ["bob"]
    # the others stay open at their venues, and their sessions still take orders
    assert _open_at(paper_a, alice["apiKey"]) == {placed["alice"]}
    assert _open_at(paper_b, b_key) == {placed["b"]}
    assert stop.submissions_blocked(keys["bob"], "BTC/USDT") is not None
    assert stop.submissions_blocked(keys["alice"], "BTC/USDT") is None
    assert stop.submissions_blocked(keys["b"], "BTC/USDT") is None
    drv.do(lambda: picker.pick(keys["alice"]))
    again = _place(run, price)
    assert again.session == keys["alice"]
    assert _open_at(paper_a, alice["apiKey"]) == {placed["alice"], str(again.client_order_id)}

    for cid in (placed["alice"], str(again.client_order_id), placed["b"]):
        drv.run(c.services.orders.cancel(cid), 30)
    dialog = c.safety.ask_reset()
    dialog.input.setText("RESET STOP")
    drv.do(dialog.ok_button.click)
    drv.until(lambda: not stop.engaged, 5, "the reset")
