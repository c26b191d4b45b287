"""Feed to screen: the whole main window against a saturated depth feed, beside a bare
ccxt.pro consumer. A command that prints figures (no timed test).

    python -m terminal.bench.feed_screen [--seconds 8] [--repeat 2] [--saturation 40000]
                                        [--steady 2000]

One paper exchange (child process) pushes depth diffs with 20 levels changed each for
BTC/USDT (the paper exchange's stress options; the rate is changed live between phases).
For each rate, two fresh processes are measured one after the other:

(a) gui  - the full main window offscreen (1440x900) on BTC/USDT, with the order book,
           chart and tape showing that symbol, on the qasync loop (what a user runs);
(b) bare - one ccxt.pro `watch_order_book` consumer on a plain asyncio loop, no GUI.

Figures: depth diffs applied per second (the book's update id advance: every diff is one
id; resyncs, which would make ids jump, are counted and were 0), the ratio a/b, CPU of
the measured process (cores) and diffs per CPU-second (comparable even when the machine
is shared), event-loop lag p50/p99 (a 5 ms timer: a Qt PreciseTimer in (a),
loop.call_later in (b); lag = interval - 5 ms), order-book frames painted per second in
(a), feed wake-ups per second (ccxt returns) and involuntary context switches per second
(how often the OS took the core away). Runs of (a) and (b) alternate.
Aims: ratio >= 0.8 at saturation; at 2,000 diffs/s lag p99 <= 16 ms and >= 30 book frames/s.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Any

from terminal.bench.figures import Figure

SYMBOL = "BTC/USDT"
LEVELS = 20


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def _preempted() -> int:
    """Involuntary context switches: how often the OS took the CPU away (machine busy)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_nivcsw


def _pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, max(0, round(q / 100 * (len(values) - 1))))]


# ------------------------------------------------------------------------------ (a) gui
def child_gui(url: str, account: str, seconds: float, warmup: float = 2.0) -> dict[str, Any]:
    import asyncio

    from PySide6.QtCore import Qt, QTimer
    from PySide6.QtWidgets import QApplication

    from terminal.app import DaemonExecutor, shutdown_loop
    from terminal.core.marketstate import FeedKind, FeedStatus
    from terminal.paths import AppPaths
    from terminal.services import ServicesOptions
    from terminal.settings import Settings
    from terminal.ui.controller import TerminalController
    from terminal.ui.main_window import MainWindow
    from terminal.ui.qtloop import QtAsyncLoop
    from terminal.ui.theme import ThemeManager

    app = QApplication(["bench"])
    loop = QtAsyncLoop(app)
    asyncio.set_event_loop(loop)
    executor = DaemonExecutor()
    loop.set_default_executor(executor)
    tmp = tempfile.mkdtemp(prefix="bench-ui-")
    paths = AppPaths.from_override(tmp)
    settings = Settings()
    theme = ThemeManager(app)
    theme.apply("dark")
    window = MainWindow(config_dir=paths.config)
    window.resize(1440, 900)
    window.show()
    options = ServicesOptions(data_dir=tmp, paper_url=url, paper_account=account)
    controller = TerminalController(window, paths, settings, theme, services_options=options)
    controller.start()

    lags: list[float] = []
    last = [0.0]
    measuring = [False]

    def tick() -> None:
        now = time.perf_counter()
        if measuring[0] and last[0]:
            lags.append(max(0.0, (now - last[0]) * 1000.0 - 5.0))
        last[0] = now

    timer = QTimer()
    timer.setTimerType(Qt.TimerType.PreciseTimer)
    timer.timeout.connect(tick)
    timer.start(5)

    async def measure() -> dict[str, Any]:
        deadline = time.monotonic() + 60
        while not (
            controller.ready
            and controller.panels is not None
            and controller.panels.chart is not None
        ):
            if controller.error or time.monotonic() > deadline:
                raise SystemExit(f"the window did not start: {controller.error}")
            await asyncio.sleep(0.05)
        key = controller.market.active.key(FeedKind.BOOK)
        state = controller.state
        while state.feed_status(key) is not FeedStatus.LIVE:
            if time.monotonic() > deadline:
                raise SystemExit("the book never went live")
            await asyncio.sleep(0.05)
        await asyncio.sleep(warmup)  # warm up: back-fills done, caches warm
        book = controller.panels.book.ladder
        session = controller.services.sessions["paper"]

        def feed_health() -> Any:
            return session.health.snapshot().feed(key)

        fh0 = feed_health()
        seq0 = state.book_view(key, 1).sequence or 0
        frames0, cpu0, t0 = book.frames.total, _cpu(), time.perf_counter()
        pre0 = _preempted()
        last[0] = 0.0
        measuring[0] = True
        await asyncio.sleep(seconds)
        measuring[0] = False
        elapsed = time.perf_counter() - t0
        seq1 = state.book_view(key, 1).sequence or 0
        status = state.feed_status(key).value
        fh1 = feed_health()
        return {
            "diffs_per_s": (seq1 - seq0) / elapsed,
            "cpu": (_cpu() - cpu0) / elapsed,
            "resyncs": fh1.reconnects - fh0.reconnects,
            "preempted_per_s": (_preempted() - pre0) / elapsed,
            "wakeups_per_s": (fh1.messages - fh0.messages) / elapsed,
            "lag_p50": _pct(lags, 50),
            "lag_p99": _pct(lags, 99),
            "book_fps": (book.frames.total - frames0) / elapsed,
            "feed": status,
            "ticks": len(lags) / elapsed,
        }

    try:
        result = loop.run_until_complete(measure())
    finally:
        timer.stop()
        window.close()
        loop.run_until_complete(controller.aclose(3.0))
        shutdown_loop(loop, executor, timeout=1.0)
    return result


