"""`trading-terminal stop`: engage the emergency stop and cancel open orders, or reset it.

    trading-terminal stop [--scope all|terminal] [--venue V ...] [--reason TEXT]
    trading-terminal stop --reset [--yes]
    trading-terminal stop --status

Engaging blocks new orders first (journaled, so it holds across restarts and for the
GUI), then connects the paper venue (unless --no-paper) and every --venue given and
cancels their open orders, printing what happened per venue. Reset asks for the
confirmation phrase on a terminal; without one it needs --yes.

Exit codes: 0 done; 1 the sweep is incomplete (failures or unknown outcomes, listed);
2 usage error or reset not confirmed; 3 the journal or a service could not start.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any, TextIO

from terminal.cli.context import CliContext

NAME = "stop"
SUMMARY = "engage or reset the emergency stop"
EXIT_OK, EXIT_INCOMPLETE, EXIT_USAGE, EXIT_SERVICES = 0, 1, 2, 3
OVERALL_TIMEOUT_S = 180.0


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:  # type: ignore[type-arg]
    p: argparse.ArgumentParser = subparsers.add_parser(
        NAME, help=SUMMARY, description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    action = p.add_mutually_exclusive_group()
    action.add_argument("--reset", action="store_true",
                        help="lift an engaged stop (asks for confirmation)")
    action.add_argument("--status", action="store_true",
                        help="print whether the stop is engaged, change nothing")
    p.add_argument("--scope", choices=("all", "terminal"), default="all",
                   help="all: every open order of the account on each venue (default); "
                   "terminal: only orders this terminal placed")
    p.add_argument("--venue", action="append", default=[], metavar="V",
                   help="also sweep venue V (repeatable); the paper venue is always swept")
    p.add_argument("--no-paper", action="store_true",
                   help="do not connect the paper venue (sweep only the --venue ones)")
    p.add_argument("--account", default="default", help="account label (default: default)")
    p.add_argument("--reason", default="", help="a note journaled with the engagement")
    p.add_argument("--settle-timeout", type=float, default=10.0, metavar="S",
                   help="how long to wait for orders in flight before the second sweep")
    p.add_argument("--yes", action="store_true",
                   help="confirm --reset without typing the phrase (needed without a TTY)")
    return p


def run(args: argparse.Namespace, ctx: CliContext) -> int:
    from terminal.core.safety import RESET_PHRASE

    if args.reset and not args.yes:
        if not _is_tty(sys.stdin):
            print(f"trading-terminal stop --reset: no terminal to confirm on; run it with "
                  f"--yes, or type the phrase interactively ({RESET_PHRASE}).", file=sys.stderr)
            return EXIT_USAGE
        try:
            typed = input(f"Type {RESET_PHRASE} to lift the emergency stop: ")
        except EOFError:
            typed = ""
        if typed.strip() != RESET_PHRASE:
            print("Not confirmed: the emergency stop stays engaged.", file=sys.stderr)
            return EXIT_USAGE
        args.yes = True
    try:
        return asyncio.run(asyncio.wait_for(_main(args, ctx), OVERALL_TIMEOUT_S))
    except asyncio.TimeoutError:
        print(f"trading-terminal stop: gave up after {OVERALL_TIMEOUT_S:g} s; the stop "
              "stays engaged if it was engaged. Check the venues by hand.", file=sys.stderr)
        return EXIT_INCOMPLETE


def _is_tty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


async def _main(args: argparse.Namespace, ctx: CliContext) -> int:
    from terminal.services import ServicesOptions, TerminalServices

    options = ServicesOptions.from_args(ctx.global_args)
    services = TerminalServices(options, paths=ctx.paths)
    try:
        try:
            await services.start()
        except Exception as exc:
            print(f"trading-terminal stop: cannot open the journal: {exc}\n"
                  "If the terminal is running, use its EMERGENCY STOP button.", file=sys.stderr)
            return EXIT_SERVICES
        safety = services.safety
        if safety is None:
            print("trading-terminal stop: the safety state is not available", file=sys.stderr)
            return EXIT_SERVICES
        if args.status:
            _print_state(safety)
            return EXIT_OK
        if args.reset:
            return await _reset(safety)
        return await _engage(args, services, safety)
    finally:
        await services.aclose()


def _print_state(safety: Any) -> None:
    state = safety.stop.state
    print(state.describe() if state is not None else "Emergency stop is OFF.")


async def _reset(safety: Any) -> int:
    if not safety.stop.engaged:
        print("Emergency stop is not engaged; nothing to reset.")
        return EXIT_OK
    safety.stop.reset(confirmed=True, source="cli")
    if not await safety.writer.flush():
        print("Emergency stop reset in memory, but the journal write failed; it will be "
              "found engaged at the next start.", file=sys.stderr)
        return EXIT_SERVICES
    print("Emergency stop reset: order entry is possible again.")
    return EXIT_OK


async def _engage(args: argparse.Namespace, services: Any, safety: Any) -> int:
    from terminal.core.safety import StopScope, order_service_sink

    state = safety.stop.engage(StopScope(args.scope), args.reason or "command line", "cli")
    await safety.writer.flush()
    print(state.describe())
    venues: list[str] = [] if args.no_paper else ["paper"]
    for venue in args.venue:
        if venue not in venues:
            venues.append(venue)
    sessions, failed = [], []
    for venue in venues:
        try:
            sessions.append(await services.connect(venue, account=args.account,
                                                   reconcile=False))
        except Exception as exc:
            failed.append(f"{venue}: INCOMPLETE, not connected: {exc}")
    sink = order_service_sink(services.orders) if services.orders is not None else None
    result = await safety.stop.sweep(sessions, report_sink=sink,
                                     settle_timeout=max(0.0, args.settle_timeout))
    for line in result.lines() if sessions else []:
        print(line)
    for line in failed:
        print(line)
    if not sessions and not failed:
        print("No venue to sweep (give --venue, or drop --no-paper).")
    return EXIT_OK if result.ok and not failed else EXIT_INCOMPLETE
