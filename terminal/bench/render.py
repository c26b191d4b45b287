"""Rendering benchmark: prints figures, asserts nothing (performance is read, not tested).

    QT_QPA_PLATFORM=offscreen python -m terminal.bench.render [--quick]

1. Order book, 20 asks + 20 bids x 4 columns: the custom-painted ladder vs a
   QTableView + QAbstractTableModel that formats in data() (the naive baseline) and one
   with cached strings; one forced repaint with a new book each time. Beside it, the
   price ladder (DOM) with 60 fixed rows x 5 columns, repainted the same way.
2. Candles on a 1200x700 plot at 1k / 10k / 100k bars: the visible-range item vs a
   QPicture of all bars (the pyqtgraph example style): build, full-range paint, paint
   with the last 200 bars visible, one pan step (translate + paint). Also the whole
   chart widget (candles, volume, three indicators, axes).
"""
# Each closure below is timed inside the loop iteration that made it (B023 does not apply);
# Qt's own signatures default QModelIndex() (B008).
# ruff: noqa: B023, B008

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import argparse
import statistics
import time
from collections.abc import Callable
from decimal import Decimal as D
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QGuiApplication, QPainter, QPicture
from PySide6.QtWidgets import QApplication, QHeaderView, QTableView

from terminal.bench.figures import Figure
from terminal.domain.ids import Symbol
from terminal.domain.market import MarketRules
from terminal.domain.marketdata import BookLevel, BookView, Candle, cumulative
from terminal.ui.widgets.candles import CandleSeries, VisibleSlice, visible_slice
from terminal.ui.widgets.chart import CandleChartWidget
from terminal.ui.widgets.chart_items import CandlesItem
from terminal.ui.widgets.orderbook import OrderBookLadder

SYM = Symbol("BTC/USDT")
RULES = MarketRules(SYM, "BTC", "USDT", tick_size=D("0.01"), step_size=D("0.00001"))


def timed(fn: Callable[[], object], repeat: int) -> tuple[float, float]:
    """(median, p95) of `fn` in milliseconds."""
    samples = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t) * 1000)
    samples.sort()
    return statistics.median(samples), samples[min(len(samples) - 1, int(len(samples) * 0.95))]


# ---- order book ------------------------------------------------------------------------
def books(count: int) -> list[BookView]:
    rng = np.random.default_rng(1)
    out = []
    for _ in range(count):
        amounts = rng.uniform(0.001, 3, 40)
        bids = tuple(
            BookLevel(D("67000.00") - D("0.01") * i, D(f"{amounts[i]:.5f}")) for i in range(20)
        )
        asks = tuple(
            BookLevel(D("67000.01") + D("0.01") * i, D(f"{amounts[20 + i]:.5f}")) for i in range(20)
        )
        out.append(BookView(SYM, bids, asks))
    return out


class NaiveBookModel(QAbstractTableModel):
    """Formats in data() and compares roles as enums: the naive baseline."""

    def __init__(self, cached: bool = False) -> None:
        super().__init__()
        self.rows: list[tuple] = []
        self.cached = cached
        self.calls = 0
        self.green, self.red = QColor("#0ecb81"), QColor("#f6465d")

    def set_book(self, view: BookView) -> None:
        asks = list(reversed(list(zip(view.asks, cumulative(view.asks), strict=False))))
        bids = list(zip(view.bids, cumulative(view.bids), strict=False))
        rows = [("ask", lvl, cum) for lvl, cum in asks] + [("bid", lvl, cum) for lvl, cum in bids]
        shown: list[tuple[object, ...]] = list(rows)
        if self.cached:
            shown = [
                (
                    side,
                    RULES.format_price(lbl.price),
                    RULES.format_amount(lbl.amount),
                    RULES.format_amount(c),
                    side,
                )
                for side, lbl, c in rows
            ]
        self.beginResetModel()
        self.rows = shown
        self.endResetModel()

    def rowCount(self, parent=QModelIndex()) -> int:
        return len(self.rows)

    def columnCount(self, parent=QModelIndex()) -> int:
        return 4

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        self.calls += 1
        row = self.rows[index.row()]
        col = index.column()
        if self.cached:
            if role == 0:
                return row[col] if col < 4 else None
            if role == 9 and col == 0:
                return self.green if row[0] == "bid" else self.red
            return None
        side, lvl, cum = row
        if role == Qt.ItemDataRole.DisplayRole:
            return [
                RULES.format_price(lvl.price),
                RULES.format_amount(lvl.amount),
                RULES.format_amount(cum),
                side,
            ][col]
        if role == Qt.ItemDataRole.ForegroundRole and col == 0:
            return self.green if side == "bid" else self.red
        return None


