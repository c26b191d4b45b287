"""The subcommands, known by name without importing them.

Each subcommand is one module `terminal/cli/<name>_cmd.py` with:

    def add_parser(subparsers) -> argparse.ArgumentParser
        # subparsers.add_parser("<name>", help=...), add its own arguments, return it
    def run(args: argparse.Namespace, ctx: CliContext) -> int

and optionally `PASSTHROUGH = True`: its arguments are then not parsed here but handed
over untouched as `args.argv_rest` (for a command that has its own argparse, like
`paper`). The module is imported only when its command runs, so `--help` and
`--version` stay fast; keep heavy imports (ccxt, SQLAlchemy, Qt) inside `run`.

To add a command: write the module, add one `Subcommand` line below.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from types import ModuleType


@dataclass(frozen=True)
class Subcommand:
    name: str
    summary: str

    @property
    def module_name(self) -> str:
        return f"terminal.cli.{self.name}_cmd"

    def load(self) -> ModuleType:
        return importlib.import_module(self.module_name)


SUBCOMMANDS: tuple[Subcommand, ...] = (
    Subcommand("paper", "run the built-in paper exchange (see: paper --help)"),
    Subcommand("venues", "list exchanges, their test environments and credentials"),
    Subcommand("order", "place, query or cancel an order from the command line"),
    Subcommand("journal", "inspect, export or check the order journal"),
    Subcommand("reconcile", "reconcile journal orders against a venue"),
    Subcommand("stop", "engage or reset the emergency stop"),
    Subcommand("bench", "run every benchmark and print one table (--quick: a harness check)"),
    Subcommand("drills", "run the reliability drills against real processes and print counts"),
)

BY_NAME: dict[str, Subcommand] = {s.name: s for s in SUBCOMMANDS}
