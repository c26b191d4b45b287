"""What a drill reports: named counts, each with the value it must have."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class Count:
    name: str
    value: int
    must_be: int | None = None  # None: a figure to read (trials, orders), not a check
    at_least: int | None = None  # a floor instead (kills done, orders tried)

    @property
    def ok(self) -> bool:
        if self.must_be is not None and self.value != self.must_be:
            return False
        return not (self.at_least is not None and self.value < self.at_least)

    def rule(self) -> str:
        if self.must_be is not None:
            return f"= {self.must_be}"
        if self.at_least is not None:
            return f">= {self.at_least}"
        return ""


@dataclass
class DrillResult:
    drill: str
    counts: list[Count] = field(default_factory=list)
    skipped: str = ""  # why the drill did not run (a missing optional package)
    error: str = ""  # the drill itself failed to run (one line)
    notes: str = ""
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.error and all(c.ok for c in self.counts)

    def add(
        self, name: str, value: int, *, must_be: int | None = None, at_least: int | None = None
    ) -> None:
        self.counts.append(Count(name, int(value), must_be, at_least))

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["ok"] = self.ok
        for c, data in zip(self.counts, out["counts"], strict=False):
            data["ok"] = c.ok
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> DrillResult:
        counts = [
            Count(c["name"], c["value"], c.get("must_be"), c.get("at_least"))
            for c in data.get("counts", ())
        ]
        return cls(
            data["drill"],
            counts,
            data.get("skipped", ""),
            data.get("error", ""),
            data.get("notes", ""),
            data.get("seconds", 0.0),
        )


def table(results: list[DrillResult]) -> str:
    rows = [("drill", "count", "value", "must be", "")]
    for r in results:
        if r.skipped:
            rows.append((r.drill, f"SKIPPED: {r.skipped}", "", "", ""))
            continue
        if r.error:
            rows.append((r.drill, f"FAILED TO RUN: {r.error}", "", "", "FAIL"))
        for c in r.counts:
            rows.append((r.drill, c.name, str(c.value), c.rule(), "" if c.ok else "FAIL"))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for n, row in enumerate(rows):
        lines.append("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=False)).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    for r in results:
        if r.notes:
            lines.append(f"{r.drill}: {r.notes}")
    return "\n".join(lines)
