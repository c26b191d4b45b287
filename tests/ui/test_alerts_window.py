"""Price alerts on the whole main window against a real paper exchange.

An alert made in the alerts panel survives a restart, shows as a line on the chart,
and fires exactly once (sound, desktop notification, notifications panel, history row)
when the paper market's last price crosses its level; a restart after that shows it
fired, with its history, and it never fires again. The chart's right-click and the
price ladder's right-click make alerts too, and dragging an alert's line moves it. Real
widgets offscreen, loopback only.
"""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from terminal.core.alerts.model import AlertKind, AlertState, Direction, PriceSource
from terminal.ui.widgets.chart_menu import ALERT

pytestmark = pytest.mark.timeout(300)


def _ready(run: Any) -> None:
    c, drv = run.controller, run.driver
    drv.until(
        lambda: c.alerts is not None and c.alerts.loaded and c.alerts.last_price() is not None,
        30,
        "alerts loaded and a last price",
    )


def _trade(run: Any, paper: Any, side: str, price: Decimal) -> None:
    run.driver.run(asyncio.to_thread(paper.control.force_trade, "BTC/USDT", side, str(price)), 15)


def test_an_alert_fires_once_with_sound_and_notification_and_survives_restarts(
    make_main_window, paper_for_ui, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    data = tmp_path / "alerts"
    first = make_main_window(paper_for_ui, data_dir=data)
    _ready(first)
    c, drv = first.controller, first.driver
    panel = c.panels.alerts
    tick = c.panels.entry.rules.tick_size
    last = c.alerts.last_price()
    level = (last * Decimal("1.03")).quantize(tick)

    # a bad value is refused in one line, nothing is added
    panel.value_edit.setText("abc")
    drv.do(lambda: QTest.mouseClick(panel.add_button, Qt.MouseButton.LeftButton))
    assert "not a number" in panel.status_label.text() and c.alerts.engine.alerts() == []

    panel.set_source(PriceSource.LAST)
    panel.set_condition(AlertKind.CROSS, Direction.UP)
    panel.value_edit.setText(str(level))
    drv.do(lambda: QTest.mouseClick(panel.add_button, Qt.MouseButton.LeftButton))
    (made,) = c.alerts.engine.alerts()
    assert made.level == level and made.direction is Direction.UP and made.active
    drv.until(lambda: panel.alerts_table.rowCount() == 1, 5, "the alert listed")
    first.close()

    # restart: the alert is back, active, as a line on the chart
    second = make_main_window(paper_for_ui, data_dir=data)
    _ready(second)
    c, drv = second.controller, second.driver
    (alert,) = c.alerts.engine.alerts()
    assert alert.alert_id == made.alert_id and alert.active and alert.level == level
    drv.until(
        lambda: c.alerts.lines is not None and made.alert_id in c.alerts.lines.labels(),
        60,
        "the alert's line on the chart",
    )
    assert str(level) in c.alerts.lines.labels()[made.alert_id]
    assert c.alerts.fired == [] and c.alerts.sound.played == []

    # the paper market's last price crosses the level: it fires, once (after a first
    # fresh price has told the engine which side of the level the market is on)
    drv.until(lambda: c.alerts.engine.has_side(made.alert_id), 30, "a fresh last price")
    _trade(second, paper_for_ui, "BUY", (level * Decimal("1.01")).quantize(tick))
    drv.until(lambda: c.alerts.fired, 30, "the alert to fire")
    (firing,) = c.alerts.fired
    assert firing.alert_id == made.alert_id and firing.price >= level
    assert [p for _, p in c.alerts.sound.played] == [str(c.alerts.sound.path)]
    assert c.alerts.sound.path.name == "alert.wav" and c.alerts.sound.path.is_file()
    assert len(c.alerts.notifier.sent) == 1 and firing.text in c.alerts.notifier.sent[0][2]
    assert any(firing.text in text for _, text in c.panels.notifications.entries())
    assert c.panels.alerts.history_table.rowCount() == 1
    drv.until(lambda: made.alert_id not in c.alerts.lines.labels(), 5, "the line to go")
    # down and up through the level again: a one-shot alert stays fired
    _trade(second, paper_for_ui, "SELL", (level * Decimal("0.98")).quantize(tick))
    drv.sleep(2.5)
    _trade(second, paper_for_ui, "BUY", (level * Decimal("1.01")).quantize(tick))
    drv.sleep(3.0)
    assert len(c.alerts.fired) == 1 and len(c.alerts.sound.played) == 1
    assert len(c.alerts.notifier.sent) == 1
    second.close()

    # and after another restart it is listed as fired, with its history row
    third = make_main_window(paper_for_ui, data_dir=data)
    _ready(third)
    c, drv = third.controller, third.driver
    (alert,) = c.alerts.engine.alerts()
    assert alert.state is AlertState.FIRED and alert.fired_count == 1
    assert c.panels.alerts.history_table.rowCount() == 1
    assert c.alerts.engine.markets() == set()


def test_alerts_from_the_chart_and_the_ladder_menus(make_main_window, paper_for_ui) -> None:  # type: ignore[no-untyped-def]
    run = make_main_window(paper_for_ui)
    _ready(run)
    c, drv = run.controller, run.driver
    drv.until(lambda: c.chart_trading is not None, 60, "the chart")
    last = c.alerts.last_price()
    tick = c.panels.entry.rules.tick_size
    below = str((last * Decimal("0.9")).quantize(tick))
    menu = drv.do(lambda: c.chart_trading.menu.open_at(below))
    action = next(a for a in menu.actions() if a.objectName() == ALERT)
    drv.do(action.trigger)
    menu.close()  # a click on the action closes it; trigger() does not
    (alert,) = c.alerts.engine.alerts()
    assert alert.level == Decimal(below) and alert.direction is Direction.DOWN
    assert alert.source is PriceSource.LAST
    drv.until(lambda: alert.alert_id in c.alerts.lines.labels(), 5, "its line")
    # dragging the line (the chart's draggable line layer) moves the alert's level
    lower = (last * Decimal("0.85")).quantize(tick)
    drv.do(lambda: c.alerts.lines.drop(alert.alert_id, lower))
    (alert,) = c.alerts.engine.alerts()
    assert alert.level == lower and alert.direction is Direction.DOWN
    drv.until(lambda: str(lower) in c.alerts.lines.labels().get(alert.alert_id, ""), 5, "moved")
    below = str(lower)

    above = str((last * Decimal("1.1")).quantize(tick))
    ladder_menu = drv.do(lambda: c.panels.dom.view.open_alert_menu(above))
    drv.do(next(a for a in ladder_menu.actions() if a.objectName() == "alert").trigger)
    alerts = c.alerts.engine.alerts()
    assert [(a.level, a.direction) for a in alerts] == [
        (Decimal(below), Direction.DOWN),
        (Decimal(above), Direction.UP),
    ]
    panel = c.panels.alerts
    drv.until(lambda: panel.alerts_table.rowCount() == 2, 5, "both listed")
    panel.alerts_table.selectRow(0)
    drv.do(lambda: QTest.mouseClick(panel.delete_button, Qt.MouseButton.LeftButton))
    assert [a.level for a in c.alerts.engine.alerts()] == [Decimal(above)]
    drv.until(lambda: alert.alert_id not in c.alerts.lines.labels(), 5, "its line gone")
