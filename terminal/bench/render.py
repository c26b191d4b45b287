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

The book panels are measured in `render_book`, the chart in `render_chart`.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import argparse

import pyqtgraph as pg
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication

from terminal.bench.figures import Figure
from terminal.bench.render_book import bench_flood, bench_orderbook, bench_other_panels
from terminal.bench.render_chart import bench_chart


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
