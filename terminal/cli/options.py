"""Global options: the ones accepted before any subcommand.

This is THE place to add a global option (planned: --paper-url, --paper-account,
--journal). Each option's value reaches the GUI (`run_gui(args)`) and every
subcommand (`args.<dest>` and `ctx.global_args.<dest>`). If an option takes a value,
argparse handles it; nothing else needs to change.
"""

from __future__ import annotations

import argparse
import math

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def _level(text: str) -> str:
    value = text.strip().upper()
    if value not in LOG_LEVELS:
        raise argparse.ArgumentTypeError(f"choose from {', '.join(LOG_LEVELS)}")
    return value


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not math.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError(f"must be a number of seconds >= 0, not {text!r}")
    return value


def add_global_options(parser: argparse.ArgumentParser) -> None:
    """Add every global option to the top-level parser."""
    parser.add_argument(
        "--data-dir",
        metavar="DIR",
        default=None,
        help="keep everything the app writes under DIR (data/, config/, logs/, cache/) "
        "instead of the user directories",
    )
    parser.add_argument(
        "--log-level",
        metavar="LEVEL",
        type=_level,
        default="INFO",
        help=f"log level: {', '.join(LOG_LEVELS)} (default INFO)",
    )
    parser.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="commands: also print INFO log lines on stderr (without it only warnings and "
        "errors; the log file gets every line at --log-level either way)",
    )
    gui = parser.add_argument_group("GUI (without a command)")
    gui.add_argument(
        "--screenshot",
        metavar="FILE.png",
        default=None,
        help="save a PNG of the main window, then exit (after --exit-after, default 1 s)",
    )
    gui.add_argument(
        "--exit-after",
        metavar="SECONDS",
        type=_seconds,
        default=None,
        help="close the window after SECONDS",
    )
    gui.add_argument(
        "--self-test",
        action="store_true",
        help="check the app end to end (window offscreen, embedded paper exchange, one "
        "order placed and cancelled from the ticket, journal read back) in a fresh "
        "temporary data dir unless --data-dir is given; prints timings, exit 0 if it passed",
    )
    venues = parser.add_argument_group("paper exchange and journal")
    venues.add_argument(
        "--paper-url",
        metavar="URL",
        default=None,
        help="use an already running paper exchange at URL instead of starting one "
        "(needs --paper-account)",
    )
    venues.add_argument(
        "--paper-account",
        metavar="KEY:SECRET",
        default=None,
        help="the paper exchange account to trade on",
    )
    venues.add_argument(
        "--journal",
        metavar="PATH|URL",
        default=None,
        help="the order journal: a SQLite file or a SQLAlchemy URL "
        "(default: journal.sqlite in the data dir)",
    )
    # Add new global options above this line (see module docstring).
