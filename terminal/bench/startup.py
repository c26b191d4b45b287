"""Start-up benchmark: process start to first paint, to the first live book painted, and
to a usable ticket.

    python -m terminal.bench.startup [--runs 3] [--exit-after 12] [--bundle BINARY]

In the same run, side by side (medians over --runs fresh processes, offscreen):
- bare: a bare PySide6 QApplication + QMainWindow shown (the floor of any Qt app);
- terminal first paint: `python -m terminal` with an empty data dir (first run: embedded
  paper exchange, journal created) until the main window's first Paint event;
- terminal live book: until the order book widget first painted a book from the paper
  exchange;
- terminal usable ticket: until the order ticket is painted enabled (nothing blocks
  entry: the venue is reconciled, the book live) with a live bid/ask in it, i.e. the
  moment a user can type an amount and send.
- the same two for the built app bundle (packaging/build.py), when dist/ has one or
  --bundle names its binary: the frozen app beside the source install, same run.
Times are measured from just before the parent spawns the process (interpreter start
included) to the `STARTUP <mark> <time>` lines the app prints with
TERMINAL_STARTUP_PROBE=1. Aims: first paint within 2x the bare window; live book
within 2.5 s.

Both are measured as an installed app starts: with bytecode caches. PYTHONDONTWRITEBYTECODE
is dropped for the children and one untimed warm-up run of each writes the caches (a
source file edited since its last .pyc would otherwise be compiled in every terminal
run, which no installed copy does, while the bare script has nothing to compile).

A command that prints figures, not a timed test.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from pathlib import Path

from terminal.bench.figures import Figure

DEFAULT_BUNDLE = (
    Path(__file__).resolve().parents[2] / "dist" / "trading-terminal" / "trading-terminal"
)

BARE = textwrap.dedent("""
    import sys, time
    from PySide6.QtCore import QEvent, QObject, QTimer
    from PySide6.QtWidgets import QApplication, QMainWindow

    app = QApplication([])
    win = QMainWindow()
    win.resize(1440, 900)

    class Probe(QObject):
        def eventFilter(self, obj, event):
            if obj is win and event.type() == QEvent.Type.Paint:
                win.removeEventFilter(self)
                QTimer.singleShot(0, lambda: (print(f"STARTUP first_paint {time.time():.6f}",
                                                    flush=True), app.quit()))
            return False

    probe = Probe()
    win.installEventFilter(probe)
    win.show()
    app.exec()
""")


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    env["TERMINAL_STARTUP_PROBE"] = "1"
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # measure with bytecode caches, as installed
    return env


def _marks(
    cmd: list[str], timeout: float, cwd: str | None = None, enough: frozenset[str] = frozenset()
) -> dict[str, float]:
    """The STARTUP marks the process prints, in seconds from just before its spawn. With
    `enough`, the process is stopped (SIGTERM) as soon as those marks are in."""
    started = time.time()
    with tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen(
            cmd, stdout=subprocess.PIPE, stderr=err, text=True, env=_env(), cwd=cwd
        )
        killer = threading.Timer(timeout, proc.kill)
        killer.start()
        out: dict[str, float] = {}
        stopped = False
        try:
            assert proc.stdout is not None
            for line in proc.stdout:
                parts = line.split()
                if len(parts) == 3 and parts[0] == "STARTUP":
                    out.setdefault(parts[1], float(parts[2]) - started)
                if enough and enough <= out.keys() and not stopped:
                    stopped = True
                    proc.terminate()
            proc.wait()
        finally:
            killer.cancel()
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        if proc.returncode != 0 and not stopped:
            out["_failed"] = float(proc.returncode)
            err.seek(0)
            sys.stderr.write(err.read()[-2000:])
    return out


Series = list[float]


def measure(
    runs: int,
    exit_after: float,
    warmup: bool,
    bundle: Path | None,
    enough: frozenset[str] = frozenset(),
) -> tuple[Series, Series, Series, Series, Series, dict[str, Series], dict[str, Series]]:
    """bare, first paint, live book, usable ticket, panels built, every mark, bundle's."""

    def terminal_run(exit_after: float, binary: Path | None = None) -> dict[str, float]:
        start = [str(binary)] if binary else [sys.executable, "-m", "terminal"]
        with tempfile.TemporaryDirectory(prefix="tt-startup-") as tmp:
            return _marks(
                [*start, "--data-dir", str(Path(tmp) / "d"), "--exit-after", str(exit_after)],
                exit_after + 60,
                cwd=tmp,
                enough=enough,
            )

    if warmup:
        _marks([sys.executable, "-c", BARE], 60)
        terminal_run(min(exit_after, 6.0))
        if bundle is not None:
            terminal_run(min(exit_after, 6.0), bundle)
    frozen: dict[str, list[float]] = {"first_paint": [], "first_book": []}

    bare: list[float] = []
    paint: list[float] = []
    book: list[float] = []
    ticket: list[float] = []
    panels: list[float] = []
    steps: dict[str, list[float]] = {}
    for i in range(runs):
        m = _marks([sys.executable, "-c", BARE], 60)
        if "first_paint" in m:
            bare.append(m["first_paint"])
        m = terminal_run(exit_after)
        for key, bucket in (
            ("first_paint", paint),
            ("first_book", book),
            ("ticket_usable", ticket),
            ("panels_built", panels),
        ):
            if key in m:
                bucket.append(m[key])
        for key, value in m.items():
            steps.setdefault(key, []).append(value)
        print(
            f"run {i + 1}: bare {bare[-1] if bare else float('nan'):.3f} s, "
            f"terminal first paint {m.get('first_paint', float('nan')):.3f} s, "
            f"panels {m.get('panels_built', float('nan')):.3f} s, "
            f"live book {m.get('first_book', float('nan')):.3f} s, "
            f"usable ticket {m.get('ticket_usable', float('nan')):.3f} s",
            flush=True,
        )
        if bundle is not None:
            m = terminal_run(exit_after, bundle)
            for key, bucket in frozen.items():
                if key in m:
                    bucket.append(m[key])
            print(
                f"       bundle first paint {m.get('first_paint', float('nan')):.3f} s, "
                f"live book {m.get('first_book', float('nan')):.3f} s",
                flush=True,
            )

    return bare, paint, book, ticket, panels, steps, frozen


