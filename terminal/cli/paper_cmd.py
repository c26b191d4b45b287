"""`trading-terminal paper ...`: hands everything to the paper exchange's own CLI.

The paper exchange is independent of the terminal (it imports nothing of it), so it
owns its arguments; this module only forwards them. When the global `--data-dir DIR`
was given and the paper arguments name no `--data-dir`, the paper state goes to
`DIR/paper` so one folder still holds everything.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path

from terminal.cli.context import CliContext

NAME = "paper"
SUMMARY = "run the built-in paper exchange (see: paper --help)"
# Arguments are not parsed here: they arrive untouched in args.argv_rest.
PASSTHROUGH = True


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        NAME, help=SUMMARY, description=SUMMARY, add_help=False
    )
    parser.add_argument("argv_rest", nargs=argparse.REMAINDER)
    return parser


def forwarded_argv(rest: list[str], data_dir: str | None) -> list[str]:
    """The paper CLI's argv: `rest`, with `--data-dir DIR/paper` first when due."""
    names_data_dir = any(a == "--data-dir" or a.startswith("--data-dir=") for a in rest)
    if data_dir and not names_data_dir:
        return ["--data-dir", str(Path(data_dir) / "paper"), *rest]
    return list(rest)


def run(args: argparse.Namespace, ctx: CliContext) -> int:
    argv = forwarded_argv(list(args.argv_rest), ctx.global_args.data_dir)
    try:
        paper_cli = importlib.import_module("terminal.paper.cli")
    except ModuleNotFoundError as exc:
        if exc.name not in ("terminal.paper.cli", "terminal.paper"):
            raise
        print("trading-terminal paper: the paper exchange is not available yet.", file=sys.stderr)
        return 2
    from terminal.cli.parser import OneLineParser

    result = paper_cli.main(argv, prog=f"{ctx.prog} {NAME}", parser_class=OneLineParser)
    return int(result or 0)
