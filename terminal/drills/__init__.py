"""Reliability drills against real processes: `trading-terminal drills` runs them.

Each drill module has `run(quick) -> DrillResult` (terminal.drills.result): counts, each
with the value it must have, so that the command can print one table and fail when a
count is off.
"""
