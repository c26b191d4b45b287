"""Command line entry points: `trading-terminal` and `trading-terminal-gui`.

    trading-terminal [global options]                 open the GUI
    trading-terminal [global options] COMMAND [...]   run a subcommand

Parsing happens in two steps so that only the chosen command's module is imported:
the top-level parser knows the global options (`terminal.cli.options`) and the command
names (`terminal.cli.registry`) and collects the command's arguments unparsed
(argparse.REMAINDER); then the command's own module builds its parser and parses them.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from terminal import __version__
from terminal.cli.options import add_global_options
from terminal.cli.parser import OneLineParser
from terminal.cli.registry import BY_NAME, SUBCOMMANDS

PROG = "trading-terminal"


def build_parser() -> argparse.ArgumentParser:
    """The top-level parser (no subcommand module imported)."""
    width = max(len(s.name) for s in SUBCOMMANDS)
    commands = "\n".join(f"  {s.name:<{width}}  {s.summary}" for s in SUBCOMMANDS)
    parser = OneLineParser(
        prog=PROG,
        description="Desktop trading terminal for crypto exchanges, with a paper exchange. "
        "Without a command it opens the GUI.",
        epilog=f"commands:\n{commands}\n\n'{PROG} COMMAND --help' shows a command's options.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    add_global_options(parser)
    parser.add_argument(
        "command",
        nargs="?",
        choices=[s.name for s in SUBCOMMANDS],
        metavar="COMMAND",
        help="one of the commands below; none opens the GUI",
    )
    parser.add_argument("command_args", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    return parser


def _parse_command(name: str, rest: list[str], global_args: argparse.Namespace):
    """Import the command's module and parse its arguments; returns (module, args)."""
    module = BY_NAME[name].load()
    holder = OneLineParser(prog=PROG)  # its subparsers, and theirs, are OneLineParsers too
    subparsers = holder.add_subparsers(dest="command")
    cmd_parser = module.add_parser(subparsers)
    if getattr(module, "PASSTHROUGH", False):
        args = argparse.Namespace(argv_rest=list(rest))
    else:
        args = cmd_parser.parse_args(rest)
    for key, value in vars(global_args).items():  # globals visible as args.<dest> too
        if key not in ("command_args",) and not hasattr(args, key):
            setattr(args, key, value)
    args.command = name
    return module, args


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit code (argparse errors and --help included)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        global_args = build_parser().parse_args(argv)
        if global_args.command is None:
            return _run_gui(global_args)
        module, args = _parse_command(global_args.command, global_args.command_args, global_args)
    except SystemExit as exc:  # --help, --version, usage errors
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    refusal = _paper_url_refusal(global_args)
    if refusal:
        print(f"{PROG}: error: {refusal}", file=sys.stderr)
        return 2

    from terminal import crash
    from terminal.cli.context import CliContext
    from terminal.logsetup import setup_logging
    from terminal.paths import AppPaths

    ctx = CliContext(
        paths=AppPaths.from_override(global_args.data_dir),
        global_args=global_args,
        prog=PROG,
        version=__version__,
    )
    try:
        if not getattr(module, "PASSTHROUGH", False):
            # A command's stderr is for its answer and its errors: INFO only with -v.
            setup_logging(
                ctx.paths,
                global_args.log_level,
                console_level=None if global_args.verbose else "WARNING",
            )
            crash.install()
        return int(module.run(args, ctx) or 0)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        from terminal.cli.failures import report

        return report(f"{PROG} {global_args.command}", exc)


def _paper_url_refusal(args: argparse.Namespace) -> str | None:
    """--paper-url must name this machine: checked before anything starts or connects."""
    if args.paper_url is None:
        return None
    from terminal.loopback import paper_url_refusal

    return paper_url_refusal("--paper-url", args.paper_url)


def _run_gui(args: argparse.Namespace) -> int:
    from terminal import crash
    from terminal.logsetup import setup_logging
    from terminal.paths import AppPaths

    if getattr(args, "self_test", False):
        return _run_self_test(args)
    try:
        setup_logging(AppPaths.from_override(args.data_dir), args.log_level)
    except OSError as exc:  # a read-only or full data dir: one line, not a traceback
        from terminal.cli.failures import report

        return report(PROG, exc)
    crash.install()
    from terminal.app import run_gui

    return run_gui(args)


def _run_self_test(args: argparse.Namespace) -> int:
    """`--self-test`: the GUI offscreen (unless QT_QPA_PLATFORM says otherwise) in a
    temporary data dir, checked by `terminal.ui.selftest`; the dir is removed when the
    test passed and kept (its path printed) when it failed."""
    import os
    import shutil
    import tempfile
    import time

    from terminal import crash
    from terminal.logsetup import setup_logging
    from terminal.paths import AppPaths

    started = time.monotonic()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    temporary = args.data_dir is None
    if temporary:
        args.data_dir = tempfile.mkdtemp(prefix="trading-terminal-selftest-")
    paths = AppPaths.from_override(args.data_dir)
    setup_logging(paths, args.log_level)
    crash.install()
    from terminal.app import run_gui
    from terminal.ui.selftest import SelfTest

    runner = args.self_test_runner = SelfTest(started)
    print(f"self-test: {PROG} {__version__}, data in {paths.override}", flush=True)
    run_gui(args)
    if not runner.done:
        print("self-test: FAILED: the window closed before the self-test ended", flush=True)
    code = runner.exit_code
    if code == 0 and temporary:
        shutil.rmtree(args.data_dir, ignore_errors=True)
    elif code != 0:
        print(f"self-test: log in {paths.logs}", flush=True)
    return code


def gui_main() -> None:
    """Entry point of `trading-terminal-gui` (no console window on Windows)."""
    sys.exit(main())
