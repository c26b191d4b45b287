"""Toast notifications: stacked, replace by key, bounded, auto-hide, click to dismiss."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from decimal import Decimal

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget

from terminal.ui.panels.notifications import ToastHost

from .screens import qt_exec_usable  # noqa: F401 (autouse fixture)


@pytest.fixture
def host(qtbot):
    w = QWidget()
    qtbot.addWidget(w)
    w.resize(800, 500)
    w.show()
    return w


def test_stacked_newest_at_the_bottom_right(qtbot, host):
    toasts = ToastHost(host)
    a = toasts.notify_fill("paper", "BTC/USDT", "buy", Decimal("0.5"), Decimal("97000"))
    b = toasts.notify_rejected("paper", "ETH/USDT", "sell", "insufficient balance")
    assert a.text_label.text() == "Bought 0.5 BTC at 97000 on paper"
    assert b.title_label.text() == "Rejected · SELL ETH/USDT"
    assert b.geometry().bottom() > a.geometry().bottom()
    assert b.geometry().right() == host.width() - 12 - 1
    assert not a.geometry().intersects(b.geometry())
    assert toasts.toasts == [a, b]
    assert not host.focusWidget() or not isinstance(host.focusWidget(), QLabel)


def test_same_key_replaces_and_count_is_bounded(qtbot, host):
    toasts = ToastHost(host, max_toasts=3)
    for i in range(1, 5):
        toasts.notify_fill(
            "paper",
            "BTC/USDT",
            "buy",
            Decimal("0.1"),
            Decimal("100"),
            filled=Decimal(i) / 10,
            total=Decimal("0.5"),
            key="tt1",
        )
    assert len(toasts.toasts) == 1
    assert "0.4 of 0.5 filled" in toasts.toasts[0].text_label.text()
    for i in range(5):
        toasts.notify("Info", f"message {i}")
    assert len(toasts.toasts) == 3
    assert toasts.toasts[-1].text_label.text() == "message 4"


def test_auto_hide_and_click_to_dismiss(qtbot, host):
    toasts = ToastHost(host, timeout_ms=50)
    t = toasts.notify("Filled", "x", "fill")
    qtbot.waitUntil(lambda: not toasts.toasts, timeout=2000)
    keep = toasts.notify("Error", "y", "error", timeout_ms=0)
    qtbot.mouseClick(keep, Qt.MouseButton.LeftButton)
    assert toasts.toasts == []
    del t


def test_follows_host_resize(qtbot, host):
    toasts = ToastHost(host)
    t = toasts.notify("Info", "z")
    host.resize(600, 400)
    qtbot.waitUntil(lambda: t.geometry().right() == 600 - 12 - 1)


def test_screenshot(qtbot, host, shot):
    toasts = ToastHost(host, timeout_ms=0)
    toasts.notify_fill(
        "paper",
        "BTC/USDT",
        "buy",
        Decimal("0.25"),
        Decimal("97012.5"),
        filled=Decimal("0.25"),
        total=Decimal("1"),
    )
    toasts.notify_fill("paper", "ETH/USDT", "sell", Decimal("2"), Decimal("3101.2"))
    toasts.notify_rejected(
        "binance", "SOL/USDT", "buy", "Filter failure: NOTIONAL (order value below the minimum)"
    )
    host.resize(520, 330)
    shot(host, "notifications")


def test_notifications_panel_lists_everything_and_toasts_the_urgent(qtbot, host):
    from terminal.ui.panels.notifications_panel import NotificationsPanel

    panel = NotificationsPanel(toast_host=host, max_items=3)
    qtbot.addWidget(panel)
    panel.add("info", "connected to paper")
    panel.add("fill", "BUY 0.5/0.5 BTC/USDT filled @ 97000")
    panel.add("error", "Order rejected: insufficient balance")
    levels = [lv for lv, _ in panel.entries()]
    assert levels == ["error", "fill", "info"]  # newest first
    assert "insufficient balance" in panel.entries()[0][1]
    toasts = panel.toast_host.toasts
    assert [t.text_label.text() for t in toasts] == [
        "BUY 0.5/0.5 BTC/USDT filled @ 97000",
        "Order rejected: insufficient balance",
    ]
    panel.add("warning", "feed stale")
    assert len(panel.entries()) == 3  # bounded
    panel.toasts_check.setChecked(False)
    panel.add("fill", "another fill")
    assert len(panel.toast_host.toasts) == 3
    panel.add("bogus", "unknown levels are info")
    assert panel.entries()[0][0] == "info"


def test_notifications_panel_screenshot(qtbot, host, shot):
    from terminal.ui.panels.notifications_panel import NotificationsPanel

    panel = NotificationsPanel(toast_host=host)
    qtbot.addWidget(panel)
    panel.add("info", "Connected to paper (paper mode)")
    panel.add("fill", "BUY 0.25/1 BTC/USDT partially filled @ 97012.5")
    panel.add("warning", "Reconciliation: 1 order unknown, checking with the venue")
    panel.add("error", "Order rejected: sell 2 ETH/USDT on paper: insufficient balance")
    panel.resize(560, 180)
    shot(panel, "notifications_panel")
