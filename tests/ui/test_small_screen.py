"""A 1024x600 screen: the whole window with its panels fits, and stays usable.

The chart folds its timeframe and indicator buttons into menus when narrow, the order
book's minimum is honest (its header drops the units where they would overlap), the
ticket scrolls when its dock is short, and the safety controls stay inside the window.
Real widgets offscreen; the window test drives the real paper exchange.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from PySide6.QtCore import QPoint, QRect, QSize, Qt
from PySide6.QtGui import QFontMetricsF
from PySide6.QtWidgets import QApplication, QHBoxLayout, QWidget

from terminal.core.ports import Refusal
from terminal.domain.ids import Symbol
from terminal.domain.market import MarketRules
from terminal.domain.marketdata import Ticker
from terminal.ui.panels.order_entry import MIN_VISIBLE_HEIGHT, OrderEntryPanel
from terminal.ui.panels.watchlist import WatchlistPanel
from terminal.ui.safety_controls import ICON_GAP_PX, ICON_PX, EmergencyStopButton
from terminal.ui.theme import ThemeManager
from terminal.ui.widgets.chart import CandleChartWidget
from terminal.ui.widgets.orderbook import OrderBookLadder

D = Decimal
SCREEN = QSize(1024, 600)
BTC = MarketRules(Symbol("BTC/USDT"), "BTC", "USDT", tick_size=D("0.01"), step_size=D("0.00001"))


@pytest.fixture(params=["dark", "light"])
def themed(request, qapp):  # type: ignore[no-untyped-def]
    before_sheet, before_palette = qapp.styleSheet(), qapp.palette()
    ThemeManager(qapp).apply(request.param)
    yield request.param
    qapp.setStyleSheet(before_sheet)
    qapp.setPalette(before_palette)


def _in_window(widget: QWidget, window: QWidget) -> QRect:
    return QRect(widget.mapTo(window, QPoint(0, 0)), widget.size())


# ------------------------------------------------------------------ the whole window


def test_the_window_with_its_panels_fits_a_1024x600_screen(make_main_window, paper_for_ui) -> None:  # type: ignore[no-untyped-def]
    run = make_main_window(paper_for_ui)
    w, c, drv = run.window, run.controller, run.driver
    drv.until(lambda: c.panels.chart is not None, 20, "the chart")
    chart = c.panels.chart
    drv.do(lambda: w.resize(SCREEN))
    drv.until(lambda: w.size() == SCREEN, 5, "the window at 1024x600")
    QApplication.processEvents()
    for what, size in (("minimumSizeHint", w.minimumSizeHint()), ("minimumSize", w.minimumSize())):
        assert size.width() <= SCREEN.width() and size.height() <= SCREEN.height(), (
            f"{what} {size.width()}x{size.height()} is larger than 1024x600"
        )
    for widget in (w.lock_switch, w.stop_button):
        assert widget.isVisible(), widget.objectName()
        rect = _in_window(widget, w)
        assert w.rect().contains(rect), f"{widget.objectName()} at {rect} outside {w.rect()}"
        assert w.childAt(rect.center()) is widget, f"{widget.objectName()} is covered"
    # the book is at least as wide as it says it needs, and its header fits it
    book = c.panels.book.ladder
    assert book.width() >= book.minimumSizeHint().width()
    assert book._width_for(*book.shown_header()) <= book.width()
    # the chart is narrow: the indicators and the timeframes are in menus, which still work
    drv.until(lambda: chart.toolbar_form == 2, 5, "the chart's toolbar to fold")
    assert chart.tf_menu_button.isVisible() and not chart.tf_buttons["5m"].isVisible()
    drv.do(lambda: chart.tf_actions["5m"].trigger())
    drv.until(lambda: c.timeframe == "5m" and chart.timeframe == "5m", 10, "the timeframe switch")
    assert chart.tf_menu_button.text().startswith("5m")
    assert chart.tf_actions["5m"].isChecked()


# ------------------------------------------------------------------ the chart's toolbar


def test_chart_toolbar_folds_as_it_narrows_and_stays_usable(qtbot, themed) -> None:  # type: ignore[no-untyped-def]
    host = QWidget()
    qtbot.addWidget(host)
    QHBoxLayout(host).setContentsMargins(0, 0, 0, 0)
    chart = CandleChartWidget(BTC)
    host.layout().addWidget(chart)
    host.resize(800, 400)
    host.show()
    qtbot.waitUntil(lambda: chart.toolbar_form == 0, timeout=3000)
    full, folded, both = (chart.toolbar_width(f) for f in range(3))
    assert both < folded < full
    assert chart.minimumSizeHint().width() <= 300  # was 582 with every button
    for width, form in ((full, 0), (full - 1, 1), (folded - 1, 2), (300, 2), (800, 0)):
        host.resize(width, 400)
        qtbot.waitUntil(lambda form=form: chart.toolbar_form == form, timeout=3000)

        # whatever the form, once laid out nothing in the row is squeezed or cut off
        def whole() -> bool:
            shown = [
                b
                for b in (
                    chart.tf_menu_button,
                    *chart.tf_buttons.values(),
                    chart.indicator_menu_button,
                    *chart.indicator_buttons.values(),
                    chart.follow_button,
                )
                if b.isVisible()
            ]
            return all(
                b.width() >= b.sizeHint().width() and b.geometry().right() < chart.width()
                for b in shown
            )

        qtbot.waitUntil(whole, timeout=3000)
    host.resize(300, 400)
    qtbot.waitUntil(lambda: chart.toolbar_form == 2, timeout=3000)
    picked: list[str] = []
    chart.timeframeChanged.connect(picked.append)
    chart.tf_actions["4h"].trigger()
    assert picked == ["4h"]
    chart.set_timeframe("4h")  # what the controller does once the candles are asked for
    assert chart.tf_menu_button.text().startswith("4h") and chart.tf_buttons["4h"].isChecked()
    chart.indicator_actions["vwap"].trigger()  # the indicators menu toggles the lines
    vwap_on = chart.indicator_actions["vwap"].isChecked()
    assert chart.line_items["vwap"].isVisible() == vwap_on
    assert chart.indicator_buttons["vwap"].isChecked() == vwap_on  # both forms agree
    chart.indicator_buttons["vwap"].setChecked(not vwap_on)
    assert chart.indicator_actions["vwap"].isChecked() == (not vwap_on)


# ------------------------------------------------------------------ the order book


def test_order_book_minimum_is_honest_and_its_header_shortens(qtbot, themed) -> None:  # type: ignore[no-untyped-def]
    ladder = OrderBookLadder(BTC)
    qtbot.addWidget(ladder)
    ladder.resize(400, 300)
    ladder.show()
    assert ladder.shown_header() == ("Price (USDT)", "Size (BTC)", "Total (BTC)")
    minimum = ladder.minimumSizeHint().width()
    ladder.resize(minimum, 300)
    qtbot.waitUntil(lambda: ladder.width() == minimum, timeout=3000)
    price, size, total = ladder.shown_header()
    assert (price, size, total) == ("Price", "Size", "Total")
    # placed as painted: price from the left, size right-aligned at 68 %, total at the right
    fm = QFontMetricsF(ladder.font())
    w = float(ladder.width())
    price_end = 6 + fm.horizontalAdvance(price)
    size_start = w * 0.68 - 6 - fm.horizontalAdvance(size)
    total_start = w - 6 - fm.horizontalAdvance(total)
    assert price_end < size_start and w * 0.68 - 6 < total_start
    # and the full header would not have fitted at 180 px: the old minimum overlapped
    assert ladder._width_for(*ladder.header_texts(True)) > 180


# ------------------------------------------------------------------ the ticket


def test_ticket_has_no_empty_strip_and_scrolls_when_short(qtbot, themed) -> None:  # type: ignore[no-untyped-def]
    panel = OrderEntryPanel()
    qtbot.addWidget(panel)
    panel.set_market(BTC)
    panel.resize(300, 500)
    panel.show()
    qtbot.waitExposed(panel)
    assert panel.testAttribute(Qt.WidgetAttribute.WA_StyledBackground)
    assert not panel.status_label.isVisible() and not panel.refusals_box.isVisible()
    # between the fee line and the submit button there is only the layout's spacing
    gap = panel.submit_button.geometry().top() - panel.fee_label.geometry().bottom()
    assert gap <= 2 * panel.form.layout().spacing() + 1, gap
    panel.show_refusals([Refusal("max_notional", "Above the notional limit", True)])
    assert panel.refusals_box.isVisible()
    panel.show_refusals([])
    assert not panel.refusals_box.isVisible()
    panel.submit_finished(False, "Refused by the venue")
    assert panel.status_label.isVisible() and panel.status_label.text() == "Refused by the venue"
    # short dock: the panel's minimum height is small and the form scrolls
    assert panel.minimumSizeHint().height() <= MIN_VISIBLE_HEIGHT
    panel.resize(panel.minimumSizeHint().width(), MIN_VISIBLE_HEIGHT)
    qtbot.waitUntil(lambda: panel.scroll_area.verticalScrollBar().maximum() > 0, timeout=3000)
    panel.scroll_area.ensureWidgetVisible(panel.submit_button)
    top = panel.submit_button.mapTo(panel.scroll_area.viewport(), QPoint(0, 0)).y()
    assert 0 <= top < panel.scroll_area.viewport().height()


# ------------------------------------------------------------------ the watchlist


def test_watchlist_prices_use_the_market_precision_once_known(qtbot) -> None:  # type: ignore[no-untyped-def]
    panel = WatchlistPanel(symbols=["BTC/USDT", "ETH/USDT"])
    qtbot.addWidget(panel)
    panel.set_tickers(
        {
            Symbol("BTC/USDT"): Ticker(Symbol("BTC/USDT"), last=D("60002.5")),
            Symbol("ETH/USDT"): Ticker(Symbol("ETH/USDT"), last=D("3000.1")),
        }
    )
    panel.refresh()
    last = panel.model.index(0, 1)
    assert panel.model.data(last, Qt.ItemDataRole.DisplayRole) == "60002.5"  # no rules yet
    eth = MarketRules(Symbol("ETH/USDT"), "ETH", "USDT", tick_size=D("0.01"), step_size=D("0.0001"))
    panel.set_markets({Symbol("BTC/USDT"): BTC, Symbol("ETH/USDT"): eth})
    assert panel.refresh()
    assert panel.model.data(panel.model.index(0, 1), Qt.ItemDataRole.DisplayRole) == "60002.50"
    assert panel.model.data(panel.model.index(1, 1), Qt.ItemDataRole.DisplayRole) == "3000.10"
    assert panel.completer.model().stringList() == ["BTC/USDT", "ETH/USDT"]


# ------------------------------------------------------------------ the stop button


def test_stop_button_icon_keeps_a_gap_before_its_text(qtbot, themed) -> None:  # type: ignore[no-untyped-def]
    for compact in (False, True):
        button = EmergencyStopButton("F12")
        qtbot.addWidget(button)
        button.set_compact(compact)
        button.show()
        assert button.iconSize() == QSize(ICON_PX + ICON_GAP_PX, ICON_PX)
        image = button.icon().pixmap(button.iconSize()).toImage()
        dpr = image.devicePixelRatio()
        # the right-hand ICON_GAP_PX columns of the icon are empty: that is the gap
        for x in range(int(ICON_PX * dpr), image.width()):
            assert all(image.pixelColor(x, y).alpha() == 0 for y in range(image.height()))
        # the octagon itself is there
        assert any(
            image.pixelColor(x, image.height() // 2).alpha() > 0 for x in range(int(ICON_PX * dpr))
        )
        assert button.width() >= button.sizeHint().width()