def collect(quick: bool) -> list[Figure]:
    """The figures the bench command shows (quick: one run, no warm-up run, no bundle).
    Each terminal run stops once its figures' marks are in (up to 30 s)."""
    bundle = DEFAULT_BUNDLE if DEFAULT_BUNDLE.exists() and not quick else None
    bare, paint, book, ticket, _, _, frozen = measure(
        1 if quick else 3,
        30.0,
        not quick,
        bundle,
        frozenset({"first_paint", "first_book", "ticket_usable"}),
    )
    med = _med
    g = "start-up"
    out = [
        Figure(g, "first paint", med(paint), "s", med(bare), "bare QMainWindow", "<= 2x bare"),
        Figure(
            g, "first live book painted", med(book), "s", med(bare), "bare QMainWindow", "<= 2.5 s"
        ),
        Figure(g, "usable ticket", med(ticket), "s", med(bare), "bare QMainWindow"),
    ]
    if bundle is not None:
        out += [
            Figure(
                g,
                "bundle first paint",
                med(frozen["first_paint"]),
                "s",
                med(paint),
                "source install",
                "<= 1x source",
            ),
            Figure(
                g,
                "bundle first live book",
                med(frozen["first_book"]),
                "s",
                med(book),
                "source install",
                "<= 1x source",
            ),
        ]
    return out


def _med(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--exit-after",
        type=float,
        default=12.0,
        help="seconds each terminal run stays up (enough for the book)",
    )
    parser.add_argument(
        "--no-warmup",
        action="store_true",
        help="skip the untimed first run of each that writes bytecode caches",
    )
    parser.add_argument(
        "--bundle",
        type=Path,
        default=None,
        help=f"the bundle's binary (default {DEFAULT_BUNDLE} if it exists)",
    )
    parser.add_argument("--no-bundle", action="store_true", help="measure no bundle")
    args = parser.parse_args(argv)
    bundle = (
        None
        if args.no_bundle
        else (args.bundle or (DEFAULT_BUNDLE if DEFAULT_BUNDLE.exists() else None))
    )
    if bundle is not None and not bundle.exists():
        print(f"no bundle binary at {bundle}", file=sys.stderr)
        return 2

    bare, paint, book, ticket, panels, steps, frozen = measure(
        args.runs, args.exit_after, not args.no_warmup, bundle
    )

    def med(values: list[float]) -> float:
        return statistics.median(values) if values else float("nan")

    load = os.getloadavg() if hasattr(os, "getloadavg") else (float("nan"),) * 3
    print()
    print(f"{'(median of ' + str(args.runs) + ' runs)':<34}{'seconds':>10}")
    print(f"{'bare QMainWindow first paint':<34}{med(bare):>10.3f}")
    print(
        f"{'terminal first paint':<34}{med(paint):>10.3f}   "
        f"= {med(paint) / med(bare):.2f}x bare (aim <= 2x)"
    )
    print(f"{'terminal panels built':<34}{med(panels):>10.3f}")
    print(f"{'terminal first live book painted':<34}{med(book):>10.3f}   (aim <= 2.5 s)")
    print(
        f"{'terminal usable ticket':<34}{med(ticket):>10.3f}   "
        f"= {med(ticket) / med(bare):.1f}x bare first paint"
    )
    if bundle is not None:
        print(
            f"{'bundle first paint':<34}{med(frozen['first_paint']):>10.3f}   "
            f"= {med(frozen['first_paint']) / med(paint):.2f}x source (aim <= 1x)"
        )
        print(
            f"{'bundle first live book painted':<34}{med(frozen['first_book']):>10.3f}   "
            f"= {med(frozen['first_book']) / med(book):.2f}x source (aim <= 1x)"
        )
    print(
        "terminal milestones (median s): "
        + ", ".join(
            f"{k} {med(v):.2f}"
            for k, v in sorted(steps.items(), key=lambda kv: med(kv[1]))
            if not k.startswith("_")
        )
    )
    print(
        f"machine: {os.cpu_count()} cores, load average {load[0]:.2f} {load[1]:.2f} "
        f"{load[2]:.2f} (1/5/15 min) at the end"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
