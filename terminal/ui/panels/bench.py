"""Benchmark of the table panels: `python -m terminal.ui.panels.bench`.

Prints figures, asserts nothing. For the open orders, watchlist and history panels it
times one frame's `refresh()` (diff + formatting of what changed) and one forced repaint
of the table (offscreen), with a realistic share of rows changing per frame. The frame
budget at 30 Hz is 33 ms; the target for an event-loop stall is p99 < 16 ms.
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def _timed(fn: Callable[[], object], runs: int) -> tuple[float, float]:
    """(median ms, p95 ms) of `runs` calls."""
    samples = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1]


def _orders(n: int):
    from terminal.domain.enums import OrderType, Side
    from terminal.domain.ids import ClientOrderId, Symbol, VenueId
    from terminal.domain.order import Order, OrderStatus

    now = datetime.now(UTC)
    out = []
    for i in range(n):
        o = Order(
            ClientOrderId(f"tt{i:016d}"),
            VenueId("paper"),
            Symbol("BTC/USDT"),
            Side.BUY if i % 2 else Side.SELL,
            OrderType.LIMIT,
            Decimal("0.5"),
            Decimal("60000.5") + i,
            created_at=now - timedelta(seconds=i * 7),
        )
        o.status = OrderStatus.OPEN
        out.append(o)
    return out


def bench_open_orders(n: int, changed_share: float = 0.1, runs: int = 60) -> None:
    from PySide6.QtWidgets import QApplication

    from terminal.domain.money import ZERO
    from terminal.ui.panels.open_orders import OpenOrdersPanel

    app = QApplication.instance() or QApplication([])
    panel = OpenOrdersPanel(stale_after_s=3600)
    panel.resize(1000, 400)
    panel.show()
    orders = _orders(n)
    panel.set_orders(orders)
    panel.refresh()
    app.processEvents()
    k = max(1, int(n * changed_share))
    step = [0]

    def frame() -> None:
        step[0] += 1
        batch = []
        for i, o in enumerate(orders):
            if (i + step[0]) % (n // k or 1) == 0:
                o = o.copy()
                o.filled = (o.filled + Decimal("0.001")) if o.filled < o.amount else ZERO
                orders[i] = o
            batch.append(o)
        panel.set_orders(batch)
        panel.refresh()

    med, p95 = _timed(frame, runs)
    rmed, rp95 = _timed(lambda: panel.table.viewport().repaint(), runs)
    print(
        f"open orders  {n:5d} rows, {k:4d} changed/frame: refresh {med:6.2f} ms "
        f"(p95 {p95:6.2f}), repaint {rmed:5.2f} ms (p95 {rp95:5.2f})"
    )
    panel.close()
    panel.deleteLater()


def bench_watchlist(n: int, runs: int = 60) -> None:
    from PySide6.QtWidgets import QApplication

    from terminal.domain.ids import Symbol
    from terminal.domain.marketdata import Ticker
    from terminal.ui.panels.watchlist import WatchlistPanel

    app = QApplication.instance() or QApplication([])
    symbols = [f"C{i:03d}/USDT" for i in range(n)]
    panel = WatchlistPanel(symbols=symbols)
    panel.resize(300, 600)
    panel.show()
    panel.refresh()
    app.processEvents()
    step = [0]

    def frame() -> None:
        step[0] += 1
        t = {
            s: Ticker(
                Symbol(s),
                last=(Decimal(100 + step[0] + i) / 7).quantize(Decimal("0.01")),
                change_percent=Decimal(step[0] % 9 - 4),
                quote_volume=Decimal(10**6 + i),
            )
            for i, s in enumerate(symbols)
        }
        panel.set_tickers(t)
        panel.refresh()

    med, p95 = _timed(frame, runs)
    rmed, rp95 = _timed(lambda: panel.table.viewport().repaint(), runs)
    print(
        f"watchlist    {n:5d} rows, all changed/frame:  refresh {med:6.2f} ms "
        f"(p95 {p95:6.2f}), repaint {rmed:5.2f} ms (p95 {rp95:5.2f})"
    )
    panel.close()
    panel.deleteLater()


def bench_history(n: int, runs: int = 10) -> None:
    from PySide6.QtWidgets import QApplication

    from terminal.ui.panels.history import HistoryPanel

    app = QApplication.instance() or QApplication([])
    panel = HistoryPanel()
    panel.resize(1200, 400)
    panel.show()
    orders = _orders(n)
    app.processEvents()
    med, p95 = _timed(lambda: panel.set_orders(orders), runs)
    fmed, _ = _timed(lambda: panel.set_filter(text="0001"), 1)
    print(
        f"history      {n:5d} orders: set_orders {med:7.2f} ms (p95 {p95:7.2f}), "
        f"text filter {fmed:6.2f} ms"
    )
    panel.close()
    panel.deleteLater()


def main() -> None:
    print(__doc__.strip().splitlines()[0])
    for n in (50, 200, 1000):
        bench_open_orders(n)
    for n in (20, 100):
        bench_watchlist(n)
    for n in (1000, 5000):
        bench_history(n)


if __name__ == "__main__":
    main()
