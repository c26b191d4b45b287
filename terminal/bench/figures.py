"""One benchmark figure, the machine it was measured on, and the table they print as.

A figure is a value beside the baseline measured in the same run (or none when the
figure has no natural baseline, like a count), the ratio of the two and the aim it is
judged against. Benchmarks hand figures over as plain dicts (JSON), so each one can run
in its own process.
"""

from __future__ import annotations

import math
import os
import platform
import resource
import sys
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class Figure:
    group: str  # the benchmark it belongs to ("order round trip")
    name: str  # what was measured ("window p50")
    value: float
    unit: str  # "ms", "diffs/s", "x", "orders" ...
    baseline: float | None = None
    baseline_name: str = ""  # what the baseline is ("raw ccxt create_order p50")
    aim: str = ""  # the target, in words ("<= 1.5x raw")
    notes: str = ""

    @property
    def ratio(self) -> float | None:
        if self.baseline is None or not self.baseline or not math.isfinite(self.baseline):
            return None
        return self.value / self.baseline

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["ratio"] = self.ratio
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Figure:
        data = {k: v for k, v in data.items() if k != "ratio"}
        return cls(**data)


@dataclass
class Machine:
    cores: int | None
    load_start: tuple[float, float, float]
    load_end: tuple[float, float, float] = (math.nan, math.nan, math.nan)
    cpu_seconds: float = math.nan  # CPU time of the benchmark processes (children included)
    wall_seconds: float = math.nan
    versions: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def load_average() -> tuple[float, float, float]:
    try:
        return os.getloadavg()
    except (AttributeError, OSError):
        return (math.nan, math.nan, math.nan)


def cpu_seconds_with_children() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def versions() -> dict[str, str]:
    """Python, Qt, PySide6, ccxt and the terminal: what the figures depend on."""
    out = {"python": platform.python_version(), "platform": platform.platform(terse=True)}
    try:
        import PySide6
        from PySide6.QtCore import qVersion

        out["qt"] = qVersion()
        out["pyside6"] = PySide6.__version__
    except ImportError:
        out["qt"] = "missing"
    try:
        import ccxt

        out["ccxt"] = ccxt.__version__
    except ImportError:
        out["ccxt"] = "missing"
    from terminal import __version__

    out["terminal"] = __version__
    return out


def machine_start() -> Machine:
    return Machine(cores=os.cpu_count(), load_start=load_average(), versions=versions())


def fmt_number(value: float | None) -> str:
    if value is None:
        return "-"
    if not math.isfinite(value):
        return "nan"
    magnitude = abs(value)
    if magnitude >= 1000:
        return f"{value:,.0f}"
    if magnitude >= 100:
        return f"{value:.0f}"
    if magnitude >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}" if magnitude >= 0.1 or magnitude == 0 else f"{value:.3f}"


def table(figures: list[Figure], machine: Machine, *, quick: bool) -> str:
    """The one table the bench command prints, then the machine it ran on."""
    rows = [("benchmark", "figure", "value", "baseline (same run)", "ratio", "aim")]
    for f in figures:
        base = "" if f.baseline is None else f"{fmt_number(f.baseline)} {f.baseline_name}"
        ratio = f.ratio
        rows.append(
            (
                f.group,
                f.name,
                f"{fmt_number(f.value)} {f.unit}".strip(),
                base.strip(),
                "" if ratio is None else f"{ratio:.2f}",
                f.aim,
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = []
    for n, r in enumerate(rows):
        lines.append("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=False)).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    v = machine.versions
    lines.append("")
    lines.append(
        f"machine: {machine.cores} cores, load average {machine.load_start[0]:.2f} at the start, "
        f"{machine.load_end[0]:.2f} at the end (1 min); CPU time {machine.cpu_seconds:.0f} s "
        f"in {machine.wall_seconds:.0f} s wall; Python {v.get('python')}, Qt {v.get('qt')} "
        f"(PySide6 {v.get('pyside6')}), ccxt {v.get('ccxt')}, terminal {v.get('terminal')}, "
        f"{v.get('platform')}"
    )
    if quick:
        lines.append(
            "--quick: short runs that check every figure is produced; the values "
            "are not measurements to judge the aims by."
        )
    return "\n".join(lines)


def print_json_line(figures: list[Figure]) -> None:
    """How a benchmark's child process hands its figures to the runner: the last line."""
    import json

    sys.stdout.write("FIGURES " + json.dumps([f.to_json() for f in figures]) + "\n")
    sys.stdout.flush()
