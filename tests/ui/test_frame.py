"""The frame clock: panels repaint from the latest state at the frame rate, once per
version, and a failing or deleted panel never stops the others."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import logging
from decimal import Decimal as D

from terminal.domain.ids import Symbol
from terminal.domain.market import MarketRules
from terminal.domain.marketdata import BookLevel, BookView
from terminal.ui.frame import (
    FrameClock,
    FrameCounter,
    LatestValue,
    ProviderPoll,
)
from terminal.ui.widgets.orderbook import OrderBookLadder
from terminal.ui.widgets.tape import TradesTapeWidget

SYM = Symbol("BTC/USDT")
RULES = MarketRules(SYM, "BTC", "USDT", tick_size=D("0.01"), step_size=D("0.0001"))


def book(shift: int) -> BookView:
    return BookView(
        SYM,
        tuple(BookLevel(D("100.00") - D("0.01") * i, D(1 + shift)) for i in range(20)),
        tuple(BookLevel(D("100.01") + D("0.01") * i, D(1)) for i in range(20)),
    )


def test_frame_counter_counts_frames_in_the_last_second():
    now = [100.0]
    counter = FrameCounter(clock=lambda: now[0])
    for _ in range(30):
        counter.mark(0.002)
        now[0] += 1 / 60
    assert counter.total == 30 and counter.fps == 30 and counter.last_paint_s == 0.002
    now[0] += 2.0
    assert counter.fps == 0 and counter.total == 30


def test_provider_poll_applies_each_version_once():
    cell: LatestValue[str] = LatestValue("a")
    poll = ProviderPoll()
    assert poll.poll() == (False, None)  # no provider
    poll.set(cell)
    assert poll.poll() == (True, "a")
    assert poll.poll() == (False, None)
    cell.set("b")
    cell.set("c")  # two writes between polls: only the latest is seen
    assert poll.poll() == (True, "c")
    assert cell.version == 2


def test_clock_coalesces_a_burst_into_one_paint(qtbot):
    clock = FrameClock(rate_hz=30)
    ladder = OrderBookLadder(RULES)
    qtbot.addWidget(ladder)
    ladder.resize(300, 400)
    ladder.show()
    qtbot.waitExposed(ladder)
    cell: LatestValue[BookView] = LatestValue()
    ladder.set_provider(cell)
    clock.register(ladder)
    clock.register(ladder)  # twice is once
    assert len(clock.panels) == 1
    qtbot.wait(20)
    before = ladder.frames.total
    for i in range(1000):  # a feed burst between two frames
        cell.set(book(i))
    assert clock.tick() == 1
    qtbot.waitUntil(lambda: ladder.frames.total == before + 1, timeout=2000)
    assert ladder.ladder().bids[0].size_text == "1000.0000"  # the latest book
    assert clock.tick() == 0  # same version: no repaint
    qtbot.wait(30)
    assert ladder.frames.total == before + 1


def test_running_clock_paints_at_most_once_per_tick(qtbot):
    clock = FrameClock(rate_hz=50)
    assert clock.rate_hz == 50
    tape = TradesTapeWidget(RULES)
    ladder = OrderBookLadder(RULES)
    for w in (tape, ladder):
        qtbot.addWidget(w)
        w.resize(250, 300)
        w.show()
    cell: LatestValue[BookView] = LatestValue(book(0))
    ladder.set_provider(cell)
    clock.register(ladder)
    clock.register(tape)
    qtbot.wait(20)
    start_ticks, start_frames = clock.ticks, ladder.frames.total
    clock.start()
    try:
        n = 0

        def fed() -> bool:  # a feed writing far faster than the frame rate
            nonlocal n
            for _ in range(50):
                n += 1
                cell.set(book(n))
            return clock.ticks - start_ticks >= 10

        qtbot.waitUntil(fed, timeout=5000)
    finally:
        clock.stop()
    assert not clock.is_running
    painted = ladder.frames.total - start_frames
    ticks = clock.ticks - start_ticks
    assert 1 <= painted <= ticks + 1, (painted, ticks)
    assert n >= 500  # many more messages than paints
    stats = clock.stats()
    assert set(stats) == {"orderbook", "tape"} and stats["orderbook"] >= 1


def test_failing_panel_is_logged_and_others_still_refresh(qtbot, caplog):
    class Broken:
        frames = FrameCounter()

        def refresh(self) -> bool:
            raise ZeroDivisionError("boom")

    clock = FrameClock()
    ladder = OrderBookLadder(RULES)
    qtbot.addWidget(ladder)
    ladder.show()
    clock.register(Broken())
    clock.register(ladder)
    ladder.set_book(book(1))
    with caplog.at_level(logging.ERROR, logger="terminal.ui.frame"):
        assert clock.tick() == 1
        clock.tick()
    assert sum("failed to refresh" in r.message for r in caplog.records) == 1  # not per frame


def test_deleted_panel_is_forgotten(qtbot):
    clock = FrameClock()
    ladder = OrderBookLadder(RULES)
    clock.register(ladder)
    assert len(clock.panels) == 1
    ladder.deleteLater()
    qtbot.waitUntil(lambda: not clock.panels, timeout=2000)
    clock.tick()


def test_rate_is_clamped(qapp):
    clock = FrameClock(rate_hz=1000)
    assert clock.rate_hz == 120
    clock.set_rate_hz(0)
    assert clock.rate_hz == 1


def test_chart_on_the_clock_paints_once_per_tick_whatever_the_update_rate(qtbot):
    from terminal.domain.marketdata import Candle
    from terminal.ui.widgets.chart import CandleChartWidget

    t0 = 1_763_683_200_000
    history = [
        Candle(t0 + i * 60_000, D("100"), D("101"), D("99"), D("100.5"), D("3")) for i in range(300)
    ]
    cell: LatestValue[list[Candle]] = LatestValue(history)
    chart = CandleChartWidget(RULES)
    qtbot.addWidget(chart)
    chart.resize(800, 500)
    chart.show()
    qtbot.waitExposed(chart)
    chart.set_provider(cell)
    clock = FrameClock()
    clock.register(chart)
    assert clock.tick() == 1
    qtbot.waitUntil(lambda: chart.frames.total >= 1, timeout=2000)
    qtbot.wait(50)
    before = chart.frames.total
    last = history[-1]
    for j in range(200):  # the forming candle ticks 200 times between two frames
        forming = Candle(
            last.open_time_ms, last.open, D(101) + j, last.low, D(101) + j, last.volume
        )
        cell.set([*history[:-1], forming])
    qtbot.wait(50)
    assert chart.frames.total == before  # stored, not painted
    assert clock.tick() == 1
    qtbot.waitUntil(lambda: chart.frames.total > before, timeout=2000)
    qtbot.wait(100)
    # one frame; pyqtgraph paints a second time when the y range moved (it did: the
    # forming candle's high rose), never once per update
    assert 1 <= chart.frames.total - before <= 2
    assert chart.series.c[-1] == 300.0
    assert clock.tick() == 0
