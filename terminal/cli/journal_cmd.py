"""`trading-terminal journal`: show or export the order journal (read-only).

    journal show [--open] [--venue V] [--symbol S] [--limit N] [--events CLIENT_ID]
    journal export --orders FILE.csv --fills FILE.csv [--venue V] [--symbol S]
                   [--since ISO-TIME] [--until ISO-TIME]

Reads without taking the writer lock, so it works while the GUI runs.
"""

from __future__ import annotations

import argparse
from datetime import datetime, timezone

from terminal.cli._orders_common import EXIT_OK, fail, orders_table, run_services
from terminal.cli.context import CliContext

NAME = "journal"
SUMMARY = "inspect or export the order journal"


def _time_ms(text: str) -> int:
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO time: {text!r} (e.g. 2026-01-31T12:00)") from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return int(value.timestamp() * 1000)


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:  # type: ignore[type-arg]
    parser: argparse.ArgumentParser = subparsers.add_parser(NAME, help=SUMMARY, description=SUMMARY)
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    show = actions.add_parser("show", help="list journaled orders, newest first")
    show.add_argument("--open", action="store_true", help="only orders not in a final state")
    show.add_argument("--venue", default=None)
    show.add_argument("--symbol", default=None)
    show.add_argument("--limit", type=int, default=50)
    show.add_argument("--events", metavar="CLIENT_ID", default=None,
                      help="show one order's event history instead")
    export = actions.add_parser("export", help="write orders and/or fills as CSV")
    export.add_argument("--orders", metavar="FILE.csv", default=None)
    export.add_argument("--fills", metavar="FILE.csv", default=None)
    export.add_argument("--venue", default=None)
    export.add_argument("--symbol", default=None)
    export.add_argument("--since", type=_time_ms, default=None, metavar="ISO-TIME")
    export.add_argument("--until", type=_time_ms, default=None, metavar="ISO-TIME")
    return parser


def run(args: argparse.Namespace, ctx: CliContext) -> int:
    prog = f"{ctx.prog} {NAME}"
    if args.action == "export" and not (args.orders or args.fills):
        return fail(prog, "give --orders FILE.csv and/or --fills FILE.csv", 2)
    body = _show if args.action == "show" else _export
    return run_services(args, ctx, lambda s: body(s, args), read_only_journal=True)


async def _show(services, args) -> int:  # type: ignore[no-untyped-def]
    journal = services.journal
    print(f"journal: {journal.display_name}")
    if args.events:
        events = await journal.events(args.events)
        if not events:
            print(f"no order {args.events} in the journal")
            return 1
        for e in events:
            details = ", ".join(f"{k}={v}" for k, v in e.details.items() if v not in (None, ""))
            print(f"{e.at:%Y-%m-%d %H:%M:%S.%f}"[:-3] + f"  {e.kind:<15} {e.source:<14} -> "
                  f"{e.status_after:<16} {details}")
        return EXIT_OK
    orders = await journal.order_history(venue=args.venue, symbol=args.symbol,
                                         open_only=args.open, limit=args.limit)
    print(orders_table(orders))
    return EXIT_OK


async def _export(services, args) -> int:  # type: ignore[no-untyped-def]
    n_orders, n_fills = await services.journal.export_csv(
        args.orders, args.fills, venue=args.venue, symbol=args.symbol,
        since_ms=args.since, until_ms=args.until)
    if args.orders:
        print(f"{n_orders} order(s) written to {args.orders}")
    if args.fills:
        print(f"{n_fills} fill(s) written to {args.fills}")
    return EXIT_OK
