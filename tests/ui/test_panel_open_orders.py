"""Open orders panel: diffs keep the selection, Delete cancels, UNKNOWN and stale stand out."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from PySide6.QtCore import Qt

from terminal.domain.enums import OrderType, Side
from terminal.domain.ids import ClientOrderId, Symbol, TradeId, VenueId, VenueOrderId
from terminal.domain.order import (
    Order,
    OrderAccepted,
    OrderFilled,
    OrderStatus,
    OutcomeUnknown,
)
from terminal.ui.frame import FrameClock, LatestValue
from terminal.ui.panels._style import AMBER_Q, UNKNOWN_BG_Q
from terminal.ui.panels._table import BACKGROUND, FOREGROUND, TOOLTIP
from terminal.ui.panels.open_orders import C_AGE, C_STATUS, OpenOrdersPanel

from .screens import qt_exec_usable  # noqa: F401 (autouse fixture)

D = Decimal
T0 = datetime(2026, 11, 21, 8, 0, 0, tzinfo=UTC)


class FakeNow:
    """The panel's wall clock, moved by the test (ages and lingering depend on it)."""

    def __init__(self, t: datetime) -> None:
        self.t = t

    def __call__(self) -> datetime:
        return self.t


def order(
    n: int,
    status: OrderStatus = OrderStatus.PENDING_SUBMIT,
    side: Side = Side.BUY,
    symbol: str = "BTC/USDT",
    venue: str = "paper",
    age_s: float = 10,
) -> Order:
    o = Order(
        client_order_id=ClientOrderId(f"tt{n:016d}"),
        venue=VenueId(venue),
        symbol=Symbol(symbol),
        side=side,
        type=OrderType.LIMIT,
        amount=D("0.5"),
        price=D("100.5") + n,
        created_at=T0 - timedelta(seconds=age_s),
        updated_at=T0 - timedelta(seconds=age_s),
    )
    o.status = status
    return o


@pytest.fixture
def clock():
    return FakeNow(T0)


@pytest.fixture
def panel(qtbot, clock):
    p = OpenOrdersPanel(frame_clock=FrameClock(), now=clock, stale_after_s=3600, linger_s=5)
    qtbot.addWidget(p)
    p.set_active("paper", "BTC/USDT")
    p.resize(900, 240)
    p.show()
    return p


def cell(p, row, col, role=0):
    return p.model.data(p.model.index(row, col), role)


def test_submitted_order_appears_pending_then_changes_state_in_place(panel):
    o1 = order(1, age_s=30)
    panel.set_orders([o1])
    assert panel.refresh()
    assert panel.model.rowCount() == 1
    assert cell(panel, 0, C_STATUS) == "PENDING"
    live = o1.copy()
    live.apply(OrderAccepted(VenueOrderId("9001")))
    panel.set_orders([live])
    panel.refresh()
    assert cell(panel, 0, C_STATUS) == "OPEN"
    assert cell(panel, 0, 10) == "9001"
    live.apply(OrderFilled(TradeId("t1"), D("101.5"), D("0.2")))
    panel.set_orders([live])
    panel.refresh()
    assert cell(panel, 0, C_STATUS) == "PARTIAL"
    assert cell(panel, 0, 7) == "0.2"
    assert not panel.refresh()  # nothing new: no work


def test_diff_keeps_the_selection_on_the_same_order(panel):
    a, b = order(1, OrderStatus.OPEN, age_s=50), order(2, OrderStatus.OPEN, age_s=40)
    panel.set_orders([a, b])
    panel.refresh()
    assert panel.select(str(a.client_order_id))
    c = order(3, age_s=1)  # newest: inserted on top, a moves down
    b2 = b.copy()
    b2.status = OrderStatus.PENDING_CANCEL
    panel.set_orders([a, b2, c])
    panel.refresh()
    assert panel.model.keys()[0] == c.client_order_id
    assert panel.selected_ids() == [a.client_order_id]
    panel.set_orders([a, c])  # b gone
    panel.refresh()
    assert panel.selected_ids() == [a.client_order_id]
    assert panel.model.rowCount() == 2


def test_delete_key_cancels_selected_once_and_skips_uncancellable(qtbot, panel):
    a, p = order(1, OrderStatus.OPEN, age_s=50), order(2, OrderStatus.PENDING_SUBMIT, age_s=5)
    panel.set_orders([a, p])
    panel.refresh()
    got = []
    panel.cancelRequested.connect(got.append)
    panel.table.setFocus()
    panel.select(str(a.client_order_id))
    assert panel.cancel_button.isEnabled()
    qtbot.keyClick(panel.table, Qt.Key.Key_Delete)
    qtbot.keyClick(panel.table, Qt.Key.Key_Delete)  # auto-repeat / impatience
    assert got == [a.client_order_id]
    panel.select(str(p.client_order_id))
    assert not panel.cancel_button.isEnabled()
    qtbot.keyClick(panel.table, Qt.Key.Key_Delete)
    assert got == [a.client_order_id]


