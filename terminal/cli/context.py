"""What a subcommand gets besides its own arguments."""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field

from terminal.paths import AppPaths


@dataclass(frozen=True)
class CliContext:
    """Global state of one CLI run, built once by the dispatcher.

    `paths` honours --data-dir; `global_args` holds every global option (see
    `terminal.cli.options`). Logging and crash hooks are already installed when a
    subcommand's `run` is called (unless the module set `PASSTHROUGH = True`).
    """

    paths: AppPaths
    global_args: argparse.Namespace
    prog: str = "trading-terminal"
    version: str = field(default="")
