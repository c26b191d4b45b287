"""`trading-terminal bench`: every benchmark, each in a fresh process, then one table.

Each benchmark module has `collect(quick) -> list[Figure]`; the runner starts
`python -m terminal.bench.child NAME` for each, one after the other (so they do not
measure each other), reads the figures from its last stdout line, and prints the table
with the machine it ran on. With --quick the runs are short and three groups of them run
side by side (QUICK_LANES), so the whole takes under two minutes: it checks that every
figure is produced, not the aims. A benchmark that fails shows its figures as missing and the
command exits 1.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from terminal.bench.figures import (
    Figure,
    cpu_seconds_with_children,
    load_average,
    machine_start,
    table,
)


@dataclass(frozen=True)
class Bench:
    name: str  # module in terminal.bench
    group: str  # the table's group label when it fails before giving figures
    timeout_quick: float
    timeout_full: float


BENCHES: tuple[Bench, ...] = (
    Bench("feed_screen", "feed to screen", 100, 600),
    Bench("startup", "start-up", 100, 600),
    Bench("render", "rendering", 60, 600),
    Bench("journal_rate", "journal", 90, 600),  # with a PostgreSQL server to start
    Bench("paper_depth", "paper exchange depth", 60, 300),
    Bench("orders", "order round trip", 120, 900),
    Bench("growth", "cost growth", 120, 1200),
    Bench("soak", "soak", 150, 1200),
)
# --quick runs these groups side by side (each group's benchmarks one after the other)
QUICK_LANES = (
    ("feed_screen", "startup", "render", "journal_rate", "paper_depth"),
    ("orders", "growth"),
    ("soak",),
)


_LOG_LOCK = threading.Lock()


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    return env


def _start(bench: Bench, quick: bool) -> subprocess.Popen[str]:
    cmd = [sys.executable, "-m", "terminal.bench.child", bench.name]
    if quick:
        cmd.append("--quick")
    return subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env()
    )


def _finish(
    bench: Bench, proc: subprocess.Popen[str], quick: bool, log: Path | None, started: float
) -> list[Figure]:
    timeout = max(
        10.0, (bench.timeout_quick if quick else bench.timeout_full) - (time.monotonic() - started)
    )
    try:
        out, err = proc.communicate(timeout=timeout)
        failure = f"exit {proc.returncode}"
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        failure = f"did not finish in {timeout:.0f} s"
    print(f"bench: {bench.group}: {time.monotonic() - started:.0f} s", file=sys.stderr, flush=True)
    if log is not None:
        with _LOG_LOCK, log.open("a", encoding="utf-8") as f:
            f.write(f"==== {bench.name}\n{out}\n---- stderr\n{err}\n")
    for line in reversed(out.splitlines()):
        if line.startswith("FIGURES "):
            return [Figure.from_json(d) for d in json.loads(line[len("FIGURES ") :])]
    last = next((ln for ln in reversed(err.strip().splitlines()) if ln.strip()), "")
    return [
        Figure(bench.group, "(benchmark failed)", math.nan, "", notes=f"{failure}: {last[:200]}")
    ]


def _run_lane(
    lane: list[Bench], quick: bool, log: Path | None, results: dict[str, list[Figure]]
) -> None:
    for bench in lane:
        started = time.monotonic()
        results[bench.name] = _finish(bench, _start(bench, quick), quick, log, started)


def run(
    quick: bool, json_path: Path | None, log: Path | None = None, only: list[str] | None = None
) -> int:
    machine = machine_start()
    cpu0, t0 = cpu_seconds_with_children(), time.monotonic()
    benches = [b for b in BENCHES if not only or b.name in only]
    results: dict[str, list[Figure]] = {}
    if quick:  # short runs side by side: a check of the harness, not a measurement
        by_name = {b.name: b for b in benches}
        lanes = [[by_name[n] for n in lane if n in by_name] for lane in QUICK_LANES]
        threads = [
            threading.Thread(
                target=_run_lane,
                args=(lane, quick, log, results),
                name=f"bench-lane-{i}",
                daemon=True,
            )
            for i, lane in enumerate(lanes)
            if lane
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    else:
        _run_lane(benches, quick, log, results)
    figures = [f for b in benches for f in results.get(b.name, ())]
    machine.load_end = load_average()
    machine.cpu_seconds = cpu_seconds_with_children() - cpu0
    machine.wall_seconds = time.monotonic() - t0
    print(table(figures, machine, quick=quick))
    missing = [f for f in figures if not math.isfinite(f.value)]
    for f in missing:
        print(f"missing: {f.group}: {f.name} ({f.notes or 'no value'})", file=sys.stderr)
    if json_path is not None:
        json_path.write_text(
            json.dumps(
                {
                    "quick": quick,
                    "machine": machine.to_json(),
                    "figures": [f.to_json() for f in figures],
                },
                indent=1,
            )
            + "\n",
            encoding="utf-8",
        )
    return 1 if missing else 0
