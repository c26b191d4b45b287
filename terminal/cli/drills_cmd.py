"""`trading-terminal drills [--quick] [--json FILE]`: the reliability drills against real
processes (crash, secrets, lock and stop, bad input, storage); prints counts, exit 1 when a
count is not what it must be."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from terminal.cli._suite_args import refuse_bad_suite_args
from terminal.cli.context import CliContext

PASSTHROUGH = False


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    p = subparsers.add_parser("drills", help="run the reliability drills and print counts")
    p.add_argument(
        "--quick",
        action="store_true",
        help="shorter drills (fewer kills, fuzz examples and attempts)",
    )
    p.add_argument("--json", type=Path, metavar="FILE", help="also write the counts as JSON")
    p.add_argument(
        "--only",
        action="append",
        metavar="NAME",
        help="run only this drill (repeatable): crash, secrets_scan, lock_stop, fuzz, storage",
    )
    return p


def run(args: argparse.Namespace, ctx: CliContext) -> int:
    if getattr(sys, "frozen", False):
        print(
            f"{ctx.prog} drills: error: the app bundle leaves the drills out (they start "
            "Python child processes); run them from a source or pip install",
            file=sys.stderr,
        )
        return 2
    from terminal.drills.runner import DRILLS
    from terminal.drills.runner import run as run_drills

    refused = refuse_bad_suite_args(
        ctx.prog, "drills", "drill", (m for m, _ in DRILLS), args.only, args.json
    )
    if refused is not None:
        return refused
    return run_drills(args.quick, args.json, args.only)
