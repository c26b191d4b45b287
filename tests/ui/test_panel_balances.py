"""Balances panel: venues combined or alone, hide-small, valuation in a quote currency."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from decimal import Decimal

import pytest
from PySide6.QtCore import Qt

from terminal.domain.marketdata import Balance, Balances
from terminal.ui.panels.balances import BalancesPanel

from .screens import qt_exec_usable  # noqa: F401 (autouse fixture)

D = Decimal


def bals(**assets: tuple[str, str]) -> Balances:
    return Balances({a: Balance(a, D(f), D(u)) for a, (f, u) in assets.items()})


@pytest.fixture
def panel(qtbot):
    p = BalancesPanel(quote="USDT")
    qtbot.addWidget(p)
    p.set_balances("paper", bals(USDT=("1000", "250.5"), BTC=("0.5", "0.1"), DOGE=("3", "0")))
    p.set_balances(
        "binance", bals(USDT=("10", "0"), BTC=("0.25", "0"), XYZ=("7", "0"), ETH=("0", "0"))
    )
    p.set_prices({"BTC": D("100000"), "DOGE": D("0.1"), "ETH": D("3000")})
    p.resize(520, 260)
    p.show()
    return p


def table(p) -> dict[str, tuple[str, ...]]:
    return {r.key: r.cells for r in p.model.rows}


def test_all_venues_are_combined(panel):
    panel.refresh()
    t = table(panel)
    assert t["USDT"] == ("USDT", "1,010", "250.5", "1,260.5", "1,261")  # whole units from 1,000
    assert t["BTC"] == ("BTC", "0.75", "0.1", "0.85", "85,000")
    assert t["XYZ"][4] == "—"
    assert panel.model.keys()[0] == "BTC"  # largest value first
    assert panel.total_label.text() == "Total ≈ 86,260.80 USDT  (1 asset without a price)"


def test_one_venue_alone(panel):
    panel.refresh()
    assert [panel.venue_combo.itemText(i) for i in range(panel.venue_combo.count())] == [
        "All sessions",
        "binance",
        "paper",
    ]
    panel.set_view("paper")
    panel.refresh()
    assert table(panel)["USDT"][1:4] == ("1,000", "250.5", "1,250.5")
    assert "XYZ" not in table(panel)
    panel.set_balances("paper", None)  # disconnected
    panel.refresh()
    assert panel.current_view() is None  # back to all: paper is gone
    assert table(panel)["USDT"][3] == "10"


def test_hide_small_hides_dust_and_empty_but_keeps_unpriced(panel):
    panel.refresh()
    assert {"DOGE", "ETH"} <= set(table(panel))
    panel.hide_small.setChecked(True)
    panel.refresh()
    t = table(panel)
    assert "DOGE" not in t  # worth 0.30 USDT
    assert "ETH" not in t  # empty
    assert "XYZ" in t  # no price: cannot tell it is small
    assert panel.total_label.text().startswith("Total ≈ 86,260.80 USDT")


def test_price_callable_and_quote_change(panel):
    panel.set_prices(lambda a: {"BTC": D("95000.5")}.get(a), quote="USDT")
    panel.set_view("binance")
    panel.refresh()
    assert table(panel)["BTC"][4] == "23,750"
    panel.set_prices(lambda a: {"USDT": D("0.00001")}.get(a), quote="BTC")
    panel.refresh()
    assert panel.model.headerData(4, Qt.Orientation.Horizontal) == "≈ BTC"
    assert table(panel)["BTC"][4] == "0.25"


def test_screenshot(panel, shot):
    panel.refresh()
    shot(panel, "balances")


def test_columns_fit_their_text_after_updates(qtbot, panel):
    panel.resize(300, 200)
    panel.refresh()
    panel.set_balances("paper", bals(USDT=("123456789.5", "250.5"), BTC=("0.5", "0.1")))
    panel.refresh()
    t = panel.table
    for c in range(4):  # the last column stretches
        assert t.columnWidth(c) >= t.sizeHintForColumn(c), c


def test_values_round_half_up_and_drop_cents_when_large(panel):
    panel.set_view("binance")
    panel.set_prices({"BTC": D("9.38")})  # 0.25 BTC -> 2.345
    panel.refresh()
    assert table(panel)["BTC"][4] == "2.35"
    panel.set_prices({"BTC": D("3999.96")})  # 999.99: cents below 1,000
    panel.refresh()
    assert table(panel)["BTC"][4] == "999.99"
    panel.set_prices({"BTC": D("4001.8")})  # 1,000.45: whole units from 1,000
    panel.refresh()
    assert table(panel)["BTC"][4] == "1,000"
    panel.set_prices({"BTC": D("100000.06")})
    panel.refresh()
    assert table(panel)["BTC"][4] == "25,000"
    assert panel.total_label.text().startswith("Total ≈ 25,010.02 USDT")
