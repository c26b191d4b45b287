"""The price ladder's rows (no Qt) and its painted widget (pytest-qt): fixed rows at the
step around the centre, grouping, my orders per row, volume counted once per trade,
auto-centre and its pause, what each click emits, the armed frame."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal as D

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor
from PySide6.QtTest import QTest

from terminal.domain.enums import OrderType, Side, VenueMode
from terminal.domain.ids import AccountLabel, ClientOrderId, Symbol, TradeId, VenueId
from terminal.domain.market import MarketRules
from terminal.domain.marketdata import BookLevel, BookView, Trade
from terminal.domain.order import Order, OrderStatus
from terminal.domain.session import MarketType, SessionKey
from terminal.ui.panels.dom_panel import DomPanel
from terminal.ui.session_style import colour_of, short_label
from terminal.ui.widgets.dom import Column, DomFeed, DomLadderView
from terminal.ui.widgets.dom_rows import VolumeAtPrice, build_dom, own_orders_by_row
from terminal.ui.widgets.palette import DARK

SYM = Symbol("BTC/USDT")
RULES = MarketRules(SYM, "BTC", "USDT", tick_size=D("0.5"), step_size=D("0.001"))


def _book() -> BookView:
    bids = tuple(BookLevel(D(100) - D("0.5") * i, D("1.5") + i) for i in range(6))
    asks = tuple(BookLevel(D("100.5") + D("0.5") * i, D(2) + i) for i in range(6))
    return BookView(SYM, bids, asks)


def _order(
    n: int,
    side: Side,
    price: str,
    amount: str = "0.2",
    venue: str = "paper",
    account: str = "default",
) -> Order:
    now = datetime.now(UTC)
    o = Order(
        client_order_id=ClientOrderId(f"dom{n:015d}"),
        venue=VenueId(venue),
        account=AccountLabel(account),
        symbol=SYM,
        side=side,
        type=OrderType.LIMIT,
        amount=D(amount),
        price=D(price),
        created_at=now,
        updated_at=now,
    )
    o.status = OrderStatus.OPEN
    return o


def test_rows_are_fixed_prices_at_the_step_with_sizes_orders_and_volume() -> None:
    own = own_orders_by_row(
        [
            _order(1, Side.BUY, "99"),
            _order(2, Side.BUY, "99"),
            _order(3, Side.SELL, "102", venue="other"),
        ],
        str(SYM),
        D("0.5"),
    )
    ladder = build_dom(
        _book(),
        step=D("0.5"),
        centre=D(100),
        rows=11,
        rules=RULES,
        own=own,
        volume={D(100): D("0.25")},
        last=D(100),
    )
    prices = [r.price for r in ladder.rows]
    assert prices == [D("102.5") - D("0.5") * i for i in range(11)]  # empty rows too
    by = {r.price: r for r in ladder.rows}
    assert by[D(100)].bid_text == "1.500" and by[D(100)].is_last
    assert by[D("100.5")].ask_text == "2.000" and by[D("100.5")].bid_text == ""
    assert by[D(99)].orders_text == "2× 0.4" and by[D(99)].orders.count == 2
    assert [str(k.venue) for k in by[D(102)].orders.sessions] == ["other"]
    assert by[D(100)].volume_text == "0.250" and by[D(100)].volume_frac == 1.0
    # grouped by 2: bids floor, asks ceil into the row's bucket
    grouped = build_dom(_book(), step=D(2), centre=D(100), rows=5, rules=RULES)
    g = {r.price: r for r in grouped.rows}
    assert g[D(100)].bid_text == "1.500"  # 100 only
    assert g[D(98)].bid_text == "16.000"  # 99.5, 99, 98.5, 98: 2.5 + 3.5 + 4.5 + 5.5
    assert g[D(102)].ask_text == "14.000"  # 100.5, 101, 101.5, 102: 2 + 3 + 4 + 5
    assert [r.price_text for r in grouped.rows] == ["104", "102", "100", "98", "96"]


def test_volume_counts_each_trade_once() -> None:
    vol = VolumeAtPrice()
    t1 = Trade(SYM, TradeId("1"), 1000, D(100), D("0.1"), Side.BUY)
    t2 = Trade(SYM, TradeId("2"), 1001, D(100), D("0.2"), Side.SELL)
    assert vol.add([t1]) == 1
    assert vol.add([t1, t2]) == 1  # the ring is read again with one new trade
    assert vol.volume == {D(100): D("0.3")}
    assert vol.grouped(D(5)) == {D(100): D("0.3")}
    vol.clear()
    assert vol.volume == {}


def _view(qtbot) -> DomLadderView:  # type: ignore[no-untyped-def]
    view = DomLadderView(RULES, DARK)
    qtbot.addWidget(view)
    view.resize(380, 400)
    view.show()
    qtbot.waitExposed(view)
    active = _order(1, Side.BUY, "99").session
    view.set_feed(DomFeed(_book(), (_order(1, Side.BUY, "99"),), {D(100): D(1)}, D(100), active))
    assert view.refresh()
    return view


def test_clicks_emit_what_was_clicked_and_drag_emits_a_move(qtbot) -> None:  # type: ignore[no-untyped-def]
    view = _view(qtbot)
    ladder = view.ladder()
    assert ladder.rows[len(ladder.rows) // 2].price == D(100)  # centred on the last price
    got: list[tuple] = []
    view.limitClicked.connect(lambda s, p: got.append(("limit", s, p)))
    view.stopClicked.connect(lambda s, p: got.append(("stop", s, p)))
    view.priceClicked.connect(lambda p: got.append(("price", p)))
    view.ordersClicked.connect(lambda p: got.append(("orders", p)))
    view.ordersDragged.connect(lambda a, b: got.append(("drag", a, b)))
    i99, i98 = ladder.row_of(D(99)), ladder.row_of(D(98))

    def click(i: int, col: Column, mod=Qt.KeyboardModifier.NoModifier) -> None:  # type: ignore[no-untyped-def]
        QTest.mouseClick(
            view, Qt.MouseButton.LeftButton, mod, view.cell_rect(i, col).center().toPoint()
        )

    click(i99, Column.BID)
    click(i99, Column.ASK)
    click(i99, Column.BID, Qt.KeyboardModifier.ShiftModifier)
    click(i99, Column.PRICE)
    click(i99, Column.ORDERS)
    click(i98, Column.ORDERS)  # no orders there: nothing
    click(i99, Column.VOLUME)  # read-only
    start = view.cell_rect(i99, Column.ORDERS).center().toPoint()
    end = view.cell_rect(i98, Column.ORDERS).center().toPoint()
    QTest.mousePress(view, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start)
    QTest.mouseMove(view, end)
    QTest.mouseRelease(view, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, end)
    assert got == [
        ("limit", Side.BUY, "99.0"),
        ("limit", Side.SELL, "99.0"),
        ("stop", Side.BUY, "99.0"),
        ("price", "99.0"),
        ("orders", "99.0"),
        ("drag", "99.0", "98.0"),
    ]


def test_auto_centre_follows_the_last_price_and_scrolling_pauses_it(qtbot) -> None:  # type: ignore[no-untyped-def]
    view = _view(qtbot)
    rows = len(view.ladder().rows)
    far = D(100) + D("0.5") * rows  # off the screen: recentred
    view.set_feed(DomFeed(_book(), last=far))
    assert view.ladder().rows[rows // 2].price == far
    near = far + D("0.5")  # one row away: the rows stay put (no jumping under the cursor)
    view.set_feed(DomFeed(_book(), last=near))
    assert view.ladder().centre == far
    paused: list[bool] = []
    view.autoCentreChanged.connect(paused.append)
    QTest.mouseMove(view, QPoint(100, 100))
    view.scroll_rows(2)
    assert paused == [False] and not view.auto_centre
    assert view.ladder().centre == far + D(1)
    view.set_feed(DomFeed(_book(), last=D(100)))
    assert view.ladder().centre == far + D(1)  # paused: stays
    view.set_auto_centre(True)
    assert view.ladder().centre == D(100)


def test_armed_frame_and_label_and_skip_confirm_cleared_on_disarm(qtbot) -> None:  # type: ignore[no-untyped-def]
    panel = DomPanel(RULES, DARK)
    qtbot.addWidget(panel)
    panel.resize(400, 500)
    panel.show()
    qtbot.waitExposed(panel)
    asked: list[bool] = []
    panel.armToggled.connect(asked.append)
    QTest.mouseClick(panel.arm_button, Qt.MouseButton.LeftButton)
    assert asked == [True] and not panel.armed  # the wiring decides
    panel.set_armed(True)
    panel.skip_confirm_box.setChecked(True)
    assert panel.skip_confirm and panel.state_label.text().startswith("ARMED")
    image = panel.view.grab().toImage()
    assert QColor(image.pixel(1, image.height() // 2)) == QColor(DARK.warning)  # the frame
    panel.set_armed(False, "symbol changed")
    assert not panel.skip_confirm_box.isChecked() and not panel.skip_confirm
    assert panel.state_label.text() == "Disarmed: symbol changed"
    image = panel.view.grab().toImage()
    assert QColor(image.pixel(1, image.height() // 2)) != QColor(DARK.warning)
    height = panel.view.height()
    panel.say("Not sent: a long refusal " * 6, True)
    assert panel.view.height() == height  # a message never moves the rows


def test_a_ladder_stop_sells_below_the_last_price_and_buys_above_it() -> None:
    from terminal.domain.enums import VenueMode
    from terminal.domain.order import OrderRequest
    from terminal.ui.panels.order_confirm import confirmation_fields
    from terminal.ui.wiring.dom_stop import stop_side

    assert stop_side(D("99.5"), D(100)) is Side.SELL
    assert stop_side(D("100.5"), D(100)) is Side.BUY
    assert stop_side(D(100), D(100)) is None  # it would fire at once
    request = OrderRequest(
        VenueId("paper"),
        SYM,
        Side.SELL,
        OrderType.STOP_MARKET,
        D("0.01"),
        trigger_price=D("99.5"),
        mode=VenueMode.PAPER,
    )
    fields = dict(confirmation_fields(request, RULES, None, None))
    assert fields["Type"] == "STOP_MARKET" and fields["Price"] == "market, once triggered"
    assert fields["Trigger"] == "99.5 USDT (last trade price)"


def test_my_orders_show_in_each_sessions_own_colour_even_on_one_venue(qtbot) -> None:  # type: ignore[no-untyped-def]
    """Two accounts of one venue: each row's bar is its session's colour (the ticket's and
    the open-orders panel's), the active session's first; the tooltip names each."""
    alice = SessionKey(VenueId("paper"), VenueMode.PAPER, AccountLabel("alice"), MarketType.SPOT)
    bob = SessionKey(VenueId("paper"), VenueMode.PAPER, AccountLabel("bob"), MarketType.SPOT)
    assert colour_of(alice) != colour_of(bob)  # one process hands each its own colour
    view = DomLadderView(RULES, DARK)
    qtbot.addWidget(view)
    view.resize(380, 400)
    view.show()
    qtbot.waitExposed(view)
    orders = (
        _order(1, Side.BUY, "99", account="alice"),
        _order(2, Side.BUY, "98", account="bob"),
        _order(3, Side.BUY, "97", account="alice"),
        _order(4, Side.BUY, "97", account="bob"),
    )
    view.set_feed(DomFeed(_book(), orders, {}, D(100), bob))
    assert view.refresh()
    ladder = view.ladder()
    image = view.grab().toImage()

    def bar(price: str, k: int) -> QColor:
        rect = view.cell_rect(ladder.row_of(D(price)), Column.ORDERS)
        return QColor(image.pixel(int(rect.left()) + 3 + 4 * k, int(rect.center().y())))

    assert bar("99", 0) == QColor(colour_of(alice))
    assert bar("98", 0) == QColor(colour_of(bob))
    assert bar("97", 0) == QColor(colour_of(bob))  # the active session's bar first
    assert bar("97", 1) == QColor(colour_of(alice))
    assert bar("99", 1) != QColor(colour_of(bob))  # one session, one bar
    row = ladder.rows[ladder.row_of(D(97))]
    assert view.row_sessions(row) == (bob, alice)
    tip = view._orders_tip((ladder.row_of(D(97)), Column.ORDERS))
    assert f"({short_label(bob)}, {short_label(alice)})" in tip
    assert short_label(alice) == "paper/alice PAPER"
