"""Shared body of the subcommands that are not written yet."""

from __future__ import annotations

import argparse
import sys

EXIT_NOT_AVAILABLE = 2


def add_placeholder_parser(
    subparsers: argparse._SubParsersAction, name: str, summary: str  # type: ignore[type-arg]
) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = subparsers.add_parser(name, help=summary, description=summary)
    # Accept anything for now so the message below is what the user sees.
    parser.add_argument("rest", nargs="*", help=argparse.SUPPRESS)
    return parser


def not_available(name: str) -> int:
    print(f"trading-terminal {name}: not available yet in this version.", file=sys.stderr)
    return EXIT_NOT_AVAILABLE
