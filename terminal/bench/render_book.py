"""Rendering benchmark, the book panels: the order-book ladder against a table view, the
price ladder (DOM), the depth chart and the tape, and the book under a feed flood."""
# Each closure below is timed inside the loop iteration that made it (B023 does not apply);
# Qt's own signatures default QModelIndex() (B008).
# ruff: noqa: B023, B008

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import time
from decimal import Decimal as D

import numpy as np
from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QApplication, QHeaderView, QTableView

from terminal.bench.paint_timing import RULES, SYM, timed
from terminal.domain.marketdata import BookLevel, BookView, cumulative
from terminal.ui.widgets.orderbook import OrderBookLadder


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
