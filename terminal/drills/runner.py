"""`trading-terminal drills`: every reliability drill, then one table of counts.

Each drill (terminal.drills.<name>.run(quick)) starts its own real processes (paper
exchange, workers, `trading-terminal` commands). With --quick the drills are shorter and
two groups run side by side. Exit 1 when a count is not what it must be or a drill could
not run; a drill skipped for a missing optional package is shown as skipped.
"""

from __future__ import annotations

import importlib
import json
import threading
import time
import traceback
from pathlib import Path

from terminal.drills.result import DrillResult, table

DRILLS = (
    ("crash", "crash"),
    ("secrets_scan", "secrets"),
    ("lock_stop", "lock and stop"),
    ("fuzz", "bad input (fuzz)"),
    ("storage", "storage"),
)
QUICK_LANES = (("crash",), ("secrets_scan", "lock_stop", "fuzz"), ("storage",))


def _run_one(module: str, label: str, quick: bool) -> DrillResult:
    started = time.monotonic()
    try:
        result: DrillResult = importlib.import_module(f"terminal.drills.{module}").run(quick)
    except Exception as exc:
        last = traceback.format_exception_only(type(exc), exc)[-1].strip()
        result = DrillResult(label, error=last[:300])
    result.seconds = time.monotonic() - started
    return result


def run(quick: bool, json_path: Path | None, only: list[str] | None = None) -> int:
    chosen = [(m, label) for m, label in DRILLS if not only or m in only]
    results: dict[str, DrillResult] = {}

    def lane(modules: list[tuple[str, str]]) -> None:
        for module, label in modules:
            print(f"drills: {label} ...", flush=True)
            results[module] = _run_one(module, label, quick)

    started = time.monotonic()
    if quick:
        lanes = [[(m, label) for m, label in chosen if m in names] for names in QUICK_LANES]
        threads = [
            threading.Thread(target=lane, args=(group,), daemon=True) for group in lanes if group
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    else:
        lane(chosen)
    ordered = [results[m] for m, _ in chosen]
    print(table(ordered))
    print(
        f"{len(ordered)} drills in {time.monotonic() - started:.0f} s"
        + (" (--quick: fewer kills, fewer examples, fewer attempts)" if quick else "")
    )
    if json_path is not None:
        json_path.write_text(
            json.dumps({"quick": quick, "drills": [r.to_json() for r in ordered]}, indent=1) + "\n",
            encoding="utf-8",
        )
    return 0 if all(r.ok for r in ordered) else 1
