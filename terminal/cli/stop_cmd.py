"""`trading-terminal stop`: engage or reset the emergency stop.

A placeholder until the feature lands: it answers clearly and exits 2.
"""

from __future__ import annotations

import argparse

from terminal.cli._unavailable import add_placeholder_parser, not_available
from terminal.cli.context import CliContext

NAME = "stop"
SUMMARY = "engage or reset the emergency stop"


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:  # type: ignore[type-arg]
    return add_placeholder_parser(subparsers, NAME, SUMMARY)


def run(args: argparse.Namespace, ctx: CliContext) -> int:
    return not_available(NAME)
