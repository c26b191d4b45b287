"""`trading-terminal bench`: every benchmark, each in a fresh process, then one table.

Each benchmark module has `collect(quick) -> list[Figure]`; the runner starts
`python -m terminal.bench.child NAME` for each, one after the other (so they do not
measure each other), reads the figures from its last stdout line, and prints the table
with the machine it ran on. With --quick the runs are short and the soak (60 s) runs
beside the others, so the whole takes under two minutes: it checks that every figure
is produced, not the aims. A benchmark that fails shows its figures as missing and the
command exits 1.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
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
    Bench("journal_rate", "journal", 60, 600),
    Bench("paper_depth", "paper exchange depth", 60, 300),
    Bench("orders", "order round trip", 120, 900),
)
SOAK: Bench | None = None


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    return env


def _start(bench: Bench, quick: bool) -> subprocess.Popen[str]:
    cmd = [sys.executable, "-m", "terminal.bench.child", bench.name]
    if quick:
        cmd.append("--quick")
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=_env())


def _finish(bench: Bench, proc: subprocess.Popen[str], quick: bool,
            log: Path | None, started: float) -> list[Figure]:
    timeout = max(10.0, (bench.timeout_quick if quick else bench.timeout_full)
                  - (time.monotonic() - started))
    try:
        out, err = proc.communicate(timeout=timeout)
        failure = f"exit {proc.returncode}"
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        failure = f"did not finish in {timeout:.0f} s"
    print(f"bench: {bench.group}: {time.monotonic() - started:.0f} s", file=sys.stderr,
          flush=True)
    if log is not None:
        with log.open("a", encoding="utf-8") as f:
            f.write(f"==== {bench.name}\n{out}\n---- stderr\n{err}\n")
    for line in reversed(out.splitlines()):
        if line.startswith("FIGURES "):
            return [Figure.from_json(d) for d in json.loads(line[len("FIGURES "):])]
    last = next((ln for ln in reversed(err.strip().splitlines()) if ln.strip()), "")
    return [Figure(bench.group, "(benchmark failed)", math.nan, "",
                   notes=f"{failure}: {last[:200]}")]


def run(quick: bool, json_path: Path | None, log: Path | None = None,
        only: list[str] | None = None) -> int:
    machine = machine_start()
    cpu0, t0 = cpu_seconds_with_children(), time.monotonic()
    benches = [b for b in BENCHES if not only or b.name in only]
    with_soak = SOAK is not None and (not only or SOAK.name in only)
    figures: list[Figure] = []
    soak_started = time.monotonic()
    soak_proc = _start(SOAK, quick) if with_soak and quick else None
    for bench in benches:
        started = time.monotonic()
        figures += _finish(bench, _start(bench, quick), quick, log, started)
    if with_soak:
        if soak_proc is None:
            soak_started = time.monotonic()
        figures += _finish(SOAK, soak_proc or _start(SOAK, quick), quick, log, soak_started)
    machine.load_end = load_average()
    machine.cpu_seconds = cpu_seconds_with_children() - cpu0
    machine.wall_seconds = time.monotonic() - t0
    print(table(figures, machine, quick=quick))
    missing = [f for f in figures if not math.isfinite(f.value)]
    for f in missing:
        print(f"missing: {f.group}: {f.name} ({f.notes or 'no value'})", file=sys.stderr)
    if json_path is not None:
        json_path.write_text(json.dumps(
            {"quick": quick, "machine": machine.to_json(),
             "figures": [f.to_json() for f in figures]}, indent=1) + "\n", encoding="utf-8")
    return 1 if missing else 0
