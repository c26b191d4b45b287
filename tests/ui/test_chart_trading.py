"""Trading from the chart on the whole main window against a real paper exchange: a
right-click on the price pane offers buy/sell limit and stop at the clicked price on
the tick; each goes through a confirmation and lands on the venue (read back with a
separate ccxt client). Real widgets offscreen, loopback only."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtTest import QTest

from terminal.core.marketstate import FeedKind
from terminal.domain.enums import OrderType, Side
from terminal.domain.order import OrderStatus
from terminal.ui.widgets.chart_menu import BUY_LIMIT, STOP
from tests.fixtures_paper import paper_rest

pytestmark = pytest.mark.timeout(240)


def _venue_orders(run: Any, paper: Any) -> dict[str, dict]:
    async def fetch() -> list[dict]:
        async with paper_rest(paper) as ex:
            return await ex.fetch_open_orders("BTC/USDT")

    return {o["clientOrderId"]: o for o in run.driver.run(fetch(), 30)}


def _choose(run: Any, menu: Any, kind: str) -> None:
    action = next(a for a in menu.actions() if a.objectName() == kind)
    assert action.isEnabled()
    run.driver.do(action.trigger)


def test_right_click_on_the_chart_buys_at_that_price_and_places_a_stop(
    make_main_window, paper_for_ui
) -> None:  # type: ignore[no-untyped-def]
    run = make_main_window(paper_for_ui)
    c, drv, entry = run.controller, run.driver, run.panels.entry
    drv.until(
        lambda: c.chart_trading is not None and len(c.panels.chart.series) > 50,
        30,
        "the chart with candles",
    )
    drv.until(lambda: entry.blocked_reason is None, 30, "order entry to open")
    entry.set_amount("0.01")
    chart = c.panels.chart
    book = c.state.book_view(c.market.active.key(FeedKind.BOOK), 1)
    bid = float(book.best_bid.price)
    vb = chart.price_vb
    (x0, x1), (y0, y1) = vb.viewRange()
    y = y0 + 0.3 * (min(bid, y1) - y0)  # under the bid, inside the pane
    scene = vb.mapViewToScene(QPointF((x0 + x1) / 2, y))
    pos = chart.graphics.mapFromScene(scene)
    drv.do(
        lambda: QTest.mouseClick(
            chart.graphics.viewport(),
            Qt.MouseButton.RightButton,
            Qt.KeyboardModifier.NoModifier,
            pos,
        )
    )
    menu = drv.until(lambda: c.chart_trading.menu.menu, 5, "the chart's trade menu")
    price_text = c.chart_trading.menu.price_text
    price = Decimal(price_text)
    rules = entry.rules
    assert price % rules.tick_size == 0, price_text  # on the tick
    assert abs(float(price) - y) <= float(y1 - y0) / 50, (price, y)  # where it was clicked
    assert price < book.best_bid.price

    last = c.trading.last_submit
    _choose(run, menu, BUY_LIMIT)
    dialog = drv.until(lambda: entry.confirmation, 5, "the ticket's confirmation")
    assert entry.current_side() is Side.BUY and Decimal(entry.price_edit.text()) == price
    drv.until(lambda: dialog.armed, 5, "Send to arm")
    drv.do(lambda: QTest.mouseClick(dialog.send_button, Qt.MouseButton.LeftButton))
    drv.until(lambda: c.trading.last_submit is not last and not entry.pending, 20, "the buy")
    order = c.trading.last_submit
    assert order.status is OrderStatus.OPEN and order.price == price, (order.status, order.reason)
    coid = str(order.client_order_id)
    listed = drv.until(
        lambda: (v := _venue_orders(run, paper_for_ui)) and coid in v and v,
        15,
        "the buy on the venue",
        interval=0.3,
    )
    assert Decimal(str(listed[coid]["price"])) == price

    # "Stop here" at that price (below the last price): a sell stop-market, confirmed
    menu = drv.do(lambda: c.chart_trading.menu.open_at(price_text))
    _choose(run, menu, STOP)
    stop_dialog = drv.until(lambda: c.chart_trading.stops.confirmation, 5, "the stop's dialog")
    assert stop_dialog.value_labels["Trigger"].text().startswith(rules.format_price(price))
    drv.until(lambda: stop_dialog.armed, 5, "Send to arm")
    drv.do(lambda: QTest.mouseClick(stop_dialog.send_button, Qt.MouseButton.LeftButton))
    stop = drv.until(lambda: c.chart_trading.stops.last_order, 20, "the stop")
    assert stop.type is OrderType.STOP_MARKET and stop.side is Side.SELL
    assert stop.status is OrderStatus.PENDING_TRIGGER and stop.trigger_price == price
    assert str(stop.client_order_id) in _venue_orders(run, paper_for_ui)
