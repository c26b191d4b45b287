"""Order round trip and emergency stop: the whole window against raw ccxt, same venue.

    QT_QPA_PLATFORM=offscreen python -m terminal.bench.orders [--orders 200]

One paper exchange (child process, order rate limits raised so that they are not what
is measured). Then, one after the other:

- raw: a plain asyncio process with one ccxt binance client on the same account awaits
  `create_order` (a limit buy 3% under the mid, resting) and then `cancel_order`, N times:
  the venue's reply is the end of each round trip;
- window: the full main window offscreen (this process). For each of N orders the ticket
  is filled, Send is clicked in the confirmation dialog like a user does (the dialog's arm
  delay is waited out before the clock starts), and the clock stops when the open-orders
  table paints the order as OPEN (an event filter on the table's viewport sees the paint);
  then the row is selected, Cancel is clicked, and the clock stops when the table paints
  it as cancelled;
- emergency stop: 50 resting orders over the paper exchange's 4 symbols (placed through
  the account with ccxt), then a click on EMERGENCY STOP. Time from the click until the
  venue itself reports zero open orders (a thread polls the exchange's control channel
  every 5 ms, independent of the window), the ticket is tried right after the click, and
  the orders the venue accepted after the stop engaged are counted from its order
  history (must be 0).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

from terminal.bench.figures import Figure
from terminal.bench.window import BenchTimeout, percentile

SYMBOL = "BTC/USDT"
STOP_SYMBOLS = ("BTC/USDT", "ETH/USDT", "SOL/USDT", "ETH/BTC")
STOP_ORDERS = 50  # spread over the symbols in turn
PAPER_OPTIONS: dict[str, Any] = {
    "orders_per_10s": 1_000_000,
    "weight_per_minute": 10_000_000,
    "balance": ["USDT=100000000", "BTC=10000", "ETH=100000", "SOL=1000000"],
}


def _client(url: str, account: str) -> Any:
    import ccxt.async_support as ccxt_async

    from terminal.paper.ccxt_compat import paper_ccxt_config, point_ccxt_at

    key, secret = account.split(":", 1)
    return point_ccxt_at(ccxt_async.binance(paper_ccxt_config(key, secret)), url)


# ------------------------------------------------------------------------------ raw
def child_raw(url: str, account: str, n: int) -> dict[str, list[float]]:
    async def run() -> dict[str, list[float]]:
        ex = _client(url, account)
        try:
            await ex.load_markets()
            book = await ex.fetch_order_book(SYMBOL, 5)
            price = ex.price_to_precision(SYMBOL, book["bids"][0][0] * 0.97)
            place: list[float] = []
            cancel: list[float] = []
            for _ in range(n):
                t0 = time.perf_counter()
                order = await ex.create_order(SYMBOL, "limit", "buy", 0.001, float(price))
                place.append((time.perf_counter() - t0) * 1000)
                if order.get("status") != "open":
                    raise SystemExit(f"raw order not open: {order.get('status')}")
                t0 = time.perf_counter()
                await ex.cancel_order(order["id"], SYMBOL)
                cancel.append((time.perf_counter() - t0) * 1000)
            return {"place": place, "cancel": cancel}
        finally:
            await ex.close()

    return asyncio.run(run())


def _raw_in_child(url: str, account: str, n: int) -> dict[str, list[float]]:
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "terminal.bench.orders",
            "--child-raw",
            "--url",
            url,
            "--account",
            account,
            "--orders",
            str(n),
        ],
        capture_output=True,
        text=True,
        timeout=60 + n,
        check=False,
    )
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith("{"):
            return json.loads(line)
    raise SystemExit(f"raw child failed ({proc.returncode}): {proc.stderr[-2000:]}")


# ------------------------------------------------------------------------------ window
class PaintWatch:
    """First time the open-orders table paints each (order, status text); an order the
    table stops showing gets ("...", GONE) at the first paint without it."""

    GONE = "(gone)"

    def __init__(self, panel: Any) -> None:
        from PySide6.QtCore import QEvent, QObject

        from terminal.ui.panels.open_orders import C_STATUS

        self.seen: dict[tuple[str, str], float] = {}
        self.present: set[str] = set()
        model = panel.model
        watch = self

        class Filter(QObject):
            def eventFilter(self, obj: Any, event: Any) -> bool:
                if event.type() == QEvent.Type.Paint:
                    now = time.perf_counter()
                    keys = set()
                    for row in model.rows:
                        keys.add(str(row.key))
                        watch.seen.setdefault((str(row.key), row.cells[C_STATUS]), now)
                    for gone in watch.present - keys:
                        watch.seen.setdefault((gone, watch.GONE), now)
                    watch.present = keys
                return False

        self._filter = Filter()
        panel.table.viewport().installEventFilter(self._filter)


def window_round_trips(bench: Any, n: int) -> dict[str, list[float]]:
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    from terminal.core.marketstate import FeedKind
    from terminal.domain.enums import Side
    from terminal.domain.order import OrderStatus
    from terminal.ui.panels.open_orders import STATUS_TEXT
    from terminal.ui.panels.ticket import EntryKind

    c = bench.controller
    entry, table = bench.panels.entry, bench.panels.open_orders
    bench.until(lambda: entry.blocked_reason is None, 60, "order entry to open")
    key = c.market.active.key(FeedKind.BOOK)
    mid = bench.until(
        lambda: (c.state.book_view(key, 1) or None) and c.state.book_view(key, 1).mid,
        30,
        "a mid price",
    )
    rules = c.services.sessions["paper"].markets[c.market.active.symbol]
    base = rules.round_price(mid * Decimal("0.97"))
    watch = PaintWatch(table)
    if not table.table.viewport().isVisible():
        raise SystemExit("the open-orders table is not visible in the window's layout")
    open_text, cancelled_text = STATUS_TEXT[OrderStatus.OPEN], STATUS_TEXT[OrderStatus.CANCELED]
    place: list[float] = []
    cancel: list[float] = []
    for i in range(n):
        entry.set_kind(EntryKind.LIMIT)
        entry.set_side(Side.BUY)
        # one tick lower each time: an identical order within seconds asks for a second
        # confirmation (the duplicate guard), which a user placing a ladder would not see
        entry.set_price(rules.format_price(base - i * rules.tick_size))
        entry.set_amount("0.001")
        bench.until(entry.can_submit, 10, "a complete ticket")
        known = {k for k, _ in watch.seen}
        entry.request_submit()
        dialog = bench.until(lambda: entry.confirmation, 10, "the confirmation dialog")
        bench.until(lambda d=dialog: d.armed, 10, "the Send button to arm")
        t0 = time.perf_counter()
        QTest.mouseClick(dialog.send_button, Qt.MouseButton.LeftButton)

        def painted_open(old: set[str] = known) -> tuple[str, float] | None:
            return next(
                ((k, t) for (k, s), t in watch.seen.items() if s == open_text and k not in old),
                None,
            )

        try:
            coid, t1 = bench.until(painted_open, 20, "a new order painted OPEN")
        except BenchTimeout as exc:
            raise SystemExit(f"{exc}; the ticket says {entry.status_label.text()!r}") from None
        place.append((t1 - t0) * 1000)
        bench.until(
            lambda k=coid: table.select(k) and table.cancel_button.isEnabled(),
            10,
            "the row selected",
        )
        t0 = time.perf_counter()
        QTest.mouseClick(table.cancel_button, Qt.MouseButton.LeftButton)
        t1 = bench.until(
            lambda k=coid: watch.seen.get((k, cancelled_text)) or watch.seen.get((k, watch.GONE)),
            20,
            "the order painted cancelled (or gone from the table)",
        )
        cancel.append((t1 - t0) * 1000)
        bench.until(
            lambda: not entry.pending and entry.confirmation is None, 10, "the ticket to be free"
        )
    return {"place": place, "cancel": cancel}


def emergency_stop(bench: Any) -> dict[str, float]:
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    paper = bench.paper
    api_key = paper.accounts[0][0]
    account = "{}:{}".format(*paper.accounts[0])

    async def place_all() -> set[str]:
        ex = _client(paper.url, account)
        ids: set[str] = set()
        try:
            await ex.load_markets()
            bids = {s: (await ex.fetch_order_book(s, 5))["bids"][0][0] for s in STOP_SYMBOLS}
            for i in range(STOP_ORDERS):
                symbol = STOP_SYMBOLS[i % len(STOP_SYMBOLS)]
                step = i // len(STOP_SYMBOLS)
                price = float(ex.price_to_precision(symbol, bids[symbol] * (0.90 - 0.005 * step)))
                amount = float(
                    ex.amount_to_precision(
                        symbol, max(0.001, 20.0 / price if symbol.endswith("USDT") else 0.01)
                    )
                )
                o = await ex.create_order(symbol, "limit", "buy", amount, price)
                ids.add(f"{symbol} {o['id']}")  # order ids count per symbol
        finally:
            await ex.close()
        return ids

    placed = bench.run(place_all(), timeout=120)
    bench.until(
        lambda: len(paper.control.open_orders(api_key)) >= len(placed),
        30,
        "the orders resting",
        step_ms=50,
    )
    bench.sleep(1.0)  # the window learns of them from the user stream
    zero_at: list[float] = []
    stop_polling = threading.Event()

    def poll() -> None:  # the venue's own view, independent of the window's loop
        while not stop_polling.is_set():
            if not paper.control.open_orders(api_key):
                zero_at.append(time.perf_counter())
                return
            time.sleep(0.005)

    entry = bench.panels.entry
    engaged_ms = int(time.time() * 1000)
    t0 = time.perf_counter()
    QTest.mouseClick(bench.window.stop_button, Qt.MouseButton.LeftButton)
    poller = threading.Thread(target=poll, name="bench-stop-poll", daemon=True)
    poller.start()
    tried = dialogs = 0
    try:
        for _ in range(3):  # a user pressing Send right after the stop: nothing may leave
            tried += 1
            entry.request_submit()
            dialog = entry.confirmation
            if dialog is not None:  # the ticket may not know of the stop yet: send anyway
                dialogs += 1
                bench.until(
                    lambda d=dialog: entry.confirmation is not d or d.armed,
                    10,
                    "the Send button to arm (or the dialog to close)",
                )
                if entry.confirmation is not dialog:
                    continue  # the ticket closed it when it learnt of the stop
                QTest.mouseClick(dialog.send_button, Qt.MouseButton.LeftButton)
                bench.until(
                    lambda: not entry.pending and entry.confirmation is None,
                    20,
                    "the refused send to finish",
                )
        bench.until(lambda: zero_at, 30, "zero open orders at the venue", step_ms=2)
    finally:
        stop_polling.set()
        poller.join(2)
    elapsed_ms = (zero_at[0] - t0) * 1000
    bench.until(
        lambda: bench.controller.safety.last_sweep is not None, 30, "the sweep result", step_ms=20
    )

    async def accepted_after() -> int:
        ex = _client(paper.url, account)
        try:
            await ex.load_markets()
            late = 0
            for symbol in STOP_SYMBOLS:
                for o in await ex.fetch_orders(symbol, since=engaged_ms):
                    if (
                        f"{symbol} {o['id']}" not in placed
                        and (o.get("timestamp") or 0) >= engaged_ms
                    ):
                        late += 1
            return late
        finally:
            await ex.close()

    return {
        "orders": float(len(placed)),
        "zero_ms": elapsed_ms,
        "accepted_after": float(bench.run(accepted_after(), timeout=60)),
        "tried_after": float(tried),
        "dialogs_after": float(dialogs),
    }


def measure(n: int) -> tuple[dict[str, list[float]], dict[str, list[float]], dict[str, float]]:
    from terminal.bench.window import WindowBench
    from terminal.paper.embedded import start_paper_exchange

    with tempfile.TemporaryDirectory(prefix="bench-orders-") as tmp:
        paper = start_paper_exchange(Path(tmp) / "paper", rate="calm", **PAPER_OPTIONS)
        try:
            account = "{}:{}".format(*paper.accounts[0])
            raw = _raw_in_child(paper.url, account, n)
            bench = WindowBench(paper, Path(tmp) / "app")
            try:
                win = window_round_trips(bench, n)
                stop = emergency_stop(bench)
            finally:
                bench.close()
        finally:
            paper.stop()
    return raw, win, stop


def collect(quick: bool) -> list[Figure]:
    """The figures the bench command shows (quick: 10 orders instead of 200)."""
    n = 10 if quick else 200
    raw, win, stop = measure(n)
    g = "order round trip"
    p = percentile
    return [
        Figure(
            g,
            f"place p50 (click to OPEN painted, {n} orders)",
            p(win["place"], 50),
            "ms",
            p(raw["place"], 50),
            "raw ccxt create_order",
            "<= 1.5x raw",
        ),
        Figure(
            g,
            "place p99",
            p(win["place"], 99),
            "ms",
            p(raw["place"], 99),
            "raw ccxt create_order",
            "<= 50 ms",
        ),
        Figure(
            g,
            "cancel p50 (click to cancelled painted)",
            p(win["cancel"], 50),
            "ms",
            p(raw["cancel"], 50),
            "raw ccxt cancel_order",
        ),
        Figure(
            g,
            "cancel p99",
            p(win["cancel"], 99),
            "ms",
            p(raw["cancel"], 99),
            "raw ccxt cancel_order",
        ),
        Figure(
            "emergency stop",
            f"click to 0 open at the venue ({stop['orders']:.0f} orders, "
            f"{len(STOP_SYMBOLS)} symbols)",
            stop["zero_ms"],
            "ms",
            aim="<= 1000 ms",
        ),
        Figure(
            "emergency stop",
            "orders the venue accepted after the stop",
            stop["accepted_after"],
            "orders",
            aim="0",
            notes=f"{stop['tried_after']:.0f} ticket sends tried after the click, "
            f"{stop['dialogs_after']:.0f} reached Send",
        ),
    ]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--orders", type=int, default=200)
    p.add_argument("--child-raw", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--url", help=argparse.SUPPRESS)
    p.add_argument("--account", help=argparse.SUPPRESS)
    a = p.parse_args(argv)
    if a.child_raw:
        print(json.dumps(child_raw(a.url, a.account, a.orders)), flush=True)
        return 0
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from terminal.bench.figures import machine_start, table

    figures = collect(False) if a.orders == 200 else _collect_n(a.orders)
    print(table(figures, machine_start(), quick=False))
    return 0


def _collect_n(n: int) -> list[Figure]:
    raw, win, stop = measure(n)
    return [
        Figure(
            "order round trip",
            "place p50",
            percentile(win["place"], 50),
            "ms",
            percentile(raw["place"], 50),
            "raw ccxt create_order",
        ),
        Figure("emergency stop", "click to 0 open", stop["zero_ms"], "ms"),
    ]


if __name__ == "__main__":
    sys.exit(main())