def bench_orderbook(repeat: int) -> dict[str, float]:
    data = books(64)
    out: dict[str, float] = {}
    print("\n== Order book: 40 levels x 4 columns, one forced repaint with a new book ==")
    print(f"{'implementation':48} {'median ms':>10} {'p95 ms':>8}")
    ladder = OrderBookLadder(RULES, depth=20)
    ladder.resize(360, 900)
    ladder.show()
    QApplication.processEvents()
    i = [0]

    def ladder_frame() -> None:
        ladder.set_book(data[i[0] % len(data)])
        i[0] += 1
        ladder.repaint()

    ladder_frame()
    painted = ladder.frames.total
    med, p95 = timed(ladder_frame, repeat)
    assert ladder.frames.total == painted + repeat, "the ladder did not paint"
    assert len(ladder.ladder().bids) == 20 and len(ladder.ladder().asks) == 20
    print(f"{'custom-painted ladder (format + paint)':48} {med:10.2f} {p95:8.2f}")
    out["ladder"] = med
    ladder.set_book(data[0])
    ladder.ladder()
    med, p95 = timed(ladder.repaint, repeat)
    print(f"{'custom-painted ladder (paint only)':48} {med:10.2f} {p95:8.2f}")
    out["dom"] = bench_dom(data, repeat)

    for cached, label in (
        (False, "QTableView + model formatting in data()"),
        (True, "QTableView + model with cached strings"),
    ):
        model = NaiveBookModel(cached)
        view = QTableView()
        view.setModel(model)
        view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        view.verticalHeader().setDefaultSectionSize(20)
        view.resize(360, 900)
        view.show()
        QApplication.processEvents()

        def table_frame() -> None:
            model.set_book(data[i[0] % len(data)])
            i[0] += 1
            view.viewport().repaint()

        table_frame()
        model.calls = 0
        med, p95 = timed(table_frame, repeat)
        print(f"{label:48} {med:10.2f} {p95:8.2f}   (data() calls/frame: {model.calls // repeat})")
        out["table_cached" if cached else "table"] = med
        view.close()
    ladder.close()
    return out


def bench_dom(data: list[BookView], repeat: int) -> float:
    """The price ladder: 60 fixed rows (bid, ask, my orders, volume), one forced repaint
    with a new book each time, beside the book ladder's figure above."""
    from terminal.ui.widgets.dom import DomFeed, DomLadderView

    dom = DomLadderView(RULES)
    dom.show()
    QApplication.processEvents()
    dom.resize(420, int(dom.row_rect(60).top()) + 1)  # the header and exactly 60 rows
    QApplication.processEvents()
    volume = {D("67000.00") + D("0.01") * k: D("0.5") + k % 7 for k in range(-30, 30)}
    i = [0]

    def dom_frame() -> None:
        view = data[i[0] % len(data)]
        i[0] += 1
        dom.set_feed(DomFeed(view, (), volume, view.bids[0].price))
        dom.repaint()

    dom_frame()
    painted = dom.frames.total
    med, p95 = timed(dom_frame, repeat)
    assert dom.frames.total == painted + repeat, "the price ladder did not paint"
    assert len(dom.ladder().rows) == 60, len(dom.ladder().rows)
    print(f"{'price ladder (DOM), 60 rows (format + paint)':48} {med:10.2f} {p95:8.2f}")
    dom.close()
    return med


# ---- candles ---------------------------------------------------------------------------
def make_candles(n: int) -> list[Candle]:
    rng = np.random.default_rng(5)
    c = 50_000 + np.cumsum(rng.normal(0, 20, n))
    o = np.concatenate(([50_000.0], c[:-1]))
    h = np.maximum(o, c) + np.abs(rng.normal(0, 8, n))
    lo = np.minimum(o, c) - np.abs(rng.normal(0, 8, n))
    v = np.abs(rng.normal(5, 2, n)) + 0.001
    t0 = 1_700_000_000_000
    return [
        Candle(
            t0 + i * 60_000,
            D(f"{o[i]:.2f}"),
            D(f"{h[i]:.2f}"),
            D(f"{lo[i]:.2f}"),
            D(f"{c[i]:.2f}"),
            D(f"{v[i]:.5f}"),
        )
        for i in range(n)
    ]