# ------------------------------------------------------------------------------ (b) bare
def child_bare(url: str, account: str, seconds: float, warmup: float = 2.0) -> dict[str, Any]:
    import asyncio

    import ccxt.pro as ccxt_pro

    from terminal.paper.ccxt_compat import paper_ccxt_config, point_ccxt_at

    key, secret = account.split(":", 1)

    async def run() -> dict[str, Any]:
        ex = point_ccxt_at(ccxt_pro.binance(paper_ccxt_config(key, secret)), url)
        loop = asyncio.get_running_loop()
        lags: list[float] = []
        state = {"last": 0.0, "measuring": False, "nonce": 0, "errors": 0, "returns": 0}

        def tick() -> None:
            now = time.perf_counter()
            if state["measuring"] and state["last"]:
                lags.append(max(0.0, (now - state["last"]) * 1000.0 - 5.0))
            state["last"] = now
            loop.call_later(0.005, tick)

        async def consume() -> None:
            while True:
                try:
                    ob = await ex.watch_order_book(SYMBOL, 100)
                except Exception:
                    state["errors"] += 1
                    continue
                state["returns"] += 1
                state["nonce"] = ob.get("nonce") or state["nonce"]

        task = asyncio.ensure_future(consume())
        try:
            loop.call_later(0.005, tick)
            deadline = time.monotonic() + 30
            while not state["nonce"]:
                if time.monotonic() > deadline:
                    raise SystemExit("no book")
                await asyncio.sleep(0.05)
            await asyncio.sleep(warmup)
            seq0, cpu0, t0 = state["nonce"], _cpu(), time.perf_counter()
            err0, ret0 = state["errors"], state["returns"]
            pre0 = _preempted()
            state["last"], state["measuring"] = 0.0, True
            await asyncio.sleep(seconds)
            state["measuring"] = False
            elapsed = time.perf_counter() - t0
            return {
                "diffs_per_s": (state["nonce"] - seq0) / elapsed,
                "cpu": (_cpu() - cpu0) / elapsed,
                "lag_p50": _pct(lags, 50),
                "resyncs": state["errors"] - err0,
                "preempted_per_s": (_preempted() - pre0) / elapsed,
                "wakeups_per_s": (state["returns"] - ret0) / elapsed,
                "lag_p99": _pct(lags, 99),
                "book_fps": float("nan"),
                "feed": "live",
                "ticks": len(lags) / elapsed,
            }
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            await ex.close()

    return asyncio.run(run())


