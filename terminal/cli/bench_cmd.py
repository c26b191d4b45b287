"""`trading-terminal bench [--quick] [--json FILE]`: run every benchmark, print one table.

Each figure is shown beside its baseline measured in the same run, with the ratio, the
aim and the machine (cores, load average, CPU time, Python/Qt/ccxt versions). Exit 1
when a benchmark produced no figure.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from terminal.cli._suite_args import refuse_bad_suite_args
from terminal.cli.context import CliContext

PASSTHROUGH = False


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    p = subparsers.add_parser("bench", help="run every benchmark and print one table")
    p.add_argument(
        "--quick",
        action="store_true",
        help="short runs (under 2 minutes) that check every figure is produced",
    )
    p.add_argument("--json", type=Path, metavar="FILE", help="also write the figures as JSON")
    p.add_argument(
        "--log", type=Path, metavar="FILE", help="append each benchmark's own output to FILE"
    )
    p.add_argument(
        "--only",
        action="append",
        metavar="NAME",
        help="run only this benchmark (repeatable): feed_screen, startup, render, "
        "journal_rate, paper_depth, orders, growth, soak",
    )
    return p


def run(args: argparse.Namespace, ctx: CliContext) -> int:
    from terminal.bench.runner import BENCHES
    from terminal.bench.runner import run as run_benches

    refused = refuse_bad_suite_args(
        ctx.prog, "bench", "benchmark", (b.name for b in BENCHES), args.only, args.json
    )
    if refused is not None:
        return refused
    return run_benches(args.quick, args.json, args.log, args.only)
