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
    p.add_argument(
        "--ws-hour",
        action="store_true",
        help="instead: hold the WebSocket streams against the paper exchange for an hour "
        "with faults, and report uptime, reconnects, gaps, messages lost and memory",
    )
    p.add_argument(
        "--ws-minutes",
        type=float,
        default=60.0,
        metavar="N",
        help="with --ws-hour: run N minutes instead of 60 (a fault every N x 5 s, "
        "between 5 s and 3 min)",
    )
    return p


def _ws_hour(args: argparse.Namespace, ctx: CliContext) -> int:
    import json

    from terminal.drills.result import table
    from terminal.drills.ws_hour import run as run_ws

    if not 0 < args.ws_minutes <= 24 * 60:
        print(f"{ctx.prog} drills: error: --ws-minutes must be above 0 and at most 1440",
              file=sys.stderr)  # fmt: skip
        return 2
    result = run_ws(args.ws_minutes)
    print(table([result]))
    if args.json is not None:
        args.json.write_text(
            json.dumps({"quick": False, "drills": [result.to_json()]}, indent=1) + "\n",
            encoding="utf-8",
        )
    return 0 if result.ok else 1


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
    if not args.ws_hour and args.ws_minutes != 60.0:
        print(f"{ctx.prog} drills: error: --ws-minutes goes with --ws-hour", file=sys.stderr)
        return 2
    if args.ws_hour and (args.only or args.quick):
        print(f"{ctx.prog} drills: error: --ws-hour runs alone (no --only, no --quick)",
              file=sys.stderr)  # fmt: skip
        return 2
    if args.ws_hour:
        return _ws_hour(args, ctx)
    return run_drills(args.quick, args.json, args.only)