# ------------------------------------------------------------------------------ parent
def _child(
    kind: str, url: str, account: str, seconds: float, warmup: float = 2.0
) -> dict[str, Any]:
    env = dict(os.environ)
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "terminal.bench.feed_screen",
            "--child",
            kind,
            "--url",
            url,
            "--account",
            account,
            "--seconds",
            str(seconds),
            "--warmup",
            str(warmup),
        ],
        capture_output=True,
        text=True,
        timeout=seconds + 120,
        env=env,
        check=False,
    )
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith("{"):
            return json.loads(line)
    raise SystemExit(f"{kind} child failed ({proc.returncode}):\n{proc.stderr[-3000:]}")


def _median_run(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Each figure's median over repeated runs (the machine may be shared: noisy)."""
    out: dict[str, Any] = {}
    for k in runs[0]:
        values = [r[k] for r in runs]
        out[k] = statistics.median(values) if isinstance(values[0], (int, float)) else values[0]
    return out


def measure(
    seconds: float, repeat: int, saturation: int, steady: int, warmup: float = 2.0
) -> list[tuple[str, int, dict[str, Any], dict[str, Any]]]:
    """Both phases: (label, offered rate, gui medians, bare medians) each."""
    from terminal.paper.embedded import start_paper_exchange

    with tempfile.TemporaryDirectory(prefix="bench-paper-") as tmp:
        handle = start_paper_exchange(
            tmp,
            rate="calm",
            diffs_per_second=saturation,
            levels_per_diff=LEVELS,
            stress_symbol=SYMBOL,
        )
        try:
            key, secret = handle.accounts[0]
            account = f"{key}:{secret}"
            rows = []
            for label, rate in (("saturation", saturation), ("steady", steady)):
                handle.control.set_rates(diffs_per_second=rate, levels_per_diff=LEVELS)
                time.sleep(0.5)
                guis, bares = [], []
                for _ in range(max(1, repeat)):  # interleaved: both see the same load
                    guis.append(_child("gui", handle.url, account, seconds, warmup))
                    bares.append(_child("bare", handle.url, account, seconds, warmup))
                    print(
                        f"{label}: gui {guis[-1]}\n{label}: bare {bares[-1]}",
                        file=sys.stderr,
                        flush=True,
                    )
                rows.append((label, rate, _median_run(guis), _median_run(bares)))
        finally:
            handle.stop()

    return rows


def collect(quick: bool) -> list[Figure]:
    """The figures the bench command shows (quick: 1.5 s runs, one of each, at a quarter
    of the rates so that the benchmarks beside it keep a share of the machine)."""
    seconds, repeat = (1.5, 1) if quick else (8.0, 2)
    rows = measure(
        seconds, repeat, 10_000 if quick else 40_000, 500 if quick else 2_000, 1.0 if quick else 2.0
    )
    (_, sat, sat_gui, sat_bare), (_, std, std_gui, std_bare) = rows
    group = "feed to screen"
    return [
        Figure(
            group,
            f"diffs/s applied at saturation ({sat:,} offered)",
            sat_gui["diffs_per_s"],
            "diffs/s",
            sat_bare["diffs_per_s"],
            "bare ccxt.pro",
            ">= 0.8x bare",
        ),
        Figure(
            group,
            "diffs per CPU-second at saturation",
            _per_cpu(sat_gui),
            "diffs/CPU-s",
            _per_cpu(sat_bare),
            "bare ccxt.pro",
        ),
        Figure(
            group,
            f"loop lag p99 at {std:,} diffs/s",
            std_gui["lag_p99"],
            "ms",
            std_bare["lag_p99"],
            "bare ccxt.pro",
            "<= 16 ms",
        ),
        Figure(
            group, f"book frames/s at {std:,} diffs/s", std_gui["book_fps"], "frames/s", aim=">= 30"
        ),
    ]


def _per_cpu(r: dict[str, Any]) -> float:
    return r["diffs_per_s"] / r["cpu"] if r["cpu"] else float("nan")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seconds", type=float, default=8.0)
    p.add_argument("--repeat", type=int, default=2, help="runs per phase (medians shown)")
    p.add_argument(
        "--saturation",
        type=int,
        default=40_000,
        help="diffs/s the server offers in the saturation phase",
    )
    p.add_argument("--steady", type=int, default=2_000)
    p.add_argument("--child", choices=["gui", "bare"], help=argparse.SUPPRESS)
    p.add_argument("--warmup", type=float, default=2.0, help=argparse.SUPPRESS)
    p.add_argument("--url", help=argparse.SUPPRESS)
    p.add_argument("--account", help=argparse.SUPPRESS)
    a = p.parse_args(argv)
    if a.child:
        fn = child_gui if a.child == "gui" else child_bare
        print(json.dumps(fn(a.url, a.account, a.seconds, a.warmup)), flush=True)
        return 0

    rows = measure(a.seconds, a.repeat, a.saturation, a.steady)
    print(
        f"Feed to screen: {LEVELS} levels per diff on {SYMBOL}, {a.seconds:.0f} s per run, "
        f"median of {a.repeat} interleaved runs, {os.cpu_count()} cores, "
        f"load {os.getloadavg()[0]:.2f}"
    )
    head = (
        f"{'phase (offered diffs/s)':<24}{'':>4}{'diffs/s':>9}{'CPU':>6}{'diffs/CPU-s':>12}"
        f"{'lag p50':>9}{'lag p99':>9}{'book fps':>9}{'wakeups/s':>10}{'preempt/s':>10}"
    )
    print(head)
    print("-" * len(head))
    for label, rate, gui, bare in rows:
        for name, r in (("(a)", gui), ("(b)", bare)):
            per_cpu = r["diffs_per_s"] / r["cpu"] if r["cpu"] else float("nan")
            print(
                f"{label + ' (' + format(rate, ',') + ')':<24}{name:>4}"
                f"{r['diffs_per_s']:>9,.0f}{r['cpu']:>6.2f}{per_cpu:>12,.0f}"
                f"{r['lag_p50']:>7.1f}ms{r['lag_p99']:>7.1f}ms{r['book_fps']:>9.1f}"
                f"{r['wakeups_per_s']:>10.1f}{r['preempted_per_s']:>10.0f}"
            )
        ratio = gui["diffs_per_s"] / bare["diffs_per_s"] if bare["diffs_per_s"] else float("nan")
        eff = (
            (gui["diffs_per_s"] / gui["cpu"]) / (bare["diffs_per_s"] / bare["cpu"])
            if gui["cpu"] and bare["cpu"] and bare["diffs_per_s"]
            else float("nan")
        )
        print(f"{'':<24}{'a/b':>4}{ratio:>9.2f}{'':>6}{eff:>12.2f}")
    sat_gui, sat_bare = rows[0][2], rows[0][3]
    steady_gui = rows[1][2]
    print()
    print(
        f"aim: ratio >= 0.8 at saturation: "
        f"{sat_gui['diffs_per_s'] / max(1.0, sat_bare['diffs_per_s']):.2f} "
        "(CPU and preempt/s show how much of a core each process got)"
    )
    print(
        f"aim: at {a.steady:,} diffs/s lag p99 <= 16 ms: {steady_gui['lag_p99']:.1f} ms; "
        f">= 30 book frames/s: {steady_gui['book_fps']:.1f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
