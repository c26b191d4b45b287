"""`trading-terminal journal`: show, export or check the order journal (read-only).

    journal show [--open] [--venue V] [--symbol S] [--limit N] [--events CLIENT_ID]
    journal export --orders FILE.csv --fills FILE.csv [--venue V] [--symbol S]
                   [--since ISO-TIME] [--until ISO-TIME]
    journal check      SQLite's full integrity check of the journal file

Reads without taking the writer lock, so it works while the GUI runs.
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime

from terminal.cli._orders_common import (
    EXIT_FAILED,
    EXIT_OK,
    fail,
    orders_table,
    positive_int,
    run_services,
)
from terminal.cli.context import CliContext

NAME = "journal"
SUMMARY = "inspect, export or check the order journal"


def _time_ms(text: str) -> int:
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"not an ISO time: {text!r} (e.g. 2026-01-31T12:00)"
        ) from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return int(value.timestamp() * 1000)


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = subparsers.add_parser(NAME, help=SUMMARY, description=SUMMARY)
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    show = actions.add_parser("show", help="list journaled orders, newest first")
    show.add_argument("--open", action="store_true", help="only orders not in a final state")
    show.add_argument("--venue", default=None)
    show.add_argument("--symbol", default=None)
    show.add_argument(
        "--limit",
        type=positive_int,
        default=50,
        help="at most this many orders, newest first (default 50)",
    )
    show.add_argument(
        "--events", metavar="CLIENT_ID", default=None, help="show one order's event history instead"
    )
    export = actions.add_parser("export", help="write orders and/or fills as CSV")
    export.add_argument("--orders", metavar="FILE.csv", default=None)
    export.add_argument("--fills", metavar="FILE.csv", default=None)
    export.add_argument("--venue", default=None)
    export.add_argument("--symbol", default=None)
    export.add_argument("--since", type=_time_ms, default=None, metavar="ISO-TIME")
    export.add_argument("--until", type=_time_ms, default=None, metavar="ISO-TIME")
    actions.add_parser(
        "check",
        help="run SQLite's full integrity check on the journal "
        "file (read-only; works while the terminal runs)",
    )
    return parser


def run(args: argparse.Namespace, ctx: CliContext) -> int:
    prog = f"{ctx.prog} {NAME}"
    if args.action == "export" and not (args.orders or args.fills):
        return fail(prog, "give --orders FILE.csv and/or --fills FILE.csv", 2)
    if args.action == "check":
        return _check(args, ctx, prog)
    if args.action == "show":
        return run_services(args, ctx, lambda s: _show(s, args, prog), read_only_journal=True)
    return run_services(args, ctx, lambda s: _export(s, args, prog), read_only_journal=True)


_NUMBER_KEYS = ("amount", "price", "filled", "fee", "cost", "average", "remaining")


def _detail(key: str, value: object) -> str:
    """An event detail as text; numbers (kept as exact text) in plain digits."""
    from decimal import Decimal, InvalidOperation

    from terminal.domain.money import format_decimal

    if isinstance(value, (str, Decimal)) and any(k in key for k in _NUMBER_KEYS):
        try:
            number = Decimal(value)
        except InvalidOperation:
            return str(value)
        if number.is_finite():
            return format_decimal(number)
    return str(value)


async def _show(services, args, prog) -> int:
    journal = services.journal
    print(f"journal: {journal.display_name}")
    if args.events:
        events = await journal.events(args.events)
        if not events:
            return fail(prog, f"no order {args.events} in the journal")
        for e in events:
            details = ", ".join(
                f"{k}={_detail(k, v)}" for k, v in e.details.items() if v not in (None, "")
            )
            print(
                f"{e.at:%Y-%m-%d %H:%M:%S.%f}"[:-3] + f"  {e.kind:<15} {e.source:<14} -> "
                f"{e.status_after:<16} {details}"
            )
        return EXIT_OK
    orders = await journal.order_history(
        venue=args.venue, symbol=args.symbol, open_only=args.open, limit=args.limit
    )
    print(orders_table(orders))
    return EXIT_OK


async def _export(services, args, prog) -> int:
    try:
        n_orders, n_fills = await services.journal.export_csv(
            args.orders,
            args.fills,
            venue=args.venue,
            symbol=args.symbol,
            since_ms=args.since,
            until_ms=args.until,
        )
    except Exception as exc:  # a missing folder, no permission, a full or read-only disk
        from terminal.cli.failures import describe

        # the journal's worker reports a failed file write as a storage failure: name
        # the file that could not be written, not the journal
        cause = exc if isinstance(exc, OSError) else exc.__cause__
        if not isinstance(cause, OSError):
            raise
        return fail(prog, f"not exported: {describe(cause)}", EXIT_FAILED)
    if args.orders:
        print(f"{n_orders} order(s) written to {args.orders}")
    if args.fills:
        print(f"{n_fills} fill(s) written to {args.fills}")
    return EXIT_OK


def _check(args: argparse.Namespace, ctx: CliContext, prog: str) -> int:
    """`PRAGMA integrity_check` through a read-only connection: exit 0 sound, 1 not."""
    from terminal.journal.integrity import JournalDamaged, full_check
    from terminal.journal.store import journal_url_from, sqlite_path
    from terminal.settings import load_settings

    settings = load_settings(ctx.paths.config)
    url = journal_url_from(getattr(args, "journal", None), ctx.paths.data, settings.journal.url)
    path = sqlite_path(url)
    if path is None:
        return fail(prog, "journal check works on an SQLite journal file only")
    if not path.exists():
        return fail(prog, f"no journal at {path}")
    problems = full_check(path)
    if not problems:
        print(f"journal {path}: ok (SQLite integrity_check)")
        return EXIT_OK
    for line in problems:
        print(f"  {line}")
    return fail(prog, str(JournalDamaged(path, problems, "integrity_check")))
