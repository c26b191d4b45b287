"""`trading-terminal reconcile`: reconcile the journal's orders with a venue and print it.

Queries every journal order not in a final state by client order id, adopts open
orders the journal does not know (marked external), applies fills since the last known
one, and journals the result. Exit code 1 when it failed or orders stay unknown.
"""

from __future__ import annotations

import argparse

from terminal.cli._orders_common import EXIT_FAILED, EXIT_OK, run_services
from terminal.cli.context import CliContext

NAME = "reconcile"
SUMMARY = "reconcile journal orders against a venue"


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = subparsers.add_parser(NAME, help=SUMMARY, description=SUMMARY)
    parser.add_argument("--venue", default="paper")
    parser.add_argument("--account", default="default")
    return parser


def run(args: argparse.Namespace, ctx: CliContext) -> int:
    return run_services(args, ctx, lambda s: _reconcile(s, args))


async def _reconcile(services, args) -> int:
    await services.connect(args.venue, account=args.account, reconcile=False)
    result = await services.reconcile(args.venue)
    print(result.summary())
    for title, items in (
        ("settled", result.settled),
        ("adopted", result.adopted),
        ("still unknown", result.unknown),
        ("open", result.confirmed),
    ):
        for item in items:
            print(f"  {title}: {item}")
    return EXIT_OK if result.ok and not result.unknown else EXIT_FAILED
