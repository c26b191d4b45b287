"""Watchlist panel: add (with the market search), remove, activate, tickers."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from decimal import Decimal

import pytest
from PySide6.QtCore import Qt

from terminal.domain.ids import Symbol
from terminal.domain.marketdata import Ticker
from terminal.ui.panels._style import BUY_Q, SELL_Q
from terminal.ui.panels._table import FOREGROUND
from terminal.ui.panels.watchlist import WatchlistPanel

from .screens import qt_exec_usable  # noqa: F401 (autouse fixture)

D = Decimal
MARKETS = ["BTC/USDT", "ETH/USDT", "SOL/USDT", "ETH/BTC", "XRP/USDT", "DOGE/USDT"]


@pytest.fixture
def panel(qtbot):
    p = WatchlistPanel(symbols=["BTC/USDT", "eth/usdt", "bad symbol", "ETH/BTC"])
    qtbot.addWidget(p)
    p.set_markets(MARKETS)
    p.resize(380, 260)
    p.show()
    p.refresh()
    return p


def test_initial_symbols_are_normalised(panel):
    assert panel.symbols() == ["BTC/USDT", "ETH/USDT", "ETH/BTC"]
    assert panel.model.rowCount() == 3


def test_add_with_completer_and_refusals(qtbot, panel):
    changes = []
    panel.watchlistChanged.connect(changes.append)
    panel.add_edit.setFocus()
    qtbot.keyClicks(panel.add_edit, "sol")
    panel.completer.complete()
    popup = panel.completer.popup()
    assert [popup.model().index(i, 0).data() for i in range(popup.model().rowCount())] == [
        "SOL/USDT"
    ]
    panel.add_edit.setText("sol/usdt")
    qtbot.keyClick(panel.add_edit, Qt.Key.Key_Return)
    assert panel.symbols()[-1] == "SOL/USDT"
    assert changes == [["BTC/USDT", "ETH/USDT", "ETH/BTC", "SOL/USDT"]]
    assert panel.add_edit.text() == ""
    assert panel.selected_symbol() == "SOL/USDT"
    assert not panel.add_symbol("ABC/USDT")
    assert panel.message.text() == "ABC/USDT is not a market on this venue"
    assert not panel.add_symbol("BTC/USDT")
    assert "already" in panel.message.text()
    assert not panel.add_symbol("nonsense")
    assert len(changes) == 1


def test_remove_by_delete_key_and_button(qtbot, panel):
    changes = []
    panel.watchlistChanged.connect(changes.append)
    panel.table.setFocus()
    panel.table.selectRow(1)
    qtbot.keyClick(panel.table, Qt.Key.Key_Delete)
    assert panel.symbols() == ["BTC/USDT", "ETH/BTC"]
    assert panel.selected_symbol() == "ETH/BTC"  # selection moves to the next row
    qtbot.mouseClick(panel.remove_button, Qt.MouseButton.LeftButton)
    assert changes == [["BTC/USDT", "ETH/BTC"], ["BTC/USDT"]]


def test_click_and_enter_activate(qtbot, panel):
    got = []
    panel.symbolActivated.connect(got.append)
    rect = panel.table.visualRect(panel.model.index(2, 1))
    qtbot.mouseClick(panel.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert got == ["ETH/BTC"]
    panel.table.setFocus()
    panel.table.setCurrentIndex(panel.model.index(0, 0))
    qtbot.keyClick(panel.table, Qt.Key.Key_Return)
    assert got == ["ETH/BTC", "BTC/USDT"]
    panel.refresh()
    assert panel.model.data(panel.model.index(0, 0), 6).bold()


def test_tickers_show_price_change_and_volume(panel):
    panel.set_tickers(
        {
            Symbol("BTC/USDT"): Ticker(
                Symbol("BTC/USDT"),
                last=D("97123.45"),
                change_percent=D("2.345"),
                quote_volume=D("1234567890"),
            ),
            Symbol("ETH/USDT"): Ticker(
                Symbol("ETH/USDT"),
                last=D("3100.1"),
                change_percent=D("-1.5"),
                base_volume=D("1520.5"),
            ),
        }
    )
    panel.refresh()
    m = panel.model
    assert [m.data(m.index(0, c)) for c in range(4)] == ["BTC/USDT", "97123.45", "+2.35%", "1.23B"]
    assert m.data(m.index(1, 2)) == "-1.50%" and m.data(m.index(1, 3)) == "1.52K"
    assert m.data(m.index(0, 2), FOREGROUND) == BUY_Q
    assert m.data(m.index(1, 2), FOREGROUND) == SELL_Q
    assert m.data(m.index(2, 1)) == "—"


def test_screenshot(panel, shot):
    panel.set_tickers(
        {
            "BTC/USDT": Ticker(
                Symbol("BTC/USDT"),
                last=D("97123.45"),
                change_percent=D("2.3"),
                quote_volume=D("1234567890"),
            ),
            "ETH/USDT": Ticker(
                Symbol("ETH/USDT"),
                last=D("3100.1"),
                change_percent=D("-1.5"),
                quote_volume=D("45678901"),
            ),
        }
    )
    panel.set_active_symbol("BTC/USDT")
    panel.refresh()
    shot(panel, "watchlist")
