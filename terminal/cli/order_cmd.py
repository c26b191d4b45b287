"""`trading-terminal order`: place, query or cancel an order from the command line.

A placeholder until the feature lands: it answers clearly and exits 2.
"""

from __future__ import annotations

import argparse

from terminal.cli._unavailable import add_placeholder_parser, not_available
from terminal.cli.context import CliContext

NAME = "order"
SUMMARY = "place, query or cancel an order from the command line"


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:  # type: ignore[type-arg]
    return add_placeholder_parser(subparsers, NAME, SUMMARY)


def run(args: argparse.Namespace, ctx: CliContext) -> int:
    return not_available(NAME)
