"""Dragging order lines on the chart of the whole main window against a real paper
exchange (the real ccxt client): dragging a stop's line with the mouse amends its
trigger on the venue (read back with a separate ccxt client); Escape during a drag puts
the line back and sends nothing; a drop the order service refuses (a sell stop above
the last price would fire at once) snaps back with the reason. Offscreen, loopback."""

from __future__ import annotations

import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from terminal.domain.enums import OrderType, Side
from terminal.domain.order import OrderRequest, OrderStatus
from tests.fixtures_paper import paper_rest

pytestmark = pytest.mark.timeout(240)


def _venue_orders(run: Any, paper: Any) -> dict[str, dict]:
    async def fetch() -> list[dict]:
        async with paper_rest(paper) as ex:
            return await ex.fetch_open_orders("BTC/USDT")

    return {o["clientOrderId"]: o for o in run.driver.run(fetch(), 30)}


def _point(chart: Any, price: float) -> QPoint:
    vb = chart.price_vb
    (x0, x1), _ = vb.viewRange()
    scene = vb.mapViewToScene(QPointF(x0 + 0.5 * (x1 - x0), price))
    return chart.graphics.mapFromScene(scene)


def _mouse(viewport: Any, kind: QEvent.Type, pos: QPoint, buttons: Any) -> None:
    button = Qt.MouseButton.LeftButton if kind != QEvent.Type.MouseMove else Qt.MouseButton.NoButton
    event = QMouseEvent(
        kind,
        QPointF(pos),
        QPointF(viewport.mapToGlobal(pos)),
        button,
        buttons,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(viewport, event)


def _drag(
    chart: Any, start: float, end_of: Callable[[float, float], float], release: bool = True
) -> tuple[float, float]:
    """Press on the line at `start`, move in steps to `end_of(bottom, top)` of the pane
    as it is when the drag starts (the live chart rescales its price axis as candles
    change), release: a real drag. Returns the price under the drop point and one pixel
    in price."""
    (_, _), (y0, y1) = chart.price_vb.viewRange()
    end = end_of(y0, y1)
    px = (y1 - y0) / chart.price_vb.height()
    viewport = chart.graphics.viewport()
    left = Qt.MouseButton.LeftButton
    a, b = _point(chart, start), _point(chart, end)
    _mouse(viewport, QEvent.Type.MouseButtonPress, a, left)
    for i in range(1, 11):
        p = QPoint(a.x(), round(a.y() + (b.y() - a.y()) * i / 10))
        time.sleep(0.03)  # pyqtgraph drops moves closer together than its rate limit
        _mouse(viewport, QEvent.Type.MouseMove, p, left)
    if release:
        _mouse(viewport, QEvent.Type.MouseButtonRelease, b, Qt.MouseButton.NoButton)
    return chart.price_vb.mapSceneToView(chart.graphics.mapToScene(b)).y(), px


def _place_stop(run: Any, below: Decimal) -> Any:
    c = run.controller
    rules = run.panels.entry.rules
    session = c.trading.session
    trigger = (below / rules.tick_size).to_integral_value() * rules.tick_size
    request = OrderRequest(
        venue=session.venue,
        symbol=rules.symbol,
        side=Side.SELL,
        type=OrderType.STOP_MARKET,
        amount=Decimal("0.01"),
        trigger_price=trigger,
        mode=session.mode,
        account=session.account,
    )
    order = run.driver.run(c.services.orders.submit(request), 30)
    assert order.status is OrderStatus.PENDING_TRIGGER, (order.status, order.reason)
    c.trading.orders_version += 1
    return order


def test_dragging_a_stop_line_amends_the_stop_on_the_venue(make_main_window, paper_for_ui) -> None:  # type: ignore[no-untyped-def]
    run = make_main_window(paper_for_ui)
    c, drv = run.controller, run.driver
    drv.until(
        lambda: c.chart_trading is not None and len(c.panels.chart.series) > 50,
        30,
        "the chart with candles",
    )
    drv.until(lambda: run.panels.entry.blocked_reason is None, 30, "order entry to open")
    chart = c.panels.chart
    rules = run.panels.entry.rules
    last = chart.last_price()
    chart.set_follow(False)  # a still view: the price axis must not rescale mid-drag
    (_, _), (y0, _) = chart.price_vb.viewRange()
    low = Decimal(str(y0))
    stop = _place_stop(run, low + (last - low) * Decimal("0.6"))
    key = str(stop.client_order_id)
    layer = chart.order_marks.layer
    drv.until(lambda: (s := layer.spec(key)) is not None and s.draggable, 10, "the stop's line")
    spec = layer.spec(key)
    assert spec.style.name == "DASHED" and spec.tooltip == "Drag to amend", spec
    assert spec.text.startswith("SL SELL 0.01"), spec.text
    trigger = float(stop.trigger_price)

    # Escape in the middle of a drag: the line goes back, nothing is sent
    target, px = drv.do(
        lambda: (*_drag(chart, trigger, lambda lo, _hi: (lo + trigger) / 2, release=False),)
    )
    assert layer.dragging == key
    tolerance = 3 * px  # press and drop on whole pixels
    assert abs(layer.shown_price(key) - target) < tolerance
    drv.do(lambda: QTest.keyClick(chart.graphics, Qt.Key.Key_Escape))
    drv.do(
        lambda: _mouse(
            chart.graphics.viewport(),
            QEvent.Type.MouseButtonRelease,
            _point(chart, target),
            Qt.MouseButton.NoButton,
        )
    )
    assert layer.dragging is None and layer.shown_price(key) == trigger
    assert c.chart_trading.drags.confirmation is None

    # a real drag down: confirmation, then the venue holds the stop at the new trigger
    target, px = drv.do(lambda: _drag(chart, trigger, lambda lo, _hi: (lo + trigger) / 2))
    tolerance = 3 * px
    dialog = drv.until(lambda: c.chart_trading.drags.confirmation, 5, "the amend dialog")
    new_trigger = Decimal(str(layer.shown_price(key))).quantize(rules.tick_size)
    assert new_trigger % rules.tick_size == 0
    assert abs(float(new_trigger) - target) < tolerance
    assert f"-> {rules.format_price(new_trigger)}" in dialog.text, dialog.text
    drv.until(lambda: dialog.armed, 5, "Amend to arm")
    drv.do(lambda: QTest.mouseClick(dialog.amend_button, Qt.MouseButton.LeftButton))
    result = drv.until(lambda: c.chart_trading.drags.last_result, 30, "the amend")
    assert result.status is OrderStatus.PENDING_TRIGGER, (result.status, result.reason)
    assert result.trigger_price == new_trigger
    venue = drv.until(
        lambda: (v := _venue_orders(run, paper_for_ui)) and key not in v and v,
        15,
        "the old stop gone from the venue",
        interval=0.3,
    )
    new = venue[str(result.client_order_id)]
    assert Decimal(str(new["triggerPrice"])) == new_trigger
    assert new["info"]["type"] == "STOP_LOSS" and new["side"] == "sell"
    new_key = str(result.client_order_id)
    drv.until(lambda: layer.spec(new_key) is not None, 10, "the amended stop's line")
    assert layer.spec(key) is None

    # dropped above the last price: refused before sending, the line snaps back
    c.chart_trading.drags.confirm = False
    last = chart.last_price()
    above, _ = drv.do(
        lambda: _drag(chart, float(new_trigger), lambda _lo, hi: hi - (hi - float(last)) / 4)
    )
    assert above > float(last), (above, last)
    drv.until(
        lambda: "Not amended" in c.chart_trading.last_message, 20, "the refusal", interval=0.1
    )
    assert layer.shown_price(new_key) == float(new_trigger)
    assert new_key in _venue_orders(run, paper_for_ui)
    drv.run(c.services.orders.cancel(result.client_order_id), 30)


def test_dragging_the_stop_of_an_oco_replaces_the_pair_on_the_venue(
    make_main_window, paper_for_ui
) -> None:  # type: ignore[no-untyped-def]
    from terminal.domain.enums import LegRole
    from terminal.domain.orderlist import ProtectionRequest

    run = make_main_window(paper_for_ui)
    c, drv = run.controller, run.driver
    drv.until(
        lambda: c.chart_trading is not None and len(c.panels.chart.series) > 50,
        30,
        "the chart with candles",
    )
    drv.until(lambda: run.panels.entry.blocked_reason is None, 30, "order entry to open")
    chart = c.panels.chart
    rules = run.panels.entry.rules
    last = chart.last_price()
    chart.set_follow(False)
    (_, _), (y0, y1) = chart.price_vb.viewRange()
    low, high = Decimal(str(y0)), Decimal(str(y1))
    tick = rules.tick_size
    stop = ((low + (last - low) * Decimal("0.6")) / tick).to_integral_value() * tick
    target = ((last + (high - last) * Decimal("0.6")) / tick).to_integral_value() * tick
    session = c.trading.session
    req = ProtectionRequest(
        session.venue,
        rules.symbol,
        Side.SELL,
        Decimal("0.01000"),
        stop,
        target,
        account=session.account,
    )
    old_list, legs = run.driver.run(c.services.orders.place_oco(req), 30)
    c.trading.orders_version += 1
    stop_leg = next(o for o in legs if o.leg_role is LegRole.STOP)
    key = str(stop_leg.client_order_id)
    layer = chart.order_marks.layer
    drv.until(lambda: (s := layer.spec(key)) is not None and s.draggable, 10, "the stop's line")
    assert layer.spec(key).tooltip.startswith("Drag to move: the pair is replaced")

    target_y, px = drv.do(lambda: _drag(chart, float(stop), lambda lo, _hi: (lo + float(stop)) / 2))
    dialog = drv.until(lambda: c.chart_trading.drags.confirmation, 5, "the move's dialog")
    assert f"pair {old_list.list_id}" in dialog.text and "replaced" in dialog.text
    new_trigger = Decimal(str(layer.shown_price(key))).quantize(tick)
    drv.until(lambda: dialog.armed, 5, "Amend to arm")
    drv.do(lambda: QTest.mouseClick(dialog.amend_button, Qt.MouseButton.LeftButton))
    result = drv.until(lambda: c.chart_trading.drags.last_result, 30, "the new pair")
    assert result.leg_role is LegRole.STOP and result.trigger_price == new_trigger
    assert abs(float(new_trigger) - target_y) < 3 * px
    venue = _venue_orders(run, paper_for_ui)
    assert not {str(o.client_order_id) for o in legs} & set(venue)
    assert Decimal(str(venue[str(result.client_order_id)]["triggerPrice"])) == new_trigger
    new_target = next(
        o
        for o in venue.values()
        if o["side"] == "sell" and o["clientOrderId"] != str(result.client_order_id)
    )
    assert Decimal(str(new_target["price"])) == target
    drv.run(c.services.orders.cancel_list(result.list_id), 30)