class QPictureCandles(pg.GraphicsObject):
    """The pyqtgraph example's CandlestickItem: one QPicture of every bar."""

    def __init__(self, data: list[tuple[float, float, float, float, float]]) -> None:
        super().__init__()
        self.data = data
        self.picture = QPicture()
        p = QPainter(self.picture)
        p.setPen(pg.mkPen("w"))
        w = 0.35
        for t, open_, close, low, high in data:
            p.drawLine(QPointF(t, low), QPointF(t, high))
            p.setBrush(pg.mkBrush("r" if open_ > close else "g"))
            p.drawRect(QRectF(t - w, open_, w * 2, close - open_))
        p.end()

    def paint(self, p, *args) -> None:
        p.drawPicture(0, 0, self.picture)

    def boundingRect(self) -> QRectF:
        return QRectF(self.picture.boundingRect())


def _repaint(view) -> None:
    view.viewport().repaint()


def _warm_up() -> None:
    """One throwaway round, so the first measured size does not pay first-use costs
    (font caches, pyqtgraph's lazy imports and shaders of the raster engine)."""
    candles = make_candles(500)
    for make in (
        lambda: QPictureCandles(
            [
                (float(i), float(k.open), float(k.close), float(k.low), float(k.high))
                for i, k in enumerate(candles)
            ]
        ),
        None,
    ):
        pw = pg.PlotWidget()
        pw.resize(1200, 700)
        pw.show()
        if make is not None:
            pw.addItem(make())
        else:
            w = CandleChartWidget(RULES)
            w.resize(1200, 700)
            w.show()
            w.set_candles(candles)
            for _ in range(5):
                _repaint(w.graphics)
            w.close()
        for _ in range(5):
            _repaint(pw)
        pw.close()


