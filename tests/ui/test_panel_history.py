"""History panel: filters, query signal, CSV export round trip (Decimals exact)."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import csv
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from PySide6.QtWidgets import QFileDialog, QMessageBox

from terminal.domain.enums import OrderType, Side, VenueMode
from terminal.domain.ids import ClientOrderId, Symbol, TradeId, VenueId
from terminal.domain.order import Order, OrderCanceled, OrderFilled, OrderRejected, OrderStatus
from terminal.domain.session import SessionKey
from terminal.journal.records import FillRecord
from terminal.ui.panels.history import HistoryPanel, HistoryQuery

from .screens import qt_exec_usable  # noqa: F401 (autouse fixture)

D = Decimal
NOW = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)


Fill = FillRecord  # the journal's own row type, so the panel is tested on real rows


def mk(
    n,
    venue="paper",
    symbol="BTC/USDT",
    side=Side.BUY,
    age_h=1.0,
    status="filled",
    price="100.10",
    amount="0.12345678",
):
    at = NOW - timedelta(hours=age_h)
    o = Order(
        ClientOrderId(f"tt{n:016d}"),
        VenueId(venue),
        Symbol(symbol),
        side,
        OrderType.LIMIT,
        D(amount),
        D(price),
        created_at=at,
        updated_at=at,
    )
    if status == "filled":
        o.apply(
            OrderFilled(
                TradeId(f"t{n}"),
                D(price),
                D(amount),
                fee=D("0.00012345678"),
                fee_currency="BTC",
                at=at,
            )
        )
    elif status == "canceled":
        o.apply(OrderCanceled(reason="user", at=at))
    elif status == "rejected":
        o.apply(OrderRejected(reason="insufficient balance", at=at))
    return o


def fill(n, venue="paper", symbol="BTC/USDT", side="buy", age_h=1.0):
    return Fill(
        venue,
        f"t{n}",
        f"tt{n:016d}",
        f"{9000 + n}",
        "default",
        symbol,
        side,
        D("100.10"),
        D("0.12345678"),
        D("0.000000001"),
        "BTC",
        n % 2 == 0,
        int((NOW - timedelta(hours=age_h)).timestamp() * 1000),
        SessionKey(VenueId(venue), VenueMode.PAPER),
    )


@pytest.fixture
def panel(qtbot):
    p = HistoryPanel(now=lambda: NOW)
    qtbot.addWidget(p)
    p.set_orders(
        [
            mk(1),
            mk(2, side=Side.SELL, status="canceled"),
            mk(3, venue="binance", symbol="ETH/USDT", status="rejected"),
            mk(4, age_h=24 * 3),
            mk(5, age_h=24 * 20, price="99.5"),
        ]
    )
    p.set_fills(
        [fill(1), fill(4, age_h=72), fill(6, venue="binance", symbol="ETH/USDT", side="sell")]
    )
    p.resize(1000, 300)
    p.show()
    return p


def ids(p):
    return [o.client_order_id[-1] for o in p.shown_orders]


def test_filters(panel):
    assert ids(panel) == ["1", "2", "3", "4"]  # last 7 days by default
    panel.set_filter(range_index=4)
    assert ids(panel) == ["1", "2", "3", "4", "5"]
    panel.set_filter(venue="binance")
    assert ids(panel) == ["3"]
    panel.set_filter(venue="All", symbol="btc/usdt")
    assert ids(panel) == ["1", "2", "4", "5"]
    panel.set_filter(side="sell")
    assert ids(panel) == ["2"]
    panel.set_filter(side="all", status=OrderStatus.FILLED)
    assert ids(panel) == ["1", "4", "5"]
    panel.set_filter(text="0005")
    assert ids(panel) == ["5"]
    panel.set_filter(text="")
    panel.set_filter(symbol="All", status=OrderStatus.REJECTED)
    panel.set_filter(text="insufficient")
    assert ids(panel) == ["3"]
    assert panel.orders_model.rowCount() == 1
    assert panel.orders_model.data(panel.orders_model.index(0, 9)) == "REJECTED"


def test_fill_filters_ignore_status(panel):
    panel.set_filter(status=OrderStatus.REJECTED)
    assert [f.trade_id for f in panel.shown_fills] == ["t1", "t6", "t4"]
    panel.set_filter(side="sell")
    assert [f.trade_id for f in panel.shown_fills] == ["t6"]


def test_journal_filters_emit_a_query(panel):
    got = []
    panel.queryChanged.connect(got.append)
    panel.set_filter(venue="binance")
    panel.set_filter(side="buy")  # local only: no new query
    panel.set_filter(range_index=0)
    since = int((NOW - timedelta(days=1)).timestamp() * 1000)
    assert got == [
        HistoryQuery("binance", None, int((NOW - timedelta(days=7)).timestamp() * 1000)),
        HistoryQuery("binance", None, since),
    ]
    panel.reload_button.click()
    assert len(got) == 3


def test_csv_export_round_trip_keeps_decimals_exact(panel, tmp_path):
    panel.set_filter(range_index=4)
    path = tmp_path / "orders.csv"
    assert panel.export_csv(path, HistoryPanel.ORDERS_TAB) == 5
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    by_id = {r["client_order_id"]: r for r in rows}
    for o in panel.shown_orders:
        r = by_id[o.client_order_id]
        assert D(r["amount"]) == o.amount and r["amount"] == "0.12345678"
        assert D(r["price"]) == o.price
        assert D(r["filled"]) == o.filled
        assert D(r["cost"]) == o.cost
        assert r["status"] == o.status.value and r["side"] == o.side.value
        assert datetime.fromisoformat(r["created_at"]) == o.created_at
    assert by_id["tt0000000000000001"]["fees"] == "BTC:0.00012345678"
    fpath = tmp_path / "fills.csv"
    assert panel.export_csv(fpath, HistoryPanel.FILLS_TAB) == 3
    with open(fpath, newline="", encoding="utf-8") as fh:
        frows = list(csv.DictReader(fh))
    assert [r["trade_id"] for r in frows] == ["t1", "t6", "t4"]
    assert frows[0]["fee"] == "0.000000001"  # not 1E-9
    assert D(frows[0]["value"]) == D("100.10") * D("0.12345678")
    assert frows[0]["is_maker"] == "false"


def test_export_button_uses_a_non_blocking_dialog(qtbot, panel, tmp_path):
    done = []
    panel.exported.connect(lambda p, n: done.append((p, n)))
    panel.tabs.setCurrentIndex(HistoryPanel.FILLS_TAB)
    panel.export_button.click()  # returns at once: the dialog is open(), not exec()
    dlg = panel.findChild(QFileDialog)
    assert dlg is not None and dlg.isVisible()
    target = str(tmp_path / "fills.csv")
    dlg.selectFile(target)
    dlg.accept()
    assert done == [(target, 3)]
    qtbot.waitUntil(lambda: panel._dialog is None)
    # the file exists now: a second export asks first, without a nested loop
    panel.export_button.click()
    dlg = panel.findChild(QFileDialog)
    dlg.selectFile(target)
    dlg.accept()
    box = panel.overwrite_question
    assert box is not None and box.isVisible() and len(done) == 1
    box.button(QMessageBox.StandardButton.Yes).click()
    assert len(done) == 2


def test_export_failure_is_shown(panel, tmp_path):
    assert panel.export_csv(tmp_path / "missing-dir" / "x.csv") == 0
    assert panel.status_label.text().startswith("Export failed")


def test_screenshot(panel, shot):
    panel.set_filter(range_index=4)
    shot(panel, "history")
    panel.tabs.setCurrentIndex(1)
    shot(panel, "history_fills")