def test_cancel_all_for_symbol_and_venue(qtbot, panel):
    got = []
    panel.cancelAllRequested.connect(lambda v, s: got.append((v, s)))
    assert panel.cancel_symbol_button.text() == "Cancel all BTC/USDT"
    qtbot.mouseClick(panel.cancel_symbol_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(panel.cancel_venue_button, Qt.MouseButton.LeftButton)
    assert got == [("paper", "BTC/USDT"), ("paper", None)]


def test_unknown_is_amber_with_tooltip_and_stale_is_flagged(panel):
    u = order(1, age_s=20)
    u.apply(OutcomeUnknown(reason="timeout"))
    old = order(2, OrderStatus.OPEN, age_s=7200)
    panel.set_orders([u, old])
    panel.refresh()
    r_u = panel.model.row_of(u.client_order_id)
    r_old = panel.model.row_of(old.client_order_id)
    assert cell(panel, r_u, C_STATUS) == "UNKNOWN"
    assert cell(panel, r_u, 2, BACKGROUND) == UNKNOWN_BG_Q
    tip = cell(panel, r_u, 2, TOOLTIP)
    assert "Outcome unknown" in tip and "will not send it again" in tip and "timeout" in tip
    assert cell(panel, r_old, C_AGE) == "2h 00m"
    assert cell(panel, r_old, C_AGE, FOREGROUND) == AMBER_Q
    assert "Stale" in cell(panel, r_old, C_AGE, TOOLTIP)
    assert cell(panel, r_old, 2, BACKGROUND) is not None


def test_final_orders_linger_then_leave_and_ages_tick(panel, clock):
    f = order(1, OrderStatus.OPEN, age_s=3)
    f.apply(OrderFilled(TradeId("t9"), D("101"), D("0.5"), at=T0))
    assert f.status is OrderStatus.FILLED
    panel.set_orders([f])
    panel.refresh()
    assert cell(panel, 0, C_STATUS) == "FILLED"
    clock.t = T0 + timedelta(seconds=6)
    panel._dirty = True
    panel.refresh()
    assert panel.model.rowCount() == 0


def test_only_current_symbol_filter(panel):
    panel.set_orders([order(1, OrderStatus.OPEN), order(2, OrderStatus.OPEN, symbol="ETH/USDT")])
    panel.refresh()
    assert panel.model.rowCount() == 2
    panel.only_symbol.setChecked(True)
    panel.refresh()
    assert panel.model.rowCount() == 1 and cell(panel, 0, 2) == "BTC/USDT"


def test_provider_is_polled_on_frames(panel):
    cellv = LatestValue([order(1)])
    panel.set_orders_provider(cellv)
    panel.refresh()
    assert panel.model.rowCount() == 1
    cellv.set([order(1), order(2)])
    panel.refresh()
    assert panel.model.rowCount() == 2


def test_screenshot(panel, shot):
    u = order(3, age_s=12, side=Side.SELL)
    u.apply(OutcomeUnknown(reason="timeout"))
    part = order(2, OrderStatus.OPEN, age_s=95)
    part.apply(OrderFilled(TradeId("t1"), D("102.5"), D("0.2")))
    rows = [
        order(1, age_s=1),
        part,
        u,
        order(4, OrderStatus.OPEN, Side.SELL, age_s=7300),
        order(5, OrderStatus.PENDING_CANCEL, age_s=400, symbol="ETH/USDT"),
    ]
    panel.set_orders(rows)
    panel.refresh()
    panel.select(str(part.client_order_id))
    shot(panel, "open_orders")


def test_ctrl_c_copies_selected_rows(qtbot, panel):
    from PySide6.QtGui import QGuiApplication

    a = order(1, OrderStatus.OPEN, age_s=50)
    panel.set_orders([a])
    panel.refresh()
    panel.table.setFocus()
    panel.select(str(a.client_order_id))
    qtbot.keyClick(panel.table, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    text = QGuiApplication.clipboard().text()
    assert text.split("\t")[1:4] == ["paper PAPER", "BTC/USDT", "BUY"]
    assert str(a.client_order_id) in text


def test_context_menu_offers_cancel_and_copy(qtbot, panel):
    from PySide6.QtGui import QGuiApplication

    a = order(1, OrderStatus.OPEN, age_s=50)
    a.venue_order_id = VenueOrderId("777")
    panel.set_orders([a])
    panel.refresh()
    rect = panel.table.visualRect(panel.model.index(0, 2))
    panel.table.customContextMenuRequested.emit(rect.center())
    menu = panel.context_menu
    texts = [act.text() for act in menu.actions() if act.text()]
    assert texts[0].startswith("Cancel"), texts
    assert menu.actions()[0].isEnabled(), (panel.selected_ids(), panel.cancel_button.isEnabled())
    got = []
    panel.cancelRequested.connect(got.append)
    menu.actions()[0].trigger()
    assert got == [a.client_order_id]
    next(act for act in menu.actions() if act.text() == "Copy venue order id").trigger()
    assert QGuiApplication.clipboard().text() == "777"
    menu.close()