def bench_chart(sizes: list[int], repeat: int) -> dict[int, dict[str, float]]:
    """Per size: QPicture and visible-range item, last 200 bars and pan step (ms)."""
    _warm_up()
    out: dict[int, dict[str, float]] = {}
    print("\n== Candles: PlotWidget 1200x700 (ms; median of paints) ==")
    print(f"{'N':>7} | {'QPicture of all bars':^36} | {'visible range only (CandlesItem)':^36}")
    print(
        f"{'':>7} | {'build':>8} {'full':>8} {'last200':>8} {'pan':>8} |"
        f" {'build':>8} {'full':>8} {'last200':>8} {'pan':>8}  bars drawn (last200/full)"
    )
    for n in sizes:
        candles = make_candles(n)
        tuples = [
            (float(i), float(k.open), float(k.close), float(k.low), float(k.high))
            for i, k in enumerate(candles)
        ]
        row = []
        # baseline
        pw = pg.PlotWidget()
        pw.resize(1200, 700)
        pw.show()
        t = time.perf_counter()
        item = QPictureCandles(tuples)
        pw.addItem(item)
        row.append((time.perf_counter() - t) * 1000)
        row += _paint_figures(pw, n, repeat)
        pw.close()
        # visible-range item
        pw = pg.PlotWidget()
        pw.resize(1200, 700)
        pw.show()
        vb = pw.getViewBox()
        series = CandleSeries("1m")
        t = time.perf_counter()
        series.set(candles)
        cache: dict[str, Any] = {}

        def source() -> VisibleSlice:
            x0, x1 = vb.viewRange()[0]
            key = (x0, x1, vb.width())
            if cache.get("key") != key:
                cache["key"], cache["slice"] = key, visible_slice(series, x0, x1, vb.width())
            return cache["slice"]

        citem = CandlesItem(series, source, QColor("#0ecb81"), QColor("#f6465d"))
        citem.set_bounds(
            QRectF(-0.5, float(series.l.min()), n, float(series.h.max() - series.l.min()))
        )
        pw.addItem(citem)
        build_ms = (time.perf_counter() - t) * 1000
        figures = _paint_figures(pw, n, repeat, citem)
        print(
            f"{n:>7} | {row[0]:8.1f} {row[1]:8.1f} {row[2]:8.1f} {row[3]:8.1f} |"
            f" {build_ms:8.1f} {figures[0]:8.1f} {figures[1]:8.1f} {figures[2]:8.1f}"
            f"  {figures[3]}/{figures[4]}"
        )
        out[n] = {
            "qpicture_last200": row[2],
            "qpicture_pan": row[3],
            "visible_last200": figures[1],
            "visible_pan": figures[2],
        }
        pw.close()
    print(
        "  (build of the visible-range item includes converting the Candle Decimals "
        "to numpy columns)"
    )

    print("\n== Whole chart widget (candles + volume + SMA/EMA/VWAP + axes), 1200x700 ==")
    print(
        f"{'N':>7} {'set_candles':>12} {'last150 paint':>14} {'pan step':>9} "
        f"{'full range':>11} {'live update+paint':>18}"
    )
    for n in sizes:
        candles = make_candles(n + 1)
        w = CandleChartWidget(RULES)
        w.resize(1200, 700)
        w.show()
        QApplication.processEvents()
        t = time.perf_counter()
        w.set_candles(candles[:n])
        set_ms = (time.perf_counter() - t) * 1000
        last, _ = timed(lambda: _repaint(w.graphics), repeat)

        def pan_step() -> None:
            w.pan_by(-3)
            _repaint(w.graphics)

        pan, _ = timed(pan_step, repeat)
        w.price_vb.setXRange(0, n, padding=0)
        full, _ = timed(lambda: _repaint(w.graphics), max(3, repeat // 5))
        w.price_vb.setXRange(n - 150, n, padding=0)  # back to the newest 150 bars
        w.set_follow(True)
        k = candles[n]
        seq = [k]
        for j in range(1, repeat + 1):
            seq.append(Candle(k.open_time_ms, k.open, k.high + j, k.low, k.high + j, k.volume))
        it = iter(seq)

        def live() -> None:
            w.update_last(next(it))
            w.refresh()
            _repaint(w.graphics)

        upd, _ = timed(live, repeat)
        print(f"{n:>7} {set_ms:12.1f} {last:14.2f} {pan:9.2f} {full:11.2f} {upd:18.2f}")
        w.close()
    return out


def _paint_figures(pw, n: int, repeat: int, item: CandlesItem | None = None) -> list:
    vb = pw.getViewBox()
    vb.disableAutoRange()
    vb.setRange(xRange=(0, n), yRange=_y_range(pw), padding=0)
    QApplication.processEvents()
    full, _ = timed(lambda: _repaint(pw), max(3, repeat // 5))
    full_bars = item.last_paint_bars if item else n
    vb.setXRange(n - 200, n, padding=0)
    last, _ = timed(lambda: _repaint(pw), repeat)
    last_bars = item.last_paint_bars if item else n

    def pan_step() -> None:
        vb.translateBy(x=-3)
        _repaint(pw)

    pan, _ = timed(pan_step, repeat)
    return [full, last, pan, last_bars, full_bars]


def _y_range(pw) -> tuple[float, float]:
    """The candles' price extent (the first item's bounds)."""
    items = [i for i in pw.getPlotItem().items if hasattr(i, "boundingRect")]
    br = items[0].boundingRect() if items else QRectF(0, 0, 1, 1)
    return br.top(), br.bottom()


def bench_other_panels(repeat: int) -> None:
    from terminal.domain.enums import Side
    from terminal.domain.ids import TradeId
    from terminal.domain.marketdata import Trade
    from terminal.ui.widgets.depthchart import DepthChartWidget
    from terminal.ui.widgets.tape import TradesTapeWidget

    print("\n== Depth chart (200 levels a side) and trades tape (200 rows), forced repaint ==")
    print(f"{'implementation':48} {'median ms':>10} {'p95 ms':>8}")
    rng = np.random.default_rng(2)
    views = []
    for _ in range(16):
        a = rng.uniform(0.001, 3, 400)
        views.append(
            BookView(
                SYM,
                tuple(
                    BookLevel(D("67000.00") - D("0.01") * i, D(f"{a[i]:.5f}")) for i in range(200)
                ),
                tuple(
                    BookLevel(D("67000.01") + D("0.01") * i, D(f"{a[200 + i]:.5f}"))
                    for i in range(200)
                ),
            )
        )
    depth = DepthChartWidget(RULES)
    depth.resize(400, 240)
    depth.show()
    QApplication.processEvents()
    i = [0]

    def depth_frame() -> None:
        depth.set_book(views[i[0] % len(views)])
        i[0] += 1
        depth.repaint()

    depth_frame()
    painted = depth.frames.total
    med, p95 = timed(depth_frame, repeat)
    assert depth.frames.total == painted + repeat, "the depth chart did not paint"
    print(f"{'depth chart (new book: curves + paint)':48} {med:10.2f} {p95:8.2f}")
    tape = TradesTapeWidget(RULES)
    tape.resize(300, 900)
    tape.show()
    QApplication.processEvents()
    n = [0]

    def tape_frame() -> None:
        tape.add_trades(
            Trade(
                SYM,
                TradeId(str(n[0] + j)),
                1_700_000_000_000 + n[0] + j,
                D("67000.00") + j,
                D("0.01234"),
                Side.BUY if j % 2 else Side.SELL,
            )
            for j in range(5)
        )
        n[0] += 5
        tape.repaint()

    for _ in range(40):
        tape_frame()
    painted = tape.frames.total
    med, p95 = timed(tape_frame, repeat)
    assert tape.frames.total == painted + repeat, "the tape did not paint"
    print(f"{'tape (5 new trades + paint of ~45 visible rows)':48} {med:10.2f} {p95:8.2f}")
    depth.close()
    tape.close()


def bench_flood(seconds: float) -> dict[str, float]:
    """A feed far faster than the screen: frames painted vs messages, and GUI lag."""
    from PySide6.QtCore import QTimer

    from terminal.ui.frame import FrameClock, LatestValue
    from terminal.ui.widgets.orderbook import OrderBookWidget

    print(
        f"\n== Feed flood for {seconds:.0f} s: book written by a 0 ms timer, frame clock 30 Hz =="
    )
    data = books(64)
    cell: LatestValue[BookView] = LatestValue(data[0])
    book = OrderBookWidget(RULES, depth=20)
    book.resize(360, 900)
    book.show()
    book.set_provider(cell)
    clock = FrameClock(rate_hz=30)
    clock.register(book)
    written = [0]
    lags: list[float] = []
    last = [time.perf_counter()]

    def write() -> None:  # what a feed loop does per message: store, never paint
        for _ in range(20):
            written[0] += 1
            cell.set(data[written[0] % len(data)])

    def probe() -> None:  # a 5 ms timer: how late does the GUI thread get to it?
        now = time.perf_counter()
        lags.append((now - last[0]) * 1000 - 5)
        last[0] = now

    writer, prober = QTimer(), QTimer()
    writer.timeout.connect(write)
    prober.timeout.connect(probe)
    prober.setTimerType(Qt.TimerType.PreciseTimer)
    writer.start(0)
    prober.start(5)
    clock.start()
    frames0 = book.frames.total
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        QApplication.processEvents()
    clock.stop()
    writer.stop()
    prober.stop()
    frames = book.frames.total - frames0
    lags.sort()
    p99 = lags[int(len(lags) * 0.99)] if lags else float("nan")
    print(
        f"messages written: {written[0] / seconds:,.0f}/s   book frames painted: "
        f"{frames / seconds:.1f}/s   clock ticks: {clock.ticks / seconds:.1f}/s   "
        f"5 ms probe timer lag p99: {p99:.1f} ms"
    )
    book.close()
    return {"written_per_s": written[0] / seconds, "fps": frames / seconds, "lag_p99": p99}


def collect(quick: bool) -> list[Figure]:
    """The figures the bench command shows (quick: fewer repeats, 1k and 10k bars)."""
    QApplication.instance() or QApplication([])
    repeat = 10 if quick else 60
    sizes = [1_000, 10_000] if quick else [1_000, 10_000, 100_000]
    book = bench_orderbook(repeat)
    chart = bench_chart(sizes, repeat)
    flood = bench_flood(1.5 if quick else 4.0)
    n = sizes[-1]
    g = "rendering"
    return [
        Figure(
            g,
            "order book 40x4 repaint, new book",
            book["ladder"],
            "ms",
            book["table"],
            "QTableView formatting in data()",
            "< 1x table",
        ),
        Figure(
            g,
            "price ladder 60 rows repaint, new book",
            book["dom"],
            "ms",
            book["ladder"],
            "order book ladder 40x4 (same run)",
            "<= 1x book ladder",
        ),
        Figure(
            g,
            f"candles {n:,} bars, pan step",
            chart[n]["visible_pan"],
            "ms",
            chart[n]["qpicture_pan"],
            "QPicture of all bars",
            "< 1x QPicture",
        ),
        Figure(
            g,
            f"candles {n:,} bars, last 200 paint",
            chart[n]["visible_last200"],
            "ms",
            chart[n]["qpicture_last200"],
            "QPicture of all bars",
            "< 1x QPicture",
        ),
        Figure(
            g,
            "book frames/s under a feed flood",
            flood["fps"],
            "frames/s",
            aim=">= 30 (frame clock 30 Hz)",
            notes=f"{flood['written_per_s']:,.0f} messages/s written",
        ),
        Figure(g, "loop lag p99 under a feed flood", flood["lag_p99"], "ms", aim="<= 16 ms"),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats, no 100k")
    parser.add_argument("--repeat", type=int, default=0)
    args = parser.parse_args()
    app = QApplication.instance() or QApplication([])  # noqa: F841 (kept alive)
    repeat = args.repeat or (20 if args.quick else 60)
    sizes = [1_000, 10_000] if args.quick else [1_000, 10_000, 100_000]
    print(f"platform={QGuiApplication.platformName()} pyqtgraph={pg.__version__} repeat={repeat}")
    bench_orderbook(repeat)
    bench_other_panels(repeat)
    bench_chart(sizes, repeat)
    bench_flood(2.0 if args.quick else 4.0)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
