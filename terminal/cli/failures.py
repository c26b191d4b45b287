"""The last line of defence of every command: a failure becomes one line, never a traceback.

A command turns the failures it expects into its own clear message and exit code. What
still escapes (a read-only or full disk, an unwritable path, a bug) reaches `report`:
one line on stderr that names the problem, the traceback in the log file only (at INFO,
below the console's threshold, so it never reaches the terminal), and exit code 1.
"""

from __future__ import annotations

import errno
import logging
import sys

log = logging.getLogger("terminal.cli")

EXIT_FAILED = 1


def describe(exc: BaseException) -> str:
    """What went wrong, in one line a user can act on."""
    if isinstance(exc, OSError):
        what = exc.strerror or type(exc).__name__
        if exc.errno == errno.EROFS:
            what = "read-only file system"
        elif exc.errno == errno.ENOSPC:
            what = "no space left on the device"
        elif exc.errno in (errno.EACCES, errno.EPERM):
            what = "permission denied"
        where = exc.filename if exc.filename is not None else ""
        return f"cannot use {where}: {what}" if where else what
    if isinstance(exc, KeyError) and exc.args:
        return _one_line(str(exc.args[0]))  # str(KeyError) would add quotes
    text = _one_line(str(exc))
    if isinstance(exc, (ValueError, LookupError)) and text:
        return text
    if text and type(exc).__module__.startswith("terminal."):
        return text  # the terminal's own errors are written for the user already
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def report(prog: str, exc: BaseException) -> int:
    """Print `prog: error: <describe(exc)>` on stderr, keep the traceback in the log."""
    try:
        if logging.getLogger().handlers:  # not before logging is set up (lastResort prints)
            log.info("%s failed", prog, exc_info=exc)
    except Exception:
        pass
    detail = (
        "" if isinstance(exc, (OSError, ValueError, LookupError)) else " (details in the log file)"
    )
    print(f"{prog}: error: {describe(exc)}{detail}", file=sys.stderr)
    return EXIT_FAILED


def _one_line(text: str) -> str:
    return " ".join(text.split())
