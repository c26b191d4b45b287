"""`trading-terminal stop`: engage the emergency stop and cancel open orders, or reset it.

    trading-terminal stop [--scope all|terminal] [--venue V ... | --session LABEL]
                          [--symbol SYM] [--reason TEXT]
    trading-terminal stop --reset [--yes] [--venue V ... | --session LABEL] [--symbol SYM]
    trading-terminal stop --status

Without --venue, --session or --symbol the stop covers everything. --venue V stops only
venue V (every session of it; repeatable), --session LABEL only that session (its label
venue/mode/account, e.g. paper/paper/alice, as the window's stop tooltip and `--status`
show it), --symbol SYM only that symbol (there, or everywhere). --reset with the same
flags lifts only the stop engaged on exactly that target; other stops stay engaged.

Engaging blocks new orders first (journaled, so it holds across restarts and for the
GUI), then connects the paper venue (unless --no-paper) and every --venue given and
cancels their open orders, printing what happened per venue. Reset asks for the
confirmation phrase on a terminal; without one it needs --yes.

While the terminal (GUI or another command) runs on this journal, it holds the journal,
so the command asks that process instead, over its local control channel (a socket
only you can open, or loopback TCP on Windows; both sides prove they hold the secret
from a file only you can read beside the journal, which never goes over the wire): the
running terminal engages the stop exactly as its STOP button does, sweeps every venue
it has connected and the result is printed here in the same format (--no-paper,
--account do not apply; a --venue it has not connected is reported as not swept).
--status and --reset (after the same confirmation) work the same way. If the journal
is held but the channel does not answer, the stop is asked for through a request file
the running terminal watches; ENGAGED is printed only once the running terminal has
confirmed it. With no terminal running, or only a stale control file left by a crash,
the command opens the journal itself as described above.

Exit codes: 0 done; 1 the sweep is incomplete (failures or unknown outcomes, listed,
or a --venue the running terminal has not connected, or its sweep did not finish in
time); 2 usage error or reset not confirmed; 3 the journal or a service could not start,
the running terminal refused the request, or it did not confirm a stop request.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import Any, TextIO

from terminal.cli._orders_common import seconds
from terminal.cli._stop_exit import EXIT_INCOMPLETE, EXIT_OK, EXIT_SERVICES, EXIT_USAGE
from terminal.cli.context import CliContext

NAME = "stop"
SUMMARY = "engage or reset the emergency stop"
OVERALL_TIMEOUT_S = 180.0
CHANNEL_TIMEOUT_S = 170.0  # the running terminal answers an engage within 150 s


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = subparsers.add_parser(
        NAME,
        help=SUMMARY,
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    action = p.add_mutually_exclusive_group()
    action.add_argument(
        "--reset", action="store_true", help="lift an engaged stop (asks for confirmation)"
    )
    action.add_argument(
        "--status", action="store_true", help="print whether the stop is engaged, change nothing"
    )
    p.add_argument(
        "--scope",
        choices=("all", "terminal"),
        default="all",
        help="all: every open order of the account on each venue (default); "
        "terminal: only orders this terminal placed",
    )
    p.add_argument(
        "--venue",
        action="append",
        default=[],
        metavar="V",
        help="stop only venue V, every session of it (repeatable); with no terminal "
        "running, also connects V's live account to sweep it",
    )
    p.add_argument(
        "--session",
        default="",
        metavar="LABEL",
        help="stop only this session (venue/mode/account, e.g. paper/paper/alice)",
    )
    p.add_argument("--symbol", default="", metavar="SYM", help="stop only this symbol")
    p.add_argument(
        "--no-paper",
        action="store_true",
        help="do not connect the paper venue (sweep only the --venue ones)",
    )
    p.add_argument("--account", default="default", help="account label (default: default)")
    p.add_argument("--reason", default="", help="a note journaled with the engagement")
    p.add_argument(
        "--settle-timeout",
        type=seconds,
        default=10.0,
        metavar="S",
        help="how long to wait for orders in flight before the second sweep",
    )
    p.add_argument(
        "--yes",
        action="store_true",
        help="confirm --reset without typing the phrase (needed without a TTY)",
    )
    return p


def run(args: argparse.Namespace, ctx: CliContext) -> int:
    from terminal.core.safety import BadStopTarget, targets_named

    try:
        args.targets = targets_named(args.venue, args.session, args.symbol)
    except BadStopTarget as exc:
        print(f"trading-terminal stop: {exc}", file=sys.stderr)
        return EXIT_USAGE
    args.scoped = bool(args.venue or args.session or args.symbol)
    if args.reset and not args.yes:
        from terminal.core.safety import RESET_PHRASE

        if not _is_tty(sys.stdin):
            print(
                f"trading-terminal stop --reset: no terminal to confirm on; run it with "
                f"--yes, or type the phrase interactively ({RESET_PHRASE}).",
                file=sys.stderr,
            )
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
    except TimeoutError:
        print(
            f"trading-terminal stop: gave up after {OVERALL_TIMEOUT_S:g} s; the stop "
            "stays engaged if it was engaged. Check the venues by hand.",
            file=sys.stderr,
        )
        return EXIT_INCOMPLETE


def _is_tty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


async def _main(args: argparse.Namespace, ctx: CliContext) -> int:
    from terminal.services import ServicesOptions, TerminalServices, control_advert_path

    options = ServicesOptions.from_args(ctx.global_args)
    advert_path: Path | None = None
    try:
        advert_path = control_advert_path(options, ctx.paths)
    except Exception as exc:
        why_not = str(exc)
    if advert_path is not None:
        remote, why_not = await _via_running_terminal(args, advert_path)
        if remote is not None:
            return remote
    services = TerminalServices(options, paths=ctx.paths)
    try:
        from terminal.journal import JournalLockedError

        try:
            await services.start()
        except JournalLockedError as exc:
            if advert_path is not None and not (args.status or args.reset or args.scoped):
                return await _via_request_file(args, advert_path, why_not)
            if args.scoped:
                print(
                    f"trading-terminal stop: {exc}; its control channel did not answer "
                    f"({why_not or 'none is advertised'}), and a stop on part of the "
                    "terminal needs it. Stop everything (no --venue/--session/--symbol), "
                    "or use the Trading menu of the running terminal.",
                    file=sys.stderr,
                )
                return EXIT_SERVICES
            print(
                f"trading-terminal stop: {exc}\nIts control channel did not answer "
                f"({why_not or 'none is advertised'}); use the EMERGENCY STOP button of "
                "the running terminal.",
                file=sys.stderr,
            )
            return EXIT_SERVICES
        except Exception as exc:
            hint = (
                f"The running terminal did not answer on its control channel ({why_not}); "
                if why_not
                else ""
            )
            print(
                f"trading-terminal stop: cannot open the journal: {exc}\n{hint}"
                "If the terminal is running, use its EMERGENCY STOP button.",
                file=sys.stderr,
            )
            return EXIT_SERVICES
        safety = services.safety
        if safety is None:
            print("trading-terminal stop: the safety state is not available", file=sys.stderr)
            return EXIT_SERVICES
        if args.status:
            _print_state(safety)
            return EXIT_OK
        if args.reset:
            return await _reset(args, safety)
        return await _engage(args, services, safety)
    finally:
        await services.aclose()


async def _via_running_terminal(args: argparse.Namespace, path: Path) -> tuple[int | None, str]:
    """Ask the process holding the journal, if one answers on the control channel.

    Returns (exit code, "") when it answered (or refused), (None, why) when there is no
    running terminal to ask (no file, a stale one, or one whose endpoint is answered by
    something that cannot prove it is the terminal): the caller then opens the journal.
    """
    from terminal.control import ControlRefused, ControlUnavailable, ask

    if not path.exists():
        return None, ""
    where = {"venues": list(args.venue), "session": args.session, "symbol": args.symbol}
    if args.status:
        cmd, cmd_args = "status", {}
    elif args.reset:
        from terminal.core.safety import RESET_PHRASE

        # confirmed by run() already
        cmd, cmd_args = "reset", {"phrase": RESET_PHRASE, **where}
    else:
        cmd, cmd_args = (
            "engage",
            {
                "scope": args.scope,
                "reason": args.reason,
                "settle_timeout": max(0.0, args.settle_timeout),
                **where,
            },
        )
    printer = _ReplyPrinter()
    try:
        replies = await ask(path, cmd, cmd_args, timeout=CHANNEL_TIMEOUT_S, on_reply=printer)
    except ControlUnavailable as exc:
        return None, str(exc)
    except ControlRefused as exc:
        print(f"trading-terminal stop: the running terminal refused: {exc}", file=sys.stderr)
        return (EXIT_INCOMPLETE if printer.engaged else EXIT_SERVICES), ""
    last = replies[-1]
    if cmd == "status":
        return EXIT_OK, ""
    if cmd == "reset":
        if not last.get("was_engaged"):
            _print_reset_rest(last)
            return EXIT_OK, ""
        if not last.get("journaled"):
            print(
                "Emergency stop reset in the running terminal, but its journal write "
                "failed; it will be found engaged at the next start.",
                file=sys.stderr,
            )
            return EXIT_SERVICES, ""
        _print_reset_rest(last)
        return EXIT_OK, ""
    if last.get("event") != "result" or not last.get("finished"):
        print(
            f"trading-terminal stop: {last.get('error') or 'no sweep result'}; the stop "
            "is engaged. Check the running terminal.",
            file=sys.stderr,
        )
        return EXIT_INCOMPLETE, ""
    return _judge_sweep(args, printer, last), ""


async def _via_request_file(args: argparse.Namespace, path: Path, why_not: str) -> int:
    from terminal.cli._stop_request import engage_by_request

    printer = _ReplyPrinter(through="its stop request file")
    code, last = await engage_by_request(args, path, why_not, printer)
    if code >= 0 or last is None:
        return code
    return _judge_sweep(args, printer, last)


def _judge_sweep(args: argparse.Namespace, printer: _ReplyPrinter, last: dict[str, Any]) -> int:
    swept = set(printer.venues)
    missing = [v for v in args.venue if v not in swept]
    for venue in missing:
        print(
            f"{venue}: INCOMPLETE, not connected in the running terminal "
            f"(pid {last.get('pid')}); not swept"
        )
    return EXIT_OK if last.get("ok") and not missing else EXIT_INCOMPLETE


class _ReplyPrinter:
    """Prints the running terminal's replies as they arrive (engaged first, then the
    sweep), in the same format as a sweep run here."""

    def __init__(self, through: str = "") -> None:
        self.engaged = False
        self.venues: list[str] = []
        self.through = f", through {through}" if through else ""

    def __call__(self, reply: dict[str, Any]) -> None:
        event, pid = reply.get("event"), reply.get("pid")
        if event == "engaged":
            self.engaged = True
            self.venues = [str(v) for v in reply.get("venues") or []]
            print(reply.get("description", "Emergency stop ENGAGED."), flush=True)
            print(
                f"(engaged in the running terminal, pid {pid}{self.through}; sweeping its "
                f"connected venues: {', '.join(self.venues) or 'none'})",
                file=sys.stderr,
                flush=True,
            )
        elif event == "result" and reply.get("finished"):
            for line in reply.get("lines") or []:
                print(line)
        elif event == "status":
            print(reply.get("description", ""))
            venues = ", ".join(str(v) for v in reply.get("venues") or []) or "none"
            print(
                f"(from the running terminal, pid {pid}; connected venues: {venues})",
                file=sys.stderr,
            )


def _print_state(safety: Any) -> None:
    states = safety.stop.states
    print("\n".join(s.describe() for s in states) if states else "Emergency stop is OFF.")


def _print_reset_rest(reply: dict[str, Any]) -> None:
    """What a reset lifted, what it found nothing engaged on, and what stays engaged."""
    lifted = reply.get("lifted") or []
    for label in reply.get("not_engaged") or []:
        print(f"No emergency stop is engaged on {label}; nothing to reset there.")
    if not reply.get("was_engaged") and not reply.get("not_engaged"):
        print("Emergency stop is not engaged; nothing to reset.")
    remaining = reply.get("remaining") or []
    if lifted:
        print(f"Emergency stop on {', '.join(lifted)} reset.")
    if remaining:
        print("Still engaged:")
        for line in remaining:
            print(f"  {line}")
    elif reply.get("was_engaged"):
        print("Emergency stop reset: order entry is possible again.")


async def _reset(args: argparse.Namespace, safety: Any) -> int:
    stop = safety.stop
    engaged = [s.target for s in stop.states]
    lifting = [t for t in args.targets if t in engaged] if args.scoped else engaged
    reply: dict[str, Any] = {
        "was_engaged": bool(lifting),
        "not_engaged": [t.label for t in args.targets if t not in lifting] if args.scoped else [],
        "lifted": [t.label for t in lifting] if args.scoped else [],
    }
    if not lifting:
        reply["remaining"] = [s.describe() for s in stop.states]
        _print_reset_rest(reply)
        return EXIT_OK
    for target in lifting if args.scoped else [None]:
        stop.reset(confirmed=True, source="cli", target=target)
    reply["remaining"] = [s.describe() for s in stop.states]
    if not await safety.writer.flush():
        print(
            "Emergency stop reset in memory, but the journal write failed; it will be "
            "found engaged at the next start.",
            file=sys.stderr,
        )
        return EXIT_SERVICES
    _print_reset_rest(reply)
    return EXIT_OK


async def _engage(args: argparse.Namespace, services: Any, safety: Any) -> int:
    from terminal.core.safety import StopScope, order_service_sink

    for target in args.targets:
        state = safety.stop.engage(
            StopScope(args.scope), args.reason or "command line", "cli", target
        )
        print(state.describe())
    await safety.writer.flush()
    venues: list[str] = [] if args.no_paper or args.session else ["paper"]
    for venue in args.venue:
        if venue not in venues:
            venues.append(venue)
    sessions, failed = [], []
    if args.session:  # exactly that session: its venue, environment and account
        key = args.targets[0].session
        try:
            sessions.append(
                await services.connect(str(key.venue), key.mode, str(key.account), reconcile=False)
            )
        except Exception as exc:
            from terminal.cli.failures import describe

            failed.append(f"{key.label}: INCOMPLETE, not connected: {describe(exc)}")
    for venue in venues:
        try:
            # A real venue is swept where the money is: its live connection, whatever
            # the default mode of other commands (testnet, else demo) would be.
            info = services.exchange.catalogue.get(venue)
            mode = "live" if not info.points_at_paper and "live" in info.modes else None
            sessions.append(
                await services.connect(venue, mode, account=args.account, reconcile=False)
            )
        except Exception as exc:
            from terminal.cli.failures import describe

            failed.append(f"{venue}: INCOMPLETE, not connected: {describe(exc)}")
    sink = order_service_sink(services.orders) if services.orders is not None else None
    result = await safety.stop.sweep(
        sessions, report_sink=sink, settle_timeout=max(0.0, args.settle_timeout)
    )
    for line in result.lines() if sessions else []:
        print(line)
    for line in failed:
        print(line)
    if not sessions and not failed:
        print("No venue to sweep (give --venue, or drop --no-paper).")
    return EXIT_OK if result.ok and not failed else EXIT_INCOMPLETE
