"""The trades tape: bounded, newest first, coloured by taker side, painted on the tick."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from decimal import Decimal as D

from PySide6.QtGui import QColor

from terminal.domain.enums import Side
from terminal.domain.ids import Symbol, TradeId
from terminal.domain.market import MarketRules
from terminal.domain.marketdata import Trade
from terminal.ui.frame import LatestValue
from terminal.ui.widgets.tape import TradesTapeWidget

SYM = Symbol("BTC/USDT")
RULES = MarketRules(SYM, "BTC", "USDT", tick_size=D("0.01"), step_size=D("0.0001"))
T0 = 1_763_700_000_000


def trade(i: int, side: Side | None = Side.BUY, with_id: bool = True) -> Trade:
    return Trade(
        SYM,
        TradeId(str(i)) if with_id else None,
        T0 + i * 1000,
        D("100.00") + D(i % 10),
        D("0.5") + D(i) / 1000,
        side,
    )


def tape(qtbot, **kwargs) -> TradesTapeWidget:
    w = TradesTapeWidget(RULES, **kwargs)
    qtbot.addWidget(w)
    w.resize(280, 360)
    w.show()
    qtbot.waitExposed(w)
    return w


def test_tape_is_bounded_newest_first(qtbot):
    w = tape(qtbot)
    added = w.add_trades(trade(i) for i in range(500))
    assert added == 500
    rows = w.rows()
    assert len(rows) == 200 == w.max_rows
    assert rows[0].price_text == "109.00" and rows[0].size_text == "0.9990"  # trade 499
    assert rows[-1].size_text == "0.8000"  # trade 300, the oldest kept
    # duplicates (same trade id) are skipped, an old id may come back once evicted
    assert w.add_trades([trade(499), trade(450)]) == 0
    assert w.add_trades([trade(501)]) == 1 and len(w.rows()) == 200


def test_trades_without_ids_are_deduplicated_by_value(qtbot):
    w = tape(qtbot, max_rows=10)
    t = trade(1, with_id=False)
    assert w.add_trades([t, t]) == 1
    assert w.add_trades([trade(2, with_id=False)]) == 1


def test_colours_by_taker_side(qtbot):
    w = tape(qtbot)
    w.add_trades([trade(1, Side.SELL), trade(2, Side.BUY)])  # newest (buy) on top
    assert w.refresh()
    img = w.grab().toImage()
    img.save("/tmp/f1_tape_test.png")
    rh = int(w._row_h)

    def counts(row: int) -> tuple[int, int]:
        green = red = 0
        for y in range(rh * (row + 1), rh * (row + 2)):
            for x in range(w.width() // 3, int(w.width() * 0.66)):
                c = QColor(img.pixel(x, y))
                green += c.green() > c.red() + 60
                red += c.red() > c.green() + 60
        return green, red

    g0, r0 = counts(0)
    g1, r1 = counts(1)
    assert g0 > 10 and r0 == 0  # taker buy: green
    assert r1 > 10 and g1 == 0  # taker sell: red


def test_paints_only_on_the_frame_tick_and_pulls_its_provider(qtbot):
    w = tape(qtbot)
    qtbot.wait(20)
    before = w.frames.total
    cell: LatestValue[list[Trade]] = LatestValue([])
    w.set_provider(cell)
    window: list[Trade] = []
    for i in range(300):  # 300 messages between two ticks
        window = ([*window, trade(i)])[-50:]  # the provider's rolling window
        cell.set(list(window))
    qtbot.wait(20)
    assert w.frames.total == before
    assert w.refresh()
    qtbot.waitUntil(lambda: w.frames.total == before + 1, timeout=2000)
    assert len(w.rows()) == 50 and w.rows()[0].key == ("id", "299")
    cell.set([*window, trade(300)])
    assert w.refresh()
    assert len(w.rows()) == 51
    assert not w.refresh()


def test_stale_and_placeholder(qtbot):
    w = tape(qtbot)
    img = w.grab().toImage()
    mid = w.height() // 2
    assert (
        sum(
            QColor(img.pixel(x, y)).lightness() > 90
            for x in range(w.width())
            for y in range(mid - 10, mid + 20)
        )
        > 20
    )
    w.add_trades([trade(i) for i in range(20)])
    w.set_stale(True, "feed silent")
    img = w.grab().toImage()
    assert not any(
        QColor(img.pixel(x, y)).green() > QColor(img.pixel(x, y)).red() + 60
        for x in range(0, w.width(), 2)
        for y in range(0, w.height(), 2)
    )
