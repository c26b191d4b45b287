"""Sessions on screen: one colour and short label per session (live never in a paper or
demo colour), and the open-orders and history panels filtered by session or showing all."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QSplitter

from terminal.domain.enums import OrderType, Side, VenueMode
from terminal.domain.ids import AccountLabel, ClientOrderId, Symbol, VenueId
from terminal.domain.order import Order, OrderStatus
from terminal.domain.session import MarketType, SessionKey
from terminal.ui.panels._table import FOREGROUND
from terminal.ui.panels.history import HistoryPanel
from terminal.ui.panels.open_orders import C_SESSION, OpenOrdersPanel
from terminal.ui.session_style import (
    LIVE_COLOURS,
    TEST_COLOURS,
    SessionPalette,
    long_label,
    short_label,
)

from .screens import qt_exec_usable  # noqa: F401 (autouse fixture)

NOW = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)
ALICE = SessionKey(VenueId("paper"), VenueMode.PAPER, AccountLabel("alice"))
BOB = SessionKey(VenueId("paper"), VenueMode.PAPER, AccountLabel("bob"))
PAPER2 = SessionKey(VenueId("paper2"), VenueMode.PAPER)
LIVE = SessionKey(VenueId("binance"), VenueMode.LIVE, AccountLabel("main"))
TESTNET = SessionKey(VenueId("binance"), VenueMode.SANDBOX, AccountLabel("main"))


def order(n: int, key: SessionKey, status: OrderStatus = OrderStatus.OPEN) -> Order:
    return Order(
        client_order_id=ClientOrderId(f"s{n:017d}"),
        venue=key.venue,
        symbol=Symbol("BTC/USDT"),
        side=Side.BUY if n % 2 else Side.SELL,
        type=OrderType.LIMIT,
        amount=Decimal("0.01"),
        price=Decimal(60000) + n,
        mode=key.mode,
        account=key.account,
        status=status,
        created_at=NOW - timedelta(minutes=n),
        updated_at=NOW - timedelta(minutes=n),
    )


ORDERS = [order(1, ALICE), order(2, BOB), order(3, PAPER2), order(4, LIVE), order(5, ALICE)]


def test_live_sessions_never_take_a_test_colour():
    assert not set(LIVE_COLOURS) & set(TEST_COLOURS)
    palette = SessionPalette()
    tests = [ALICE, BOB, PAPER2, TESTNET, SessionKey(VenueId("okx"), VenueMode.DEMO)]
    lives = [
        LIVE,
        SessionKey(VenueId("okx"), VenueMode.LIVE),
        *[SessionKey(VenueId("bybit"), VenueMode.LIVE, AccountLabel(f"sub{i}")) for i in range(9)],
    ]
    test_colours = {palette.colour(k) for k in tests}
    live_colours = {palette.colour(k) for k in lives}
    assert len(test_colours) == len(tests)  # distinct while the palette lasts
    assert test_colours <= set(TEST_COLOURS) and live_colours <= set(LIVE_COLOURS)
    assert palette.colour(ALICE) == palette.colour(ALICE)  # stable


def test_short_labels_name_account_environment_and_market():
    assert short_label(ALICE) == "paper/alice PAPER"
    assert short_label(PAPER2) == "paper2 PAPER"
    assert short_label(LIVE) == "binance/main LIVE"
    assert short_label(TESTNET) == "binance/main TEST"
    perp = SessionKey(VenueId("bybit"), VenueMode.DEMO, AccountLabel("default"), MarketType.PERP)
    assert short_label(perp) == "bybit perp DEMO"
    assert "LIVE (real money)" in long_label(LIVE) and "perpetual" in long_label(perp)


def test_open_orders_show_each_session_and_filter_by_one(qtbot):
    panel = OpenOrdersPanel(now=lambda: NOW)
    qtbot.addWidget(panel)
    panel.set_orders(ORDERS)
    panel.refresh()
    cells = {
        panel.model.row_at(r).key: panel.model.row_at(r).cells[C_SESSION]
        for r in range(panel.model.rowCount())
    }
    expected = {1: ALICE, 2: BOB, 3: PAPER2, 4: LIVE, 5: ALICE}
    assert cells == {ORDERS[n - 1].client_order_id: short_label(k) for n, k in expected.items()}
    assert sorted(set(cells.values())) == sorted(short_label(k) for k in (ALICE, BOB, PAPER2, LIVE))
    # the session cell carries the session's colour
    idx = panel.model.index(0, C_SESSION)
    assert panel.model.data(idx, FOREGROUND) is not None
    # the filter offers every session, then shows only the one picked
    offered = [panel.session_filter.itemText(i) for i in range(panel.session_filter.count())]
    assert offered[0] == "All sessions" and len(offered) == 5
    panel.session_filter.select(ALICE)
    panel.refresh()
    shown = [panel.model.row_at(r).key for r in range(panel.model.rowCount())]
    assert sorted(shown) == sorted(o.client_order_id for o in ORDERS if o.account == "alice")
    panel.session_filter.select(None)
    panel.refresh()
    assert panel.model.rowCount() == len(ORDERS)


def test_history_filters_by_session_and_asks_the_journal_for_it(qtbot):
    panel = HistoryPanel(now=lambda: NOW)
    qtbot.addWidget(panel)
    panel.set_filter(range_index=4)
    panel.set_orders(ORDERS)
    assert len(panel.shown_orders) == len(ORDERS)
    queries = []
    panel.queryChanged.connect(queries.append)
    panel.set_filter(session=BOB)
    assert [o.client_order_id for o in panel.shown_orders] == [ORDERS[1].client_order_id]
    assert panel.current_query().session == BOB
    assert queries and queries[-1].session == BOB
    panel.set_filter(session=None)
    assert len(panel.shown_orders) == len(ORDERS)


def test_screenshots(qtbot, shot):
    for w, h in ((1280, 800), (1920, 1080)):
        split = QSplitter()
        qtbot.addWidget(split)
        orders = OpenOrdersPanel(now=lambda: NOW)
        history = HistoryPanel(now=lambda: NOW)
        split.setOrientation(split.orientation().Vertical)
        split.addWidget(orders)
        split.addWidget(history)
        split.resize(w, h)
        orders.set_orders(ORDERS)
        orders.refresh()
        history.set_filter(range_index=4)
        history.set_orders([*ORDERS, order(6, BOB, OrderStatus.FILLED)])
        shot(split, f"sessions_{w}x{h}")


def test_balances_by_session_or_all(qtbot):
    from terminal.domain.marketdata import Balance, Balances
    from terminal.ui.panels.balances import BalancesPanel

    def usdt(total: str) -> Balances:
        return Balances({"USDT": Balance("USDT", Decimal(total), Decimal(0))})

    panel = BalancesPanel()
    qtbot.addWidget(panel)
    panel.set_balances(ALICE, usdt("1000"))
    panel.set_balances(BOB, usdt("2500"))
    panel.set_balances(LIVE, usdt("7"))
    panel.refresh()
    names = [panel.venue_combo.itemText(i) for i in range(panel.venue_combo.count())]
    assert names == ["All sessions", "binance/main LIVE", "paper/alice PAPER", "paper/bob PAPER"]
    assert panel.shown_balances().get("USDT").total == Decimal(3507)
    panel.set_view(BOB)
    assert panel.shown_balances().get("USDT").total == Decimal(2500)
    colour = panel.venue_combo.itemData(1, Qt.ItemDataRole.ForegroundRole)
    assert colour.name() in LIVE_COLOURS
    panel.set_balances(BOB, None)  # bob's session disconnected: back to all
    panel.refresh()
    assert panel.current_view() is None
